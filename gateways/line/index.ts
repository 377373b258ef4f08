/** LINE channel: adapter and constants. */
export { createLineAdapter, lineAdapter, LINE_API_BASE_URL, LINE_REPLY_TOKEN_TTL_MS } from './adapter.js';
export type { LineAdapterOptions } from './adapter.js';
