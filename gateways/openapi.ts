/**
 * The gateway's OpenAPI 3.1 description, served at GET /openapi.json. Webhook bodies are each platform's own
 * format (shared/CHANNELS.md and docs/configuration.md name them); what is described here is the gateway's side:
 * paths, signatures, handshakes and its answers. test/gateways/openapi.test.ts fails when a route is missing.
 */
import { CHANNELS } from '../protocol/channels.js';

type Op = {
  readonly tag: string;
  readonly summary: string;
  readonly ok?: number;
  readonly errors: readonly number[];
  /** Errors in OAuth 2.0's shape (RFC 6749 §5.2) instead of Switchboard's. */
  readonly oauth?: boolean;
};

/** Every gateway operation, keyed `<METHOD> <hono path>`. */
export const GATEWAY_OPERATIONS: Readonly<Record<string, Op>> = {
  'GET /healthz': { tag: 'health', summary: 'Liveness, the channels served and counters.', errors: [] },
  'GET /readyz': {
    tag: 'health',
    summary: 'Readiness: NATS reachable and the streams present (503 with the reason and how to fix it).',
    errors: [503],
  },
  'GET /openapi.json': { tag: 'health', summary: 'This document.', errors: [] },
  'GET /webhooks/:channel/:integration': {
    tag: 'webhooks',
    summary: 'Handshakes: Meta hub.challenge (verify token), X CRC (consumer secret).',
    errors: [400, 401, 403, 404],
  },
  'POST /webhooks/:channel/:integration': {
    tag: 'webhooks',
    summary: `A platform's webhook (${CHANNELS.join(', ')}), verified over the raw bytes and published to JetStream; 200 only after the publish is acknowledged, 503 only while NATS is unavailable (the platform retries).`,
    errors: [400, 401, 403, 404, 413, 415, 422, 503],
  },
  'POST /web/:integrationId/sessions': {
    tag: 'web',
    summary: 'Web messaging: a visitor session (token, message and stream URLs).',
    ok: 201,
    errors: [400, 404, 429],
  },
  'GET /web/:integrationId/sessions/:sessionId/stream': {
    tag: 'web',
    summary: "Web messaging: the visitor's live stream of agent messages (server-sent events; Last-Event-ID resumes).",
    errors: [401, 404, 429],
  },
  'GET /web/:integrationId/sessions/:sessionId/history': {
    tag: 'web',
    summary: "Web messaging: the visitor's own history.",
    errors: [401, 404, 501, 502],
  },
  'POST /web/:integrationId/sessions/:sessionId/outbound': {
    tag: 'web',
    summary: 'Web messaging: an agent message to the visitor (X-Switchboard-Signature).',
    errors: [400, 401, 404],
  },
  'POST /oauth/token': {
    tag: 'open',
    summary: 'Open messaging: client credentials → the inbound token (Genesys-compatible).',
    errors: [400, 401],
    oauth: true,
  },
  'POST /api/v2/conversations/messages/:integrationId/inbound/open/:kind{message|receipt|event}': {
    tag: 'open',
    summary: 'Open messaging, Genesys-compatible path: handed to /webhooks/open/:integrationId.',
    errors: [400, 401, 403, 404, 413, 503],
  },
  'POST /api/v2/conversations/messages/inbound/open': {
    tag: 'open',
    summary: 'Open messaging, legacy path (integration in channel.to.id).',
    errors: [400, 401, 403, 404, 413, 503],
  },
};

/** The OpenAPI 3.1 document of the gateway. */
export function gatewayOpenApi(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [key, op] of Object.entries(GATEWAY_OPERATIONS)) {
    const [method, path] = key.split(' ') as [string, string];
    const openPath = path.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}');
    const responses: Record<string, unknown> = { [String(op.ok ?? 200)]: { description: 'Success.' } };
    for (const code of op.errors)
      responses[String(code)] = {
        description: code === 503 ? 'NATS unavailable: retry.' : 'Refused with a reason code.',
        // /readyz answers its readiness report (status, the reason and the fix), not an error object.
        content: {
          'application/json': {
            schema:
              key === 'GET /readyz'
                ? { type: 'object' }
                : { $ref: `#/components/schemas/${op.oauth ? 'OAuthError' : 'Error'}` },
          },
        },
      };
    paths[openPath] ??= {};
    paths[openPath][method.toLowerCase()] = {
      tags: [op.tag],
      summary: op.summary,
      operationId: key
        .replace(/\{[^}]*\}/g, '')
        .replace(/[^A-Za-z0-9]+/g, '_')
        .replace(/^_|_$/g, ''),
      parameters: [...path.matchAll(/:(\w+)/g)].map((m) => ({
        name: m[1],
        in: 'path',
        required: true,
        schema: m[1] === 'channel' ? { type: 'string', enum: [...CHANNELS] } : { type: 'string' },
      })),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Switchboard gateway', version: '0.1.0', description: 'Channel webhooks in, Switchboard out.' },
    components: {
      schemas: {
        OAuthError: {
          type: 'object',
          required: ['error'],
          properties: { error: { type: 'string' }, error_description: { type: 'string' } },
        },
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: { code: { type: 'string' }, message: { type: 'string' } },
            },
          },
        },
      },
    },
    paths,
  };
}
