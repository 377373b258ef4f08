/**
 * The people-facing pages, served by the engine at the same origin as its API: the agent
 * workspace, the supervisor dashboard, the admin pages and the web-messaging customer page.
 * No build step and no build output: the pages' TypeScript (`engine/web/app/*.ts`) is stripped
 * of its types by esbuild when first asked for (cached until the file changes), and the few
 * libraries (Preact, htm, uPlot) are served as the ES modules their packages ship, resolved by
 * an import map. Only names on the lists below are ever read from disk.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';
import { Hono } from 'hono';
import type { RouteModule } from '../http.js';

const APP_DIR = join(dirname(fileURLToPath(import.meta.url)), 'app');

/** Where a package's files are: the first `node_modules/<name>` on Node's lookup path. */
function packageDir(name: string): string {
  const paths = createRequire(import.meta.url).resolve.paths(name) ?? [];
  for (const p of paths) if (existsSync(join(p, name, 'package.json'))) return join(p, name);
  throw new Error(`the npm package ${name} is not installed; run npm ci`);
}

/** Vendored library files by the name the pages ask for. */
const VENDOR: Record<string, { pkg: string; file: string; type: string }> = {
  'preact.mjs': { pkg: 'preact', file: 'dist/preact.mjs', type: 'text/javascript' },
  'hooks.mjs': { pkg: 'preact', file: 'hooks/dist/hooks.mjs', type: 'text/javascript' },
  'htm.mjs': { pkg: 'htm', file: 'dist/htm.mjs', type: 'text/javascript' },
  'htm-preact.mjs': { pkg: 'htm', file: 'preact/index.mjs', type: 'text/javascript' },
  'uplot.mjs': { pkg: 'uplot', file: 'dist/uPlot.esm.js', type: 'text/javascript' },
  'uplot.css': { pkg: 'uplot', file: 'dist/uPlot.min.css', type: 'text/css' },
};

const IMPORT_MAP = JSON.stringify({
  imports: {
    preact: '/ui/vendor/preact.mjs',
    'preact/hooks': '/ui/vendor/hooks.mjs',
    htm: '/ui/vendor/htm.mjs',
    'htm/preact': '/ui/vendor/htm-preact.mjs',
    uplot: '/ui/vendor/uplot.mjs',
  },
});
const IMPORT_MAP_HASH = createHash('sha256').update(IMPORT_MAP).digest('base64');

/** The pages: path under /ui/, title, entry module. */
const PAGES: Record<string, { title: string; entry: string; css?: string[] }> = {
  '': { title: 'Switchboard', entry: 'home' },
  workspace: { title: 'Switchboard — agent workspace', entry: 'workspace' },
  dashboard: { title: 'Switchboard — supervisor dashboard', entry: 'dashboard', css: ['/ui/vendor/uplot.css'] },
  admin: { title: 'Switchboard — administration', entry: 'admin' },
  customer: { title: 'Chat with us', entry: 'customer' },
};

/** What the pages need to know about their surroundings. */
export interface WebAppOptions {
  /** The web-messaging widget's gateway and integration, for the customer page (query parameters override). */
  readonly webChat?: { readonly gatewayUrl: string; readonly integrationId: string };
}

function escapeAttr(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function pageHtml(name: string, options: WebAppOptions): string {
  const p = PAGES[name]!;
  const meta = options.webChat
    ? `<meta name="sb-web-gateway" content="${escapeAttr(options.webChat.gatewayUrl)}">\n<meta name="sb-web-integration" content="${escapeAttr(options.webChat.integrationId)}">\n`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeAttr(p.title)}</title>
${meta}<link rel="icon" href="data:,">
<link rel="stylesheet" href="/ui/app/styles.css">
${(p.css ?? []).map((href) => `<link rel="stylesheet" href="${href}">`).join('\n')}
<script type="importmap">${IMPORT_MAP}</script>
<script type="module" src="/ui/app/${p.entry}.js"></script>
</head>
<body>
<div id="app"><p class="boot">Loading…</p></div>
</body>
</html>
`;
}

/** Content-Security-Policy: scripts only from this origin (and the import map by hash). */
function csp(name: string, options: WebAppOptions): string {
  const connect = ["'self'"];
  if (name === 'customer') {
    // The customer page talks to the widget's gateway, named in the page's address or the engine's options.
    connect.push('http:', 'https:');
  } else if (options.webChat) connect.push(new URL(options.webChat.gatewayUrl).origin);
  return [
    "default-src 'self'",
    `script-src 'self' 'sha256-${IMPORT_MAP_HASH}'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob: http: https:",
    "media-src 'self' blob: http: https:",
    `connect-src ${connect.join(' ')}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
}

type Cached = { mtimeMs: number; code: string };

/** The route module serving /ui/…. */
export function webAppRoutes(options: WebAppOptions = {}): RouteModule {
  const cache = new Map<string, Cached>();
  const vendorCache = new Map<string, string>();

  async function appModule(name: string): Promise<string | undefined> {
    const file = join(APP_DIR, `${name}.ts`);
    const s = await stat(file).catch(() => undefined);
    if (!s?.isFile()) return undefined;
    const hit = cache.get(file);
    if (hit && hit.mtimeMs === s.mtimeMs) return hit.code;
    const out = await transform(await readFile(file, 'utf8'), {
      loader: 'ts',
      format: 'esm',
      target: 'es2022',
      sourcefile: `engine/web/app/${name}.ts`,
      sourcemap: 'inline',
    });
    cache.set(file, { mtimeMs: s.mtimeMs, code: out.code });
    return out.code;
  }

  return () => {
    const app = new Hono();
    app.get('/', (c) => c.redirect('/ui/'));
    app.get('/ui', (c) => c.redirect('/ui/'));
    app.get('/ui/:page{[a-z]*}', (c) => {
      const name = c.req.param('page');
      if (!(name in PAGES)) return c.notFound();
      c.header('content-security-policy', csp(name, options));
      c.header('x-content-type-options', 'nosniff');
      c.header('referrer-policy', 'no-referrer');
      c.header('cache-control', 'no-store');
      return c.html(pageHtml(name, options));
    });
    app.get('/ui/app/:file{[a-z][a-z0-9-]*\\.(js|css)}', async (c) => {
      const file = c.req.param('file');
      c.header('x-content-type-options', 'nosniff');
      c.header('cache-control', 'no-cache');
      if (file.endsWith('.css')) {
        const css = await readFile(join(APP_DIR, file), 'utf8').catch(() => undefined);
        if (css === undefined) return c.notFound();
        return c.body(css, 200, { 'content-type': 'text/css; charset=utf-8' });
      }
      const code = await appModule(file.slice(0, -3));
      if (code === undefined) return c.notFound();
      return c.body(code, 200, { 'content-type': 'text/javascript; charset=utf-8' });
    });
    app.get('/ui/vendor/:file', async (c) => {
      const v = VENDOR[c.req.param('file')];
      if (!v || !Object.hasOwn(VENDOR, c.req.param('file'))) return c.notFound();
      let body = vendorCache.get(c.req.param('file'));
      if (body === undefined) {
        body = await readFile(join(packageDir(v.pkg), v.file), 'utf8');
        vendorCache.set(c.req.param('file'), body);
      }
      c.header('x-content-type-options', 'nosniff');
      c.header('cache-control', 'public, max-age=3600');
      return c.body(body, 200, { 'content-type': `${v.type}; charset=utf-8` });
    });
    return app;
  };
}
