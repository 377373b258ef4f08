/** Telegram channel: adapter and constants. */
export { createTelegramAdapter, telegramAdapter, TELEGRAM_API_BASE_URL } from './adapter.js';
export type { TelegramAdapterOptions } from './adapter.js';
