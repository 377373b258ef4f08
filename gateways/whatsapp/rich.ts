/**
 * Rich messages on WhatsApp Cloud API: `interactive` reply buttons (≤ 3, titles ≤ 20), lists (≤ 10
 * rows over ≤ 10 sections, button ≤ 20, row titles ≤ 24, descriptions ≤ 72), a call-to-action URL
 * button (exactly one) and a location request. Carousels and date pickers exist only in approved
 * templates, so they are not carried here.
 */
import { listRows, type RichButton, type RichMessage } from '../../protocol/rich.js';
import { atMost, first, lacks, longest } from '../rich.js';

const BODY_MAX = 1_024;

function replyButtons(rich: RichMessage): { id: string; title: string }[] | undefined {
  if (rich.type === 'quick_replies') return rich.replies.map((r) => ({ id: r.payload, title: r.title }));
  if (rich.type === 'buttons' && rich.buttons.every((b) => b.type === 'postback'))
    return rich.buttons.map((b) => ({ id: (b as Extract<RichButton, { type: 'postback' }>).payload, title: b.title }));
  return undefined;
}

/** Why WhatsApp cannot carry `rich`, or undefined when it can. */
export function whatsappRichSupport(rich: RichMessage): string | undefined {
  const missing = lacks(rich, ['carousel', 'datetime_picker'], 'WhatsApp (outside templates)');
  if (missing) return missing;
  if (rich.type === 'list') {
    const rows = listRows(rich);
    return first(
      atMost('list rows in all', rows.length, 10),
      atMost('list sections', rich.sections.length, 10),
      longest('the list button', [rich.button], 20),
      longest(
        'a row title',
        rows.map((r) => r.title),
        24,
      ),
      longest(
        'a row description',
        rows.map((r) => r.description),
        72,
      ),
      longest(
        'a section title',
        rich.sections.map((s) => s.title),
        24,
      ),
      longest('the header', [rich.title], 60),
      rich.sections.length > 1 && rich.sections.some((s) => !s.title)
        ? 'every section needs a title when there are several'
        : undefined,
      atMost('characters in a row payload', Math.max(...rows.map((r) => r.payload.length)), 200),
      longest('the body', [rich.text], 4_096),
    );
  }
  if (rich.type === 'location_request') return longest('the body', [rich.text], BODY_MAX);
  const buttons = replyButtons(rich);
  if (buttons)
    return first(
      atMost('reply buttons', buttons.length, 3),
      longest(
        'a button title',
        buttons.map((b) => b.title),
        20,
      ),
      atMost('characters in a button payload', Math.max(...buttons.map((b) => b.id.length)), 256),
      longest('the body', [rich.text], BODY_MAX),
    );
  if (rich.type === 'buttons') {
    if (rich.buttons.length !== 1)
      return 'URL buttons go as one call-to-action button alone; mixing them with reply buttons is not possible';
    return first(
      longest('the URL button title', [rich.buttons[0]!.title], 20),
      longest('the body', [rich.text], BODY_MAX),
    );
  }
  return `WhatsApp has no ${rich.type} element`;
}

/** The `interactive` object of the send body (call only when `whatsappRichSupport` said yes). */
export function whatsappInteractive(rich: RichMessage): Record<string, unknown> {
  if (rich.type === 'list')
    return {
      type: 'list',
      ...(rich.title ? { header: { type: 'text', text: rich.title } } : {}),
      body: { text: rich.text },
      action: {
        button: rich.button,
        sections: rich.sections.map((s) => ({
          ...(s.title ? { title: s.title } : {}),
          rows: s.rows.map((r) => ({
            id: r.payload,
            title: r.title,
            ...(r.description ? { description: r.description } : {}),
          })),
        })),
      },
    };
  if (rich.type === 'location_request')
    return { type: 'location_request_message', body: { text: rich.text }, action: { name: 'send_location' } };
  const buttons = replyButtons(rich);
  if (buttons)
    return {
      type: 'button',
      body: { text: rich.text },
      action: { buttons: buttons.map((reply) => ({ type: 'reply', reply })) },
    };
  const b = (rich as Extract<RichMessage, { type: 'buttons' }>).buttons[0] as Extract<RichButton, { type: 'url' }>;
  return {
    type: 'cta_url',
    body: { text: (rich as { text: string }).text },
    action: { name: 'cta_url', parameters: { display_text: b.title, url: b.url } },
  };
}
