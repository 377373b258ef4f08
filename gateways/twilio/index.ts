/** Twilio SMS channel: adapter, signature helper and SMS segment counting. */
export { createTwilioAdapter, twilioAdapter, TWILIO_API_BASE_URL, SMS_KEYWORDS, EMPTY_TWIML } from './adapter.js';
export type { TwilioAdapterOptions } from './adapter.js';
export { twilioSignature } from './signature.js';
export { smsSegments, SMS_MAX_SEGMENTS, TWILIO_MAX_BODY_CHARS } from './segments.js';
