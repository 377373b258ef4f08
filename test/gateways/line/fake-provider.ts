/** A local HTTP server on 127.0.0.1 standing in for a provider's send API (shared by the part-2 channel tests). */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake provider received. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** What the handler answers. */
export interface FakeReply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

/** A running fake provider: its base URL, the requests it saw, and a replaceable handler. */
export interface FakeProvider {
  readonly url: string;
  readonly requests: RecordedRequest[];
  handler: (req: RecordedRequest) => FakeReply;
  close(): Promise<void>;
}

/** Starts a fake provider on a free loopback port. */
export async function startFakeProvider(handler: (req: RecordedRequest) => FakeReply): Promise<FakeProvider> {
  const requests: RecordedRequest[] = [];
  const fake = { requests, handler } as { requests: RecordedRequest[]; handler: (req: RecordedRequest) => FakeReply };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(rec);
      const reply = fake.handler(rec);
      const text =
        reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
      res.writeHead(reply.status, {
        'content-type': typeof reply.body === 'string' ? 'text/plain' : 'application/json',
        ...(reply.headers ?? {}),
      });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

/** A WebhookRequest as the gateway server would hand it to an adapter. */
export function webhookRequest(init: {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}): import('../../../gateways/channel.js').WebhookRequest {
  const body = init.body ?? '';
  const url = new URL(init.url);
  return {
    method: init.method ?? 'POST',
    url: init.url,
    headers: new Headers(init.headers ?? {}),
    query: url.searchParams,
    rawBody: typeof body === 'string' ? new TextEncoder().encode(body) : body,
  };
}
