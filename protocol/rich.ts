/**
 * The canonical rich message: one model for quick replies, buttons, lists, carousels, date/time
 * pickers and location requests. Gateways map it to their platform's format and limits (or refuse
 * it, or degrade it to numbered text as the integration says); the customer's answer comes back as
 * a `postback` message whose payload is the one given here.
 */

/** A button: sends `payload` back as a postback, or opens `url`. */
export type RichButton =
  | { readonly type: 'postback'; readonly title: string; readonly payload: string }
  | { readonly type: 'url'; readonly title: string; readonly url: string };

/** One quick reply: a chip under the message that answers with `payload`. */
export interface QuickReply {
  readonly title: string;
  readonly payload: string;
  readonly imageUrl?: string;
}

/** One row of a list; choosing it answers with `payload`. */
export interface ListRow {
  readonly title: string;
  readonly payload: string;
  readonly description?: string;
}

/** A titled group of rows. */
export interface ListSection {
  readonly title?: string;
  readonly rows: readonly ListRow[];
}

/** One card of a carousel. */
export interface Card {
  readonly title: string;
  readonly subtitle?: string;
  readonly imageUrl?: string;
  readonly buttons?: readonly RichButton[];
}

/** An offered time slot of a time picker: start (ISO 8601 with offset) and length. */
export interface TimeSlot {
  readonly startAt: string;
  readonly durationMinutes: number;
}

/** The canonical rich message, by `type`. */
export type RichMessage =
  | { readonly type: 'quick_replies'; readonly text: string; readonly replies: readonly QuickReply[] }
  | { readonly type: 'buttons'; readonly text: string; readonly buttons: readonly RichButton[] }
  | {
      readonly type: 'list';
      readonly text: string;
      /** The label of the button that opens the list. */
      readonly button: string;
      readonly title?: string;
      readonly sections: readonly ListSection[];
    }
  | { readonly type: 'carousel'; readonly text?: string; readonly cards: readonly Card[] }
  | {
      readonly type: 'datetime_picker';
      readonly text: string;
      /** Comes back as the postback's payload, with the picked value in `postback.picked`. */
      readonly payload: string;
      readonly mode: 'date' | 'time' | 'datetime';
      /** Offered slots (Apple's time picker needs them); channels with a free picker ignore them. */
      readonly timeslots?: readonly TimeSlot[];
    }
  | { readonly type: 'location_request'; readonly text: string };

/** The kinds of rich message. */
export const RICH_TYPES = [
  'quick_replies',
  'buttons',
  'list',
  'carousel',
  'datetime_picker',
  'location_request',
] as const;
export type RichType = (typeof RICH_TYPES)[number];

/** What a rich message degrades to when the integration allows it. */
export type RichFallback = 'refuse' | 'numbered_text';

/** Every list row, in order. */
export function listRows(rich: Extract<RichMessage, { type: 'list' }>): ListRow[] {
  return rich.sections.flatMap((s) => s.rows);
}

/** The choices a customer can answer with, in the order numbered text lists them (postbacks only). */
export function richChoices(rich: RichMessage): { title: string; payload: string }[] {
  switch (rich.type) {
    case 'quick_replies':
      return rich.replies.map((r) => ({ title: r.title, payload: r.payload }));
    case 'buttons':
      return rich.buttons.flatMap((b) => (b.type === 'postback' ? [{ title: b.title, payload: b.payload }] : []));
    case 'list':
      return listRows(rich).map((r) => ({ title: r.title, payload: r.payload }));
    case 'carousel':
      return rich.cards.flatMap((c) =>
        (c.buttons ?? []).flatMap((b) =>
          b.type === 'postback' ? [{ title: `${c.title}: ${b.title}`, payload: b.payload }] : [],
        ),
      );
    default:
      return [];
  }
}

/**
 * The rich message as plain numbered text (SMS and the channels without rich elements; others when
 * the integration's `richFallback` is `numbered_text`): options are "1. …", links follow their label.
 */
