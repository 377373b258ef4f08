/** The page server in process: pages with their CSP, the browser modules stripped of types, vendored libraries, nothing else. */
import { describe, expect, it } from 'vitest';
import { webAppRoutes } from '../../engine/web/serve.js';

const app = webAppRoutes({ webChat: { gatewayUrl: 'http://127.0.0.1:8090', integrationId: 'web' } })(
  undefined as never,
);

describe('page server', () => {
  it('serves each page with a script policy that allows only this origin and the import map', async () => {
    for (const page of ['', 'workspace', 'dashboard', 'admin', 'customer']) {
      const res = await app.request(`/ui/${page}`);
      expect(res.status, page).toBe(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
      expect(csp).toContain("frame-ancestors 'none'");
      const html = await res.text();
      expect(html).toContain('<script type="importmap">');
    }
    const customer = await (await app.request('/ui/customer')).text();
    expect(customer).toContain('<meta name="sb-web-gateway" content="http://127.0.0.1:8090">');
    expect((await app.request('/ui/nope')).status).toBe(404);
    expect((await app.request('/')).headers.get('location')).toBe('/ui/');
  });

  it('strips the types of the browser modules and serves the vendored libraries', async () => {
    const res = await app.request('/ui/app/api.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/javascript');
    const js = await res.text();
    expect(js).toContain('class ApiError extends Error');
    expect(js).not.toMatch(/readonly status: number/);
    for (const file of ['preact.mjs', 'hooks.mjs', 'htm.mjs', 'htm-preact.mjs', 'uplot.mjs', 'uplot.css']) {
      const v = await app.request(`/ui/vendor/${file}`);
      expect(v.status, file).toBe(200);
      expect((await v.text()).length).toBeGreaterThan(100);
    }
    expect((await app.request('/ui/app/styles.css')).headers.get('content-type')).toContain('text/css');
  });

  it('reads nothing outside its lists', async () => {
    for (const path of [
      '/ui/app/..%2Fserve.js',
      '/ui/app/../serve.ts',
      '/ui/app/serve.ts',
      '/ui/app/nope.js',
      '/ui/vendor/package.json',
      '/ui/vendor/..%2F..%2Fpackage.json',
      '/ui/vendor/constructor',
      '/ui/vendor/__proto__',
    ]) {
      expect((await app.request(path)).status, path).toBe(404);
    }
  });
});
