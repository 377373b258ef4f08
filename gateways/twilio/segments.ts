/** Twilio's SMS limits; segment counting is shared with the conversation policy (protocol/sms.ts). */

export { smsSegments } from '../../protocol/sms.js';

/** Twilio refuses bodies over 1600 characters (error 21617). */
export const TWILIO_MAX_BODY_CHARS = 1_600;
/** Segments Switchboard allows per SMS (Twilio recommends staying within 10). */
export const SMS_MAX_SEGMENTS = 10;
