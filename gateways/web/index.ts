/** Web messaging channel: the adapter, the browser-facing routes (sessions, SSE stream, outbound) and the hub. */
export { createWebAdapter, webAdapter } from './adapter.js';
export type { WebAdapterOptions } from './adapter.js';
export { webRoutes, DEFAULT_SSE_HEARTBEAT_MS, MAX_STREAMS_PER_SESSION } from './routes.js';
export type { WebRoutesDeps } from './routes.js';
export { WebSessionHub, DEFAULT_SESSION_BACKLOG, DEFAULT_MAX_SESSIONS } from './hub.js';
export type { HubEvent, WebSessionHubOptions } from './hub.js';
export { sessionToken, sessionOf, newSessionId, outboundSignature } from './session.js';
