/**
 * Rich messages on Messenger and Instagram (one Send API): quick replies (≤ 13, titles ≤ 20), the
 * button template (≤ 3 buttons, text ≤ 640) and the generic template, a carousel of ≤ 10 cards
 * (title and subtitle ≤ 80, ≤ 3 buttons each). The list template and the location quick reply were
 * retired by Meta; there is no date picker.
 */
import type { RichButton, RichMessage } from '../../protocol/rich.js';
import { atMost, first, lacks, longest } from '../rich.js';

const name = (channel: 'messenger' | 'instagram') => (channel === 'messenger' ? 'Messenger' : 'Instagram');

function buttonsFit(buttons: readonly RichButton[], where: string): string | undefined {
  return first(
    atMost(`buttons ${where}`, buttons.length, 3),
    longest(
      'a button title',
      buttons.map((b) => b.title),
      20,
    ),
  );
}

/** Why Messenger/Instagram cannot carry `rich`, or undefined when it can. */
export function metaRichSupport(channel: 'messenger' | 'instagram', rich: RichMessage): string | undefined {
  const missing = lacks(rich, ['list', 'datetime_picker', 'location_request'], name(channel));
  if (missing) return missing;
  switch (rich.type) {
    case 'quick_replies':
      return first(
        atMost('quick replies', rich.replies.length, 13),
        longest(
          'a quick reply title',
          rich.replies.map((r) => r.title),
          20,
        ),
      );
    case 'buttons':
      return first(buttonsFit(rich.buttons, 'in a button template'), longest('the text', [rich.text], 640));
    case 'carousel':
      return first(
        rich.text !== undefined ? 'a carousel has no text of its own here; put it in a message before' : undefined,
        atMost('cards', rich.cards.length, 10),
        longest(
          'a card title',
          rich.cards.map((c) => c.title),
          80,
        ),
        longest(
          'a card subtitle',
          rich.cards.map((c) => c.subtitle),
          80,
        ),
        ...rich.cards.map((c) => buttonsFit(c.buttons ?? [], 'on a card')),
      );
    default:
      return `${name(channel)} has no ${rich.type} element`;
  }
}

function button(b: RichButton): Record<string, unknown> {
  return b.type === 'url'
    ? { type: 'web_url', url: b.url, title: b.title }
    : { type: 'postback', title: b.title, payload: b.payload };
}

/** The Send API `message` object for `rich` (call only when `metaRichSupport` said yes). */
export function metaRichMessage(rich: RichMessage): Record<string, unknown> {
  switch (rich.type) {
    case 'quick_replies':
      return {
        text: rich.text,
        quick_replies: rich.replies.map((r) => ({
          content_type: 'text',
          title: r.title,
          payload: r.payload,
          ...(r.imageUrl ? { image_url: r.imageUrl } : {}),
        })),
      };
    case 'buttons':
      return {
        attachment: {
          type: 'template',
          payload: { template_type: 'button', text: rich.text, buttons: rich.buttons.map(button) },
        },
      };
    case 'carousel':
      return {
        attachment: {
          type: 'template',
          payload: {
            template_type: 'generic',
            elements: rich.cards.map((c) => ({
              title: c.title,
              ...(c.subtitle ? { subtitle: c.subtitle } : {}),
              ...(c.imageUrl ? { image_url: c.imageUrl } : {}),
              ...(c.buttons?.length ? { buttons: c.buttons.map(button) } : {}),
            })),
          },
        },
      };
    default:
      throw new Error(`no Messenger mapping for ${rich.type}`);
  }
}
