/**
 * The one phone-number normalisation: every phone-based identity (a WhatsApp or SMS user id, a
 * number an agent verified through the API) becomes E.164 (`+15551234567`) with
 * libphonenumber-js, so the same person is one identity on every channel. National numbers
 * (`(555) 123-4567`, `07700 900123`) need a default region from config.
 */
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import type { Channel } from '../protocol/channels.js';

/** Channels whose user id is a phone number, and how it is written. */
const PHONE_CHANNELS: Partial<Record<Channel, 'international' | 'any'>> = {
  // WhatsApp's wa_id is always the international number without '+'.
  whatsapp: 'international',
  // SMS senders arrive in E.164 from Twilio; other providers send national or bare international digits.
  sms: 'any',
};

/** True when `region` is an ISO 3166-1 alpha-2 code libphonenumber-js has metadata for. */
export function isPhoneRegion(region: string): region is CountryCode {
  return isSupportedCountry(region);
}

/** How to read a number written without a country code, and whether that can happen at all. */
export interface PhoneOptions {
  /** Region (ISO 3166-1 alpha-2, e.g. "US") for national numbers; without it they are read as international digits. */
  readonly defaultRegion?: string;
  /** The number is always international even without '+' (WhatsApp's wa_id). */
  readonly international?: boolean;
}

/**
 * A phone number in E.164, or undefined when the text is not one (letters, a short code, a
 * length no numbering plan allows). Digits without '+' are tried as a national number of the
 * default region first, then as an international number written without '+'. Validity against
 * allocated ranges is not checked (it changes with every numbering-plan update and rejects
 * the fictional 555 numbers); the length must be possible for the country.
 */
export function normalizePhone(raw: string, options: PhoneOptions = {}): string | undefined {
  // Twilio prefixes WhatsApp senders with `whatsapp:`; links may be `tel:` URIs.
  const text = raw.trim().replace(/^(tel|sms|whatsapp):/i, '');
  if (!/^\+?[\d\s().\-/]{3,40}$/.test(text)) return undefined;
  const digits = text.replace(/\D/g, '');
  const region = options.defaultRegion?.toUpperCase();
  const tries: (() => ReturnType<typeof parsePhoneNumberFromString>)[] = [];
  if (text.startsWith('+') || options.international) tries.push(() => parsePhoneNumberFromString(`+${digits}`));
  else {
    if (region && isPhoneRegion(region)) tries.push(() => parsePhoneNumberFromString(text, region));
    // `00` is the international prefix in most of the world.
    tries.push(() => parsePhoneNumberFromString(`+${digits.startsWith('00') ? digits.slice(2) : digits}`));
  }
  for (const attempt of tries) {
    const n = attempt();
    if (n?.isPossible()) return n.number;
  }
  return undefined;
}

/** The E.164 identity of a channel user id on a phone-based channel, else undefined. */
export function phoneIdentityOf(channel: Channel, channelUserId: string, defaultRegion?: string): string | undefined {
  const kind = PHONE_CHANNELS[channel];
  if (!kind) return undefined;
  return normalizePhone(channelUserId, { defaultRegion, international: kind === 'international' });
}
