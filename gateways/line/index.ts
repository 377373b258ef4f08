/** LINE channel: adapter and constants. */
export { createLineAdapter, lineAdapter, LINE_API_BASE_URL } from './adapter.js';
export type { LineAdapterOptions } from './adapter.js';
