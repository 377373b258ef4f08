/** The Cloud API send body for one outbound message (text, media by link or id, template). */
import type { OutboundMessage } from '../../protocol/channels.js';
import { SendError } from '../channel.js';
import { whatsappInteractive } from './rich.js';

const MEDIA_KINDS = new Set(['image', 'audio', 'video', 'document', 'sticker']);

function mediaType(mime: string | undefined): string {
  const top = mime?.split('/')[0];
  return top && MEDIA_KINDS.has(top) ? top : 'document';
}

/** Builds `{ messaging_product: 'whatsapp', to, type, … }` for `/<phone id>/messages`. */
export function whatsappBody(m: OutboundMessage): Record<string, unknown> {
  const base = {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to: m.channelUserId,
    ...(m.replyTo ? { context: { message_id: m.replyTo } } : {}),
  };
  if (m.kind === 'text') {
    if (!m.text) throw new SendError('message_invalid', 'a text message needs text', false);
    return { ...base, type: 'text', text: { preview_url: false, body: m.text } };
  }
  if (m.kind === 'rich') {
    if (!m.rich) throw new SendError('message_invalid', 'a rich message needs rich', false);
    return { ...base, type: 'interactive', interactive: whatsappInteractive(m.rich) };
  }
  if (m.kind === 'template') {
    if (!m.template) throw new SendError('message_invalid', 'a template message needs a template', false);
    const params = m.template.params ?? [];
    return {
      ...base,
      type: 'template',
      template: {
        name: m.template.name,
        language: { code: m.template.language },
        ...(params.length
          ? { components: [{ type: 'body', parameters: params.map((text) => ({ type: 'text', text })) }] }
          : {}),
      },
    };
  }
  if (!m.media || (!m.media.url && !m.media.id))
    throw new SendError('message_invalid', 'a media message needs media.url or media.id', false);
  const type = mediaType(m.media.mimeType);
  const object = {
    ...(m.media.id ? { id: m.media.id } : { link: m.media.url }),
    ...(m.media.caption && type !== 'audio' && type !== 'sticker' ? { caption: m.media.caption } : {}),
    ...(m.media.filename && type === 'document' ? { filename: m.media.filename } : {}),
  };
  return { ...base, type, [type]: object };
}
