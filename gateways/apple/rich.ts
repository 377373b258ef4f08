/**
 * Rich messages on Apple Messages for Business: the list picker (sections of items; the reply lists
 * the chosen items), the time picker (an event of offered timeslots; the reply names the chosen one)
 * and quick replies (2–5 items, iOS 15+), each as an `interactive` message for the Business Chat
 * extension. Buttons, carousels and location requests have no Apple element.
 */
import { listRows, richSummary, type RichMessage } from '../../protocol/rich.js';
import { atMost, first, lacks } from '../rich.js';

/** The Business Chat extension that renders list pickers, time pickers and quick replies. */
export const APPLE_BUSINESS_BID =
  'com.apple.messages.MSMessageExtensionBalloonPlugin:0000000000:com.apple.icloud.apps.messages.business.extension';

/** Why Apple cannot carry `rich`, or undefined when it can. */
export function appleRichSupport(rich: RichMessage): string | undefined {
  const missing = lacks(rich, ['buttons', 'carousel', 'location_request'], 'Apple Messages for Business');
  if (missing) return missing;
  if (rich.type === 'quick_replies')
    return first(
      rich.replies.length < 2 ? 'a quick reply needs at least 2 items' : undefined,
      atMost('quick reply items', rich.replies.length, 5),
    );
  if (rich.type === 'datetime_picker') {
    if (!rich.timeslots?.length) return 'the time picker offers timeslots: give at least one';
    if (rich.mode === 'date') return 'the time picker picks a time slot, not a bare date';
  }
  return undefined;
}

/** Apple's time format: `2017-05-26T08:27+0000` (UTC). */
function appleTime(iso: string): string {
  return `${new Date(iso).toISOString().slice(0, 16)}+0000`;
}

/** The `interactiveData` of the message for `rich` (call only when `appleRichSupport` said yes). */
export function appleInteractiveData(rich: RichMessage, requestIdentifier: string): Record<string, unknown> {
  const received = { title: richSummary(rich).slice(0, 85), style: 'icon' };
  const base = { version: '1.0', requestIdentifier };
  switch (rich.type) {
    case 'list':
      return {
        bid: APPLE_BUSINESS_BID,
        data: {
          ...base,
          listPicker: {
            sections: rich.sections.map((s, order) => ({
              order,
              title: s.title ?? rich.title ?? rich.button,
              multipleSelection: false,
              items: s.rows.map((r, i) => ({
                identifier: r.payload,
                order: i,
                style: 'default',
                title: r.title,
                ...(r.description ? { subtitle: r.description } : {}),
              })),
            })),
          },
        },
        receivedMessage: received,
        replyMessage: { title: 'Selected', style: 'icon' },
      };
    case 'datetime_picker':
      return {
        bid: APPLE_BUSINESS_BID,
        data: {
          ...base,
          mspVersion: '1.0',
          event: {
            identifier: rich.payload,
            title: rich.text,
            timeslots: (rich.timeslots ?? []).map((t, i) => ({
              identifier: String(i),
              startTime: appleTime(t.startAt),
              duration: t.durationMinutes * 60,
            })),
            timezoneOffset: 0,
          },
        },
        receivedMessage: received,
        replyMessage: { title: 'Time selected', style: 'icon' },
      };
    case 'quick_replies':
      return {
        bid: APPLE_BUSINESS_BID,
        data: {
          ...base,
          'quick-reply': {
            summaryText: rich.text,
            items: rich.replies.map((r) => ({ identifier: r.payload, title: r.title })),
          },
        },
      };
    default:
      throw new Error(`no Apple mapping for ${rich.type}`);
  }
}

/** Rows of a list picker, for tests and summaries. */
export { listRows };

/** The customer's answer to a list or time picker: the chosen identifier(s) and the picked start time. */
export function applePickerAnswer(
  data: Record<string, unknown> | undefined,
): { payload: string; picked?: string; title?: string } | undefined {
  const list = data?.listPicker as { sections?: { items?: { identifier?: unknown; title?: unknown }[] }[] } | undefined;
  if (list?.sections) {
    const items = list.sections.flatMap((s) => s.items ?? []).filter((i) => typeof i.identifier === 'string');
    if (items.length > 0)
      return {
        payload: items.map((i) => i.identifier as string).join(','),
        ...(typeof items[0]!.title === 'string' ? { title: items.map((i) => i.title).join(', ') } : {}),
      };
  }
  const event = data?.event as { identifier?: unknown; timeslots?: { startTime?: unknown }[] } | undefined;
  if (event && typeof event.identifier === 'string') {
    const start = event.timeslots?.[0]?.startTime;
    return { payload: event.identifier, ...(typeof start === 'string' ? { picked: start } : {}) };
  }
  return undefined;
}
