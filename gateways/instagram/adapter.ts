/** Instagram messaging: `object: instagram` webhooks in, the Send API out (1,000 UTF-8 bytes per message). */
import type { ChannelAdapter } from '../channel.js';
import { normalizeMessaging, sendMessaging } from '../meta/messaging.js';
import { metaRichSupport } from '../meta/rich.js';
import { metaHandshake, verifyMetaSignature } from '../meta/webhook.js';

/** The Instagram adapter. */
export const instagramAdapter: ChannelAdapter = {
  channel: 'instagram',
  length: { max: 1000, unit: 'utf8-bytes', split: true },
  handshake: metaHandshake,
  verify: verifyMetaSignature,
  normalize: (req, integration) => normalizeMessaging('instagram', req, integration),
  richSupport: (rich) => metaRichSupport('instagram', rich),
  send: (message, integration, fetchImpl) => sendMessaging('instagram', message, integration, fetchImpl),
};
