/**
 * The administration page in a real browser against a real engine: edit the routing
 * configuration in its forms, see each validation issue at the field it names, fix it, apply,
 * and the engine runs with the new file; a supervisor is refused the page.
 */
import { describe, expect, it } from 'vitest';
import { axeViolations, screenshot, signInAs, useWorld } from './harness.js';

const w = useWorld();

describe('administration', () => {
  it('shows the engine’s validation issues at their fields, and applies the fixed configuration', async () => {
    const { context, page } = await w.page();
    await signInAs(page, 'root', '/ui/admin');
    const ana = page.getByRole('group', { name: 'Ana Lima' });
    const billing = page.getByRole('group', { name: 'Billing' });
    await ana.waitFor();
    expect(await ana.getByLabel('Queues', { exact: true }).inputValue()).toBe('support');
    expect(await axeViolations(page)).toEqual([]);

    await ana.getByLabel('Queues', { exact: true }).fill('support, sales');
    await billing.getByLabel('Alerting timeout (s)').fill('0');
    await page.getByRole('button', { name: 'Apply' }).click();
    const summary = page.getByRole('alert').filter({ hasText: 'refused the configuration' });
    // The schema is checked first: the out-of-range number.
    await expect.poll(() => summary.textContent()).toMatch('1 problem');
    const timeout = billing.getByLabel('Alerting timeout (s)');
    expect(await timeout.getAttribute('aria-invalid')).toBe('true');
    await expect
      .poll(() => billing.locator('[data-path="queues[1].alertingTimeoutSeconds"] .field-error').textContent())
      .toMatch(/>=\s*1/);
    await timeout.fill('45');
    // Editing a field clears its issue.
    expect(await timeout.getAttribute('aria-invalid')).toBeNull();
    await page.getByRole('button', { name: 'Apply' }).click();
    // Then the references: a queue that does not exist, at the agent's Queues field.
    await expect.poll(() => summary.textContent()).toMatch('agents[0].queues[1]: queue "sales" is not configured');
    const queuesField = ana.getByLabel('Queues', { exact: true });
    expect(await queuesField.getAttribute('aria-invalid')).toBe('true');
    await expect
      .poll(() => ana.locator('[data-path="agents[0].queues"] .field-error').textContent())
      .toBe('agents[0].queues[1]: queue "sales" is not configured');
    // The summary's links lead to the fields.
    await summary.getByRole('link', { name: 'agents[0].queues[1]' }).click();
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('f-agents-0-queues');
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'admin-errors');
    // Nothing changed in the engine.
    expect((await w.call('GET', '/admin/routing/config')).json.source.agents[0].queues).toEqual(['support']);

    await queuesField.fill('support, billing');
    await ana.getByLabel('Messaging capacity').fill('3');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /Applied version \d+/ })
      .waitFor();
    const cfg = (await w.call('GET', '/admin/routing/config')).json;
    expect(cfg.source.agents[0].queues).toEqual(['support', 'billing']);
    expect(cfg.source.queues[1].alertingTimeoutSeconds).toBe(45);
    expect(cfg.resolved.agents.ana.utilization.media.message.max).toBe(3);
    // The running engine uses it: ana's board lists both queues.
    await expect
      .poll(
        async () =>
          (await w.call('GET', '/reports/realtime/agents')).json.agents.find((a: any) => a.agentId === 'ana')?.queues,
      )
      .toEqual(['support', 'billing']);
    await screenshot(page, 'admin-applied');
    await context.close();
  });

  it('refuses the page to a supervisor with the reason', async () => {
    const { context, page } = await w.page();
    await signInAs(page, 'sofia', '/ui/admin');
    await page.getByRole('alert').filter({ hasText: 'this page needs role admin' }).waitFor();
    await context.close();
  });
});
