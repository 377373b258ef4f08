/**
 * Rich messages on LINE: quick replies (≤ 13 items, labels ≤ 20) on a text message, the buttons
 * template (≤ 4 actions, text ≤ 160, or ≤ 60 with a title), the carousel template (≤ 10 columns,
 * 1–3 actions each and the same count on every column, title ≤ 40, text ≤ 60 with a title or image,
 * else ≤ 120), a flex bubble for lists (one postback button per row, ≤ 20 rows here to keep the bubble
 * under LINE's size limit), a date/time picker action and a location action as quick replies.
 */
import { listRows, richSummary, type RichButton, type RichMessage } from '../../protocol/rich.js';
import { atMost, first, longest } from '../rich.js';

const LABEL_MAX = 20;
const DATA_MAX = 300;

function dataTooLong(payloads: readonly string[]): string | undefined {
  const long = payloads.find((p) => Buffer.byteLength(p) > DATA_MAX);
  return long !== undefined ? `a postback payload is longer than ${DATA_MAX} bytes` : undefined;
}

function payloads(buttons: readonly RichButton[]): string[] {
  return buttons.flatMap((b) => (b.type === 'postback' ? [b.payload] : []));
}

/** Why LINE cannot carry `rich`, or undefined when it can. */
export function lineRichSupport(rich: RichMessage): string | undefined {
  switch (rich.type) {
    case 'quick_replies':
      return first(
        atMost('quick reply items', rich.replies.length, 13),
        longest(
          'a quick reply label',
          rich.replies.map((r) => r.title),
          LABEL_MAX,
        ),
        dataTooLong(rich.replies.map((r) => r.payload)),
        longest('the text', [rich.text], 5_000),
      );
    case 'buttons':
      return first(
        atMost('actions in a buttons template', rich.buttons.length, 4),
        longest(
          'an action label',
          rich.buttons.map((b) => b.title),
          LABEL_MAX,
        ),
        dataTooLong(payloads(rich.buttons)),
        longest('the text', [rich.text], 160),
      );
    case 'carousel': {
      const counts = new Set(rich.cards.map((c) => c.buttons?.length ?? 0));
      const withPicture = rich.cards.some((c) => c.imageUrl || c.subtitle);
      return first(
        atMost('columns', rich.cards.length, 10),
        rich.cards.some((c) => !c.buttons?.length) ? 'every carousel column needs at least one button' : undefined,
        counts.size > 1 ? 'every carousel column needs the same number of buttons' : undefined,
        ...rich.cards.map((c) => atMost('buttons on a column', c.buttons?.length ?? 0, 3)),
        longest(
          'a column title',
          rich.cards.filter((c) => c.subtitle).map((c) => c.title),
          40,
        ),
        longest(
          'a column text',
          rich.cards.map((c) => c.subtitle ?? c.title),
          withPicture ? 60 : 120,
        ),
        longest(
          'a button label',
          rich.cards.flatMap((c) => (c.buttons ?? []).map((b) => b.title)),
          LABEL_MAX,
        ),
        dataTooLong(rich.cards.flatMap((c) => payloads(c.buttons ?? []))),
      );
    }
    case 'list': {
      const rows = listRows(rich);
      return first(
        atMost('list rows', rows.length, 20),
        longest(
          'a row title',
          rows.map((r) => r.title),
          40,
        ),
        dataTooLong(rows.map((r) => r.payload)),
      );
    }
    case 'datetime_picker':
      return first(dataTooLong([rich.payload]), longest('the text', [rich.text], 5_000));
    case 'location_request':
      return longest('the text', [rich.text], 5_000);
  }
}

function action(b: RichButton): Record<string, unknown> {
  return b.type === 'url'
    ? { type: 'uri', label: b.title, uri: b.url }
    : { type: 'postback', label: b.title, data: b.payload, displayText: b.title };
}

/** The LINE message object for `rich` (call only when `lineRichSupport` said yes). */
export function lineRichMessage(rich: RichMessage): Record<string, unknown> {
  const altText = richSummary(rich).slice(0, 400);
  switch (rich.type) {
    case 'quick_replies':
      return {
        type: 'text',
        text: rich.text,
        quickReply: {
          items: rich.replies.map((r) => ({
            type: 'action',
            ...(r.imageUrl ? { imageUrl: r.imageUrl } : {}),
            action: { type: 'postback', label: r.title, data: r.payload, displayText: r.title },
          })),
        },
      };
    case 'buttons':
      return {
        type: 'template',
        altText,
        template: { type: 'buttons', text: rich.text, actions: rich.buttons.map(action) },
      };
    case 'carousel':
      return {
        type: 'template',
        altText,
        template: {
          type: 'carousel',
          columns: rich.cards.map((c) => ({
            ...(c.imageUrl ? { thumbnailImageUrl: c.imageUrl } : {}),
            ...(c.subtitle ? { title: c.title, text: c.subtitle } : { text: c.title }),
            actions: (c.buttons ?? []).map(action),
          })),
        },
      };
    case 'list':
      return {
        type: 'flex',
        altText,
        contents: {
          type: 'bubble',
          ...(rich.title
            ? {
                header: {
                  type: 'box',
                  layout: 'vertical',
                  contents: [{ type: 'text', text: rich.title, weight: 'bold' }],
                },
              }
            : {}),
          body: {
            type: 'box',
            layout: 'vertical',
            contents: [
              { type: 'text', text: rich.text, wrap: true },
              ...rich.sections.flatMap((s) => [
                ...(s.title ? [{ type: 'text', text: s.title, weight: 'bold', margin: 'md' }] : []),
                ...s.rows.map((r) => ({
                  type: 'button',
                  style: 'link',
                  action: { type: 'postback', label: r.title, data: r.payload, displayText: r.title },
                })),
              ]),
            ],
          },
        },
      };
    case 'datetime_picker':
      return {
        type: 'text',
        text: rich.text,
        quickReply: {
          items: [
            {
              type: 'action',
              action: { type: 'datetimepicker', label: 'Pick', data: rich.payload, mode: rich.mode },
            },
          ],
        },
      };
    case 'location_request':
      return {
        type: 'text',
        text: rich.text,
        quickReply: { items: [{ type: 'action', action: { type: 'location', label: 'Send location' } }] },
      };
  }
}
