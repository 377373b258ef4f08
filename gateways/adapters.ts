/** Every channel adapter a gateway can run, by channel. Each channel folder adds its line here. */
import type { Channel } from '../protocol/channels.js';
import type { ChannelAdapter } from './channel.js';
import { appleAdapter } from './apple/index.js';
import { instagramAdapter } from './instagram/adapter.js';
import { lineAdapter } from './line/index.js';
import { messengerAdapter } from './messenger/adapter.js';
import { openAdapter } from './open/index.js';
import { socialAdapter } from './social/adapter.js';
import { telegramAdapter } from './telegram/index.js';
import { twilioAdapter } from './twilio/index.js';
import { webAdapter } from './web/index.js';
import { whatsappAdapter } from './whatsapp/adapter.js';
import { xAdapter } from './x/adapter.js';

/** The built-in adapters. */
export const builtinAdapters: Partial<Record<Channel, ChannelAdapter>> = {
  whatsapp: whatsappAdapter,
  messenger: messengerAdapter,
  instagram: instagramAdapter,
  x: xAdapter,
  social: socialAdapter,
  line: lineAdapter,
  sms: twilioAdapter,
  telegram: telegramAdapter,
  apple: appleAdapter,
  open: openAdapter,
  web: webAdapter,
};
