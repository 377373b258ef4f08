/**
 * Rich messages at the gateway: whether the channel carries one natively (its adapter's
 * `richSupport`), and what goes out otherwise — numbered text on channels without rich elements,
 * and on the others a refusal (`unsupported_on_channel`) or numbered text marked degraded, as the
 * integration's `richFallback` says. Nothing is changed silently. Also the small limit checks the
 * adapters' `richSupport` functions share.
 */
import type { OutboundMessage } from '../protocol/channels.js';
import { richToNumberedText, type RichMessage } from '../protocol/rich.js';
import type { ChannelAdapter, Integration } from './channel.js';

/** What the delivery worker sends for a message: as is, as degraded text, or nothing (refused). */
export type ShapedMessage =
  | { readonly message: OutboundMessage; readonly degraded?: { to: 'numbered_text'; reason: string } }
  | { readonly refused: string };

/** Decides how `msg` goes out on this adapter's channel. Non-rich messages pass through. */
export function shapeRich(adapter: ChannelAdapter, msg: OutboundMessage, integration: Integration): ShapedMessage {
  if (msg.kind !== 'rich') return { message: msg };
  if (!msg.rich) return { refused: 'a rich message needs rich' };
  const asText = (): OutboundMessage => {
    const { rich: _r, ...rest } = msg;
    return { ...rest, kind: 'text', text: richToNumberedText(msg.rich!) };
  };
  // Channels without rich elements: numbered text is their documented rendering, not a degradation.
  if (!adapter.richSupport) return { message: asText() };
  const why = adapter.richSupport(msg.rich, integration);
  if (why === undefined) return { message: msg };
  const refused = `${adapter.channel} cannot carry this ${msg.rich.type} message: ${why}`;
  if (integration.richFallback === 'numbered_text')
    return { message: asText(), degraded: { to: 'numbered_text', reason: refused } };
  return { refused: `${refused} (set the integration's richFallback to "numbered_text" to send it as text)` };
}

/** "at most N …" when `n` is over `max`. */
export function atMost(what: string, n: number, max: number): string | undefined {
  return n > max ? `at most ${max} ${what} (got ${n})` : undefined;
}

/** "… is longer than N characters" for the first text over `max`. */
export function longest(what: string, texts: readonly (string | undefined)[], max: number): string | undefined {
  const t = texts.find((x) => x !== undefined && [...x].length > max);
  return t !== undefined ? `${what} "${t.slice(0, 40)}" is longer than ${max} characters` : undefined;
}

/** The first defined reason. */
export function first(...reasons: (string | undefined)[]): string | undefined {
  return reasons.find((r) => r !== undefined);
}

/** "no <type>" for the rich types a channel lacks. */
export function lacks(rich: RichMessage, types: readonly RichMessage['type'][], channel: string): string | undefined {
  return types.includes(rich.type) ? `${channel} has no ${rich.type.replace('_', ' ')} element` : undefined;
}
