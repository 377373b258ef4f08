/** Facebook Messenger: `object: page` webhooks in, the Send API out (2,000 characters per message). */
import type { ChannelAdapter } from '../channel.js';
import { normalizeMessaging, sendMessaging } from '../meta/messaging.js';
import { metaRichSupport } from '../meta/rich.js';
import { metaHandshake, verifyMetaSignature } from '../meta/webhook.js';

/** The Messenger adapter. */
export const messengerAdapter: ChannelAdapter = {
  channel: 'messenger',
  length: { max: 2000, unit: 'chars', split: true },
  handshake: metaHandshake,
  verify: verifyMetaSignature,
  normalize: (req, integration) => normalizeMessaging('messenger', req, integration),
  richSupport: (rich) => metaRichSupport('messenger', rich),
  send: (message, integration, fetchImpl) => sendMessaging('messenger', message, integration, fetchImpl),
};
