/**
 * Rich messages on Telegram: inline keyboards (callback_data ≤ 64 bytes, ≤ 100 buttons) for quick
 * replies, buttons (URL or callback) and lists (one row per list row), and a one-time reply keyboard
 * with request_location for a location request. The answer to a callback button is a
 * `callback_query` update. There is no carousel or date picker.
 */
import { listRows, type RichButton, type RichMessage } from '../../protocol/rich.js';
import { atMost, first, lacks, longest } from '../rich.js';

type Button = { text: string; callback_data: string } | { text: string; url: string };

function keyboard(rich: RichMessage): Button[][] {
  const cb = (text: string, data: string): Button => ({ text, callback_data: data });
  const one = (b: RichButton): Button => (b.type === 'url' ? { text: b.title, url: b.url } : cb(b.title, b.payload));
  if (rich.type === 'quick_replies') {
    const rows: Button[][] = [];
    rich.replies.forEach((r, i) => {
      if (i % 3 === 0) rows.push([]);
      rows[rows.length - 1]!.push(cb(r.title, r.payload));
    });
    return rows;
  }
  if (rich.type === 'buttons') return rich.buttons.map((b) => [one(b)]);
  if (rich.type === 'list') return listRows(rich).map((r) => [cb(r.title, r.payload)]);
  return [];
}

/** Why Telegram cannot carry `rich`, or undefined when it can. */
export function telegramRichSupport(rich: RichMessage): string | undefined {
  const missing = lacks(rich, ['carousel', 'datetime_picker'], 'Telegram');
  if (missing) return missing;
  const buttons = keyboard(rich).flat();
  const long = buttons
    .flatMap((b) => ('callback_data' in b ? [b.callback_data] : []))
    .find((d) => Buffer.byteLength(d) > 64);
  return first(
    atMost('buttons in an inline keyboard', buttons.length, 100),
    long !== undefined ? `callback_data "${long.slice(0, 20)}…" is longer than 64 bytes` : undefined,
    longest('the text', ['text' in rich ? rich.text : undefined], 4_096),
  );
}

/** The sendMessage fields (text and reply_markup) for `rich` (call only when `telegramRichSupport` said yes). */
export function telegramRichFields(rich: RichMessage): { text: string; reply_markup: Record<string, unknown> } {
  if (rich.type === 'location_request')
    return {
      text: rich.text,
      reply_markup: {
        keyboard: [[{ text: 'Send location', request_location: true }]],
        one_time_keyboard: true,
        resize_keyboard: true,
      },
    };
  return { text: (rich as { text: string }).text, reply_markup: { inline_keyboard: keyboard(rich) } };
}
