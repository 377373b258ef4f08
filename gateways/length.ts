/** Per-channel length rules: measure text, split it at word boundaries, or refuse it. */
import { smsSegments } from '../protocol/sms.js';
import { SendError, type LengthRule } from './channel.js';

/** Size of `text` in the rule's unit (characters = code points; SMS = segments). */
export function measure(text: string, unit: LengthRule['unit']): number {
  if (unit === 'utf8-bytes') return Buffer.byteLength(text, 'utf8');
  const chars = [...text];
  if (unit === 'chars') return chars.length;
  return smsSegments(text).segments;
}

/** The parts `text` goes out as: itself when it fits, split parts, or SendError message_too_long. */
export function applyLengthRule(text: string, rule: LengthRule): string[] {
  if (measure(text, rule.unit) <= rule.max) return [text];
  if (!rule.split) {
    throw new SendError(
      'message_too_long',
      `the message is ${measure(text, rule.unit)} ${rule.unit} long; this channel allows ${rule.max}`,
      false,
    );
  }
  const parts: string[] = [];
  let rest = text;
  while (measure(rest, rule.unit) > rule.max) {
    const cut = fitPrefix(rest, rule);
    parts.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest) parts.push(rest);
  return parts;
}

// The longest prefix that fits, preferring to end at whitespace in its second half.
function fitPrefix(text: string, rule: LengthRule): number {
  let lo = 1;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (measure(text.slice(0, mid), rule.unit) <= rule.max) lo = mid;
    else hi = mid - 1;
  }
  // Never cut a surrogate pair in half.
  if (lo < text.length && /[\uD800-\uDBFF]/.test(text[lo - 1] ?? '')) lo--;
  const space = text.lastIndexOf(' ', lo);
  return space > lo * 0.5 ? space + 1 : Math.max(lo, 1);
}