export function richToNumberedText(rich: RichMessage): string {
  const lines: string[] = [];
  let n = 0;
  const button = (b: RichButton) => (b.type === 'url' ? `- ${b.title}: ${b.url}` : `${++n}. ${b.title}`);
  switch (rich.type) {
    case 'quick_replies':
      lines.push(rich.text, ...rich.replies.map((r) => `${++n}. ${r.title}`));
      break;
    case 'buttons':
      lines.push(rich.text, ...rich.buttons.map(button));
      break;
    case 'list':
      lines.push(...(rich.title ? [rich.title] : []), rich.text);
      for (const s of rich.sections) {
        if (s.title) lines.push(s.title);
        for (const r of s.rows) lines.push(`${++n}. ${r.title}${r.description ? ` (${r.description})` : ''}`);
      }
      break;
    case 'carousel':
      if (rich.text) lines.push(rich.text);
      for (const c of rich.cards) {
        lines.push('', [c.title, c.subtitle].filter(Boolean).join(' — '));
        if (c.imageUrl) lines.push(c.imageUrl);
        for (const b of c.buttons ?? []) lines.push(button(b));
      }
      break;
    case 'datetime_picker':
      lines.push(rich.text);
      for (const t of rich.timeslots ?? []) lines.push(`${++n}. ${t.startAt} (${t.durationMinutes} min)`);
      if (!rich.timeslots?.length)
        lines.push(rich.mode === 'date' ? 'Reply with a date (YYYY-MM-DD).' : 'Reply with a date and time.');
      break;
    case 'location_request':
      lines.push(rich.text, 'Reply with your address or share your location.');
      break;
  }
  if (n > 0) lines.push('Reply with the number of your choice.');
  return lines.join('\n');
}

/** Every customer-visible text of a rich message (content filters and length checks run over them). */
export function richTexts(rich: RichMessage): string[] {
  const b = (x: readonly RichButton[] | undefined) => (x ?? []).map((y) => y.title);
  switch (rich.type) {
    case 'quick_replies':
      return [rich.text, ...rich.replies.map((r) => r.title)];
    case 'buttons':
      return [rich.text, ...b(rich.buttons)];
    case 'list':
      return [
        rich.text,
        rich.button,
        ...(rich.title ? [rich.title] : []),
        ...rich.sections.flatMap((s) => [
          ...(s.title ? [s.title] : []),
          ...s.rows.flatMap((r) => [r.title, ...(r.description ? [r.description] : [])]),
        ]),
      ];
    case 'carousel':
      return [
        ...(rich.text ? [rich.text] : []),
        ...rich.cards.flatMap((c) => [c.title, ...(c.subtitle ? [c.subtitle] : []), ...b(c.buttons)]),
      ];
    default:
      return [rich.text];
  }
}

/** The same rich message with every customer-visible text passed through `f` (content filter masks). */
export function mapRichTexts(rich: RichMessage, f: (text: string) => string): RichMessage {
  const b = (x: readonly RichButton[]) => x.map((y) => ({ ...y, title: f(y.title) }));
  switch (rich.type) {
    case 'quick_replies':
      return { ...rich, text: f(rich.text), replies: rich.replies.map((r) => ({ ...r, title: f(r.title) })) };
    case 'buttons':
      return { ...rich, text: f(rich.text), buttons: b(rich.buttons) };
    case 'list':
      return {
        ...rich,
        text: f(rich.text),
        button: f(rich.button),
        ...(rich.title ? { title: f(rich.title) } : {}),
        sections: rich.sections.map((s) => ({
          ...s,
          ...(s.title ? { title: f(s.title) } : {}),
          rows: s.rows.map((r) => ({
            ...r,
            title: f(r.title),
            ...(r.description ? { description: f(r.description) } : {}),
          })),
        })),
      };
    case 'carousel':
      return {
        ...rich,
        ...(rich.text ? { text: f(rich.text) } : {}),
        cards: rich.cards.map((c) => ({
          ...c,
          title: f(c.title),
          ...(c.subtitle ? { subtitle: f(c.subtitle) } : {}),
          ...(c.buttons ? { buttons: b(c.buttons) } : {}),
        })),
      };
    default:
      return { ...rich, text: f(rich.text) };
  }
}

/** A one-line summary for history lists and notifications. */
export function richSummary(rich: RichMessage): string {
  return rich.type === 'carousel' ? (rich.text ?? rich.cards.map((c) => c.title).join(' | ')) : rich.text;
}
