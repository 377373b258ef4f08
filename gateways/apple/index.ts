/** Apple Messages for Business channel: adapter, JWT helpers and constants. */
export { createAppleAdapter, appleAdapter, APPLE_API_BASE_URL, APPLE_MAX_BODY_BYTES } from './adapter.js';
export type { AppleAdapterOptions } from './adapter.js';
export { signAppleJwt, jwtProblem, JWT_LEEWAY_MS } from './jwt.js';
