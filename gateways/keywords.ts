/** Opt-out / opt-in keywords a customer can type (configured per integration in `options`). */
import type { Integration } from './channel.js';

/** `contact.opted_out` / `contact.opted_in` when the whole text is one of the integration's keywords. */
export function keywordSignal(
  text: string | undefined,
  integration: Integration,
): 'contact.opted_out' | 'contact.opted_in' | undefined {
  if (!text) return undefined;
  const word = text.trim().toUpperCase();
  if (!word || word.length > 32) return undefined;
  const list = (name: string): string[] => {
    const v = integration.options?.[name];
    return Array.isArray(v)
      ? v.filter((x): x is string => typeof x === 'string').map((x) => x.trim().toUpperCase())
      : [];
  };
  if (list('optOutKeywords').includes(word)) return 'contact.opted_out';
  if (list('optInKeywords').includes(word)) return 'contact.opted_in';
  return undefined;
}
