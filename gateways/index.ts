/** The gateway framework's public surface. */
export * from './channel.js';
export { builtinAdapters } from './adapters.js';
export { loadGatewayConfig, parseGatewayConfig, GatewayConfigError, type GatewayConfig } from './config.js';
export { Deliverer, DeliveryWorker, type DeliveryWorkerOptions } from './delivery.js';
export { startGateway, type Gateway, type GatewayOptions } from './gateway.js';
export { applyLengthRule, measure } from './length.js';
export {
  JetStreamPublisher,
  PublishUnavailableError,
  inboundEnvelope,
  statusEnvelope,
  type EnvelopePublisher,
} from './publisher.js';
export { DEFAULT_RETRY, backoffMs, type RetryPolicy } from './retry.js';
export {
  createGatewayApp,
  DEFAULT_WEBHOOK_BODY_LIMIT_BYTES,
  type GatewayAppOptions,
  type GatewayStats,
} from './server.js';
export { TokenBucket } from './token-bucket.js';
