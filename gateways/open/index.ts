/** Open messaging channel (Genesys Cloud Open Messaging compatible): adapter and signature helper. */
export { createOpenAdapter, openAdapter, openSignature } from './adapter.js';
export type { OpenAdapterOptions } from './adapter.js';
export { openRoutes, OPEN_ROUTES_BODY_LIMIT_BYTES, OPEN_TOKEN_EXPIRES_IN_S } from './routes.js';
