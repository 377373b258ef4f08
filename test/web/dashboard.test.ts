/**
 * The supervisor dashboard in a real browser against a real engine, gateway and nats-server in
 * virtual time: the boards change as agents change presence (pushed, no reload), a supervisor
 * sets an agent's presence from the board, drill-down to an agent and to the transcript of what
 * it holds, interval charts for today and the CSV of that range with the expected rows; then a
 * board of 50 agents and 200 waiting interactions.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { axeViolations, ROUTING, screenshot, signInAs, until, useWorld } from './harness.js';

const START = Date.UTC(2026, 2, 2, 9, 0);
const w = useWorld(START);
const SAM = '15551230101';

/** The CSV as rows of named fields (the report's fields hold no commas or quotes). */
function parseCsv(text: string): Record<string, string>[] {
  const [head, ...lines] = text.trim().split('\r\n');
  const cols = head!.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
}

describe('supervisor dashboard', () => {
  it('pushes board changes, sets presence, drills down and downloads the interval CSV', async () => {
    const { context, page } = await w.page({ timezoneId: 'UTC', acceptDownloads: true });
    await signInAs(page, 'sofia', '/ui/dashboard');
    const ana = page.locator('tr[data-agent="ana"]');
    await expect.poll(() => ana.locator('.presence-cell').textContent()).toMatch('Offline');
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    // A marker that a reload would lose: the board must change under it.
    await page.evaluate(() => {
      (window as unknown as { marker: number }).marker = 42;
    });

    await w.call('POST', '/agents/ana/login', undefined, 'ana');
    await expect.poll(() => ana.locator('.presence-cell').textContent()).toMatch('Available');
    const support = page.locator('tr[data-queue="support"]');
    await expect.poll(() => support.locator('td').nth(5).textContent()).toBe('1 / 0 / 1');
    await w.call('POST', '/agents/ana/presence', { presence: 'not_ready', reason: 'Lunch' }, 'ana');
    await expect.poll(() => ana.locator('.presence-cell').textContent()).toMatch('Not ready — Lunch');
    await expect.poll(() => support.locator('td').nth(5).textContent()).toBe('0 / 1 / 1');
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);

    // The supervisor sets bob available from the board, and ana back.
    await page.getByLabel('Set presence of Bob Stone').selectOption('available');
    await expect.poll(async () => (await w.call('GET', '/agents/bob')).json.presence).toBe('available');
    await expect.poll(() => page.locator('tr[data-agent="bob"] .presence-cell').textContent()).toMatch('Available');
    await page.getByLabel('Set presence of Bob Stone').selectOption('offline');
    await expect.poll(async () => (await w.call('GET', '/agents/bob')).json.presence).toBe('offline');
    await page.getByLabel('Set presence of Ana Lima').selectOption('available');
    await expect.poll(async () => (await w.call('GET', '/agents/ana')).json.presence).toBe('available');

    // A customer waits, ana answers: the queue board counts it, the drill-down shows the transcript.
    await w.whatsapp(SAM, 'Is my refund through?', 'Kim Young');
    const offer = await until('the offer', async () => (await w.call('GET', '/agents/ana')).json.offers[0]);
    await w.advance(20_000);
    const acc = await w.call('POST', `/agents/ana/offers/${offer.offerId}/accept`, undefined, 'ana');
    const iid = acc.json.interactionId as string;
    await w.call('POST', `/agents/ana/interactions/${iid}/messages`, { text: 'Yes, it went out today.' }, 'ana');
    await expect.poll(() => support.locator('td').nth(3).textContent()).toBe('1');
    await page.getByRole('button', { name: 'Details of Ana Lima' }).click();
    const drill = page.getByRole('region', { name: 'Ana Lima' });
    await expect.poll(() => drill.textContent()).toMatch('WhatsApp · queue support · connected');
    await drill.getByRole('button', { name: 'Transcript' }).click();
    const transcript = page.getByRole('list', { name: 'Transcript' });
    await expect.poll(() => transcript.textContent()).toMatch('Is my refund through?');
    await expect.poll(() => transcript.textContent()).toMatch('Yes, it went out today.');
    expect(await axeViolations(page)).toEqual([]);

    await w.advance(120_000);
    await w.call('POST', `/agents/ana/interactions/${iid}/end`, undefined, 'ana');
    await w.call('POST', `/agents/ana/interactions/${iid}/wrapup`, { code: 'Processed' }, 'ana');
    await expect.poll(() => support.locator('td').nth(6).textContent()).toBe('1');
    await expect.poll(() => support.locator('td').nth(3).textContent()).toBe('0');

    // Today's intervals: three charts, and the figures as a table with the 09:00 interval.
    await page.getByRole('button', { name: 'Show' }).click();
    await expect.poll(() => page.locator('.chart canvas').count()).toBe(3);
    await page.getByText(/Figures as a table/).click();
    const row = page.locator('.intervals details table.grid tbody tr').first();
    await expect.poll(() => row.locator('th').textContent()).toMatch(/09:00/);
    expect(await row.locator('td').allTextContents()).toEqual(['1', '1', '0', '100', '20 s', '2 min']);
    await screenshot(page, 'dashboard', 'dashboard.png', true);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('queues.csv');
    const rows = parseCsv(readFileSync((await download.path())!, 'utf8'));
    // One row per 30-minute interval of the day per queue; the customer's interval counts one of each.
    expect(rows).toHaveLength(48 * ROUTING.queues.length);
    expect(new Set(rows.map((r) => r.queueId))).toEqual(new Set(['billing', 'support']));
    expect(rows[0]!.interval).toBe('2026-03-02T00:00:00Z');
    const busy = rows.filter((r) => Number(r.offered) > 0);
    expect(busy).toEqual([
      expect.objectContaining({
        interval: '2026-03-02T09:00:00Z',
        queueId: 'support',
        offered: '1',
        answered: '1',
        answeredInSl: '1',
        abandoned: '0',
        handled: '1',
        wrapups: '1',
        asaMs: '20000',
      }),
    ]);
    await context.close();
  });

  it('shows a board of 50 agents and 200 waiting interactions', async () => {
    const agents = Array.from({ length: 50 }, (_, i) => ({
      id: `a${String(i).padStart(2, '0')}`,
      name: `Agent ${String(i).padStart(2, '0')}`,
      queues: ['billing'],
    }));
    // Agents only in billing: support's customers wait.
    const cfg = { ...ROUTING, agents: [...ROUTING.agents.map((a) => ({ ...a, queues: ['billing'] })), ...agents] };
    expect((await w.call('PUT', '/admin/routing/config', cfg)).status).toBe(200);
    await w.call('POST', '/agents/ana/logout', undefined, 'ana');
    for (let i = 0; i < 200; i += 20)
      await Promise.all(
        Array.from({ length: 20 }, (_, j) => w.whatsapp(`1555300${String(i + j).padStart(4, '0')}`, `Hello ${i + j}`)),
      );
    await until(
      '200 waiting',
      async () =>
        (await w.call('GET', '/reports/realtime/queues')).json.queues.find((q: any) => q.queueId === 'support')
          ?.waiting === 200,
      60_000,
    );
    for (const a of agents.slice(0, 10)) await w.call('POST', `/agents/${a.id}/login`);

    const { context, page } = await w.page({ timezoneId: 'UTC' });
    await signInAs(page, 'sofia', '/ui/dashboard');
    await expect.poll(() => page.locator('tr[data-agent]').count()).toBe(52);
    const support = page.locator('tr[data-queue="support"]');
    await expect.poll(() => support.locator('td').first().textContent()).toBe('200');
    await expect.poll(() => page.locator('#agents-title + .hint').textContent()).toMatch('10 available');
    // Still live with the load: one more agent's change arrives.
    await w.call('POST', '/agents/a20/login');
    await expect.poll(() => page.locator('tr[data-agent="a20"] .presence-cell').textContent()).toMatch('Available');
    await page.getByLabel('Filter agents').fill('Agent 2');
    await expect.poll(() => page.locator('tr[data-agent]').count()).toBe(10);
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'dashboard-load');
    await context.close();
  });
});
