/**
 * The caller's address, for per-address limits (web chat sessions here, sign-in on the engine).
 * Behind a reverse proxy every request comes from the proxy, so the proxy's X-Forwarded-For is
 * read instead, but only when the operator says a proxy is in front: otherwise anyone could name
 * any address and step around the limit.
 */
import type { Context } from 'hono';

/** The socket's address, or the last X-Forwarded-For hop (the one the trusted proxy added) with `trustProxy`. */
export function sourceAddress(c: Context, trustProxy = false): string {
  if (trustProxy) {
    const hop = c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim();
    if (hop) return hop;
  }
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'unknown';
}

/**
 * The key a per-address limit counts under: an IPv4 address as it is (also when written as
 * `::ffff:a.b.c.d`), an IPv6 address by its /64, the block one subscriber (one home, one phone)
 * is given, so cycling through addresses of the same /64 does not multiply the limit.
 */
export function addressKey(address: string): string {
  const a = address
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/%.*$/, '');
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(a);
  if (mapped) return mapped[1]!;
  if (!a.includes(':')) return a;
  const [head = '', tail = '', ...more] = a.split('::');
  if (more.length) return a;
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  // A trailing dotted IPv4 part (`::ffff:1.2.3.4`, `64:ff9b::1.2.3.4`) stands for two groups.
  const width = (gs: string[]) => gs.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
  const fill = a.includes('::') ? 8 - width(left) - width(right) : 0;
  const groups = [...left, ...Array<string>(Math.max(0, fill)).fill('0'), ...right];
  if (width(groups) !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g) && !/^\d{1,3}(?:\.\d{1,3}){3}$/.test(g)))
    return a;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
