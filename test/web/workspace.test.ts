/**
 * The agent workspace in a real browser (Debian's chromium) against a real engine, gateway and
 * nats-server on loopback, in virtual time: sign in, an offer alerts and is accepted, the
 * contact's earlier interaction is in the transcript, a reply reaches the fake WhatsApp API and
 * turns delivered, 25 h later free text is refused with its reason and a template goes out,
 * wrap-up with a mandatory code, a transfer to another agent.
 */
import { describe, expect, it } from 'vitest';
import { axeViolations, HOUR, passwordOf, samplePng, screenshot, signInAs, until, useWorld } from './harness.js';

// A fixed start, so the screenshots show the same dates on every run.
const w = useWorld(Date.UTC(2026, 2, 2, 9, 0));
const SAM = '15551230001';

describe('agent workspace', () => {
  it('signs in, alerts an offer, accepts it, shows the earlier interaction, and a reply turns delivered', async () => {
    // An earlier interaction with the same customer, handled through the API, 3 days ago.
    await w.call('POST', '/agents/ana/login', undefined, 'ana');
    await w.whatsapp(SAM, 'Hello, my order #1234 is late');
    const offer = await until('first offer', async () => (await w.call('GET', '/agents/ana')).json.offers[0]);
    const acc = await w.call('POST', `/agents/ana/offers/${offer.offerId}/accept`, undefined, 'ana');
    const iid = acc.json.interactionId;
    await w.call('POST', `/agents/ana/interactions/${iid}/messages`, { text: 'It ships today.' }, 'ana');
    await w.call('POST', `/agents/ana/interactions/${iid}/wrapup`, { code: 'Processed' }, 'ana');
    await w.call('POST', '/agents/ana/logout', undefined, 'ana');
    await until('the conversation free again', async () => {
      const c = await w.call('GET', `/conversations/${encodeURIComponent(`whatsapp:wa1:${SAM}`)}`);
      return c.json.current?.lastAgentId === 'ana' && !c.json.current?.agentId;
    });
    await w.advance(73 * HOUR);
    const sentBefore = w.provider.requests.length;

    const { context, page } = await w.page();
    // A wrong password is refused with its reason; the right one signs in (a session cookie).
    await page.goto('/ui/workspace');
    await page.getByLabel('Your id').fill('ana');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'invalid_credentials' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'workspace-signin');
    await page.getByLabel('Password').fill(passwordOf('ana'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'No interaction open' }).waitFor();
    expect((await context.cookies()).find((c) => c.name === 'sb_session')).toMatchObject({
      httpOnly: true,
      sameSite: 'Strict',
    });
    expect(await axeViolations(page)).toEqual([]);
    await page.getByLabel('Presence').selectOption('available');
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();

    await w.whatsapp(SAM, 'Hi again, where is my parcel?');
    const card = page.getByRole('article').filter({ hasText: 'Sam Rivera on WhatsApp' });
    await card.waitFor();
    await expect.poll(() => card.textContent()).toMatch('Queue Support');
    await expect.poll(() => card.textContent()).toMatch('Hi again, where is my parcel?');
    await expect.poll(() => card.getByRole('timer').textContent()).toMatch('1:00 left');
    await screenshot(page, 'workspace-offer');
    expect(await axeViolations(page)).toEqual([]);
    await page.keyboard.press('Alt+A');

    await expect.poll(() => page.getByRole('tab', { name: /Sam Rivera/ }).getAttribute('aria-selected')).toBe('true');
    const transcript = page.getByLabel('Conversation history');
    // The earlier interaction is there, above the new one.
    await expect.poll(() => transcript.textContent()).toMatch('Hello, my order #1234 is late');
    await expect.poll(() => transcript.textContent()).toMatch('It ships today.');
    await expect.poll(() => transcript.textContent()).toMatch('Hi again, where is my parcel?');
    await expect.poll(() => page.locator('.window').textContent()).toMatch(/Reply window closes in 2[34] h/);

    const box = page.getByRole('textbox', { name: 'Message' });
    await box.fill('Your parcel is on its way 🚚');
    await box.press('Control+Enter');
    const at = await until('the reply at the fake WhatsApp API', () => {
      const i = w.provider.requests.findIndex(
        (r, j) => j >= sentBefore && r.body?.text?.body === 'Your parcel is on its way 🚚',
      );
      return i >= 0 ? i + 1 : undefined;
    });
    const mine = transcript.locator('.msg.out').filter({ hasText: 'Your parcel is on its way' });
    await expect.poll(() => (async () => (await mine.locator('.status').textContent())?.trim())()).toBe('Sent');
    await w.whatsappStatus(SAM, `wamid.out${at}`, 'delivered');
    await expect.poll(() => (async () => (await mine.locator('.status').textContent())?.trim())()).toBe('Delivered');
    await screenshot(page, 'workspace', 'workspace.png');
    expect(await axeViolations(page)).toEqual([]);
    await context.close();
  });

  it('25 h later refuses free text with its reason as a sentence, and the template path works', async () => {
    const { context, page } = await w.page();
    await signInAs(page, 'ana');
    // The open interaction comes back as a tab after signing in again.
    await page.getByRole('tab', { name: /Sam Rivera/ }).waitFor();
    await w.advance(25 * HOUR);
    await expect
      .poll(() => page.locator('.window').textContent(), { timeout: 10_000 })
      .toMatch('Only approved templates now');
    const box = page.getByRole('textbox', { name: 'Message' });
    await box.fill('Any news on the parcel?');
    await page.getByRole('button', { name: /^Send/ }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'template_required' });
    await alert.waitFor();
    await expect.poll(() => alert.textContent()).toMatch('only template messages may be sent');
    await screenshot(page, 'workspace-refused');

    const before = w.provider.requests.length;
    await page.getByRole('button', { name: 'Template…' }).click();
    await page.getByLabel('Order number').fill('1234');
    await page.getByLabel('Ship date').fill('Friday');
    await expect.poll(() => page.locator('.preview').textContent()).toBe('Your order 1234 ships on Friday.');
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Send template' }).click();
    const sent = await until('the template at the fake WhatsApp API', () =>
      w.provider.requests.slice(before).find((r) => r.body?.type === 'template'),
    );
    expect(sent.body.template).toMatchObject({ name: 'order_update', language: { code: 'en' } });
    await expect
      .poll(() => page.getByLabel('Conversation history').textContent())
      .toMatch('Template order_update (en): 1234, Friday');
    await context.close();
  });

  it('ends into a mandatory wrap-up that only a code closes', async () => {
    const { context, page } = await w.page();
    await signInAs(page, 'ana');
    await page.getByRole('tab', { name: /Sam Rivera/ }).waitFor();
    await page.getByRole('button', { name: 'End', exact: true }).click();
    const form = page.locator('form.wrapup');
    await form.waitFor();
    await expect.poll(() => form.textContent()).toMatch('A wrap-up code is required');
    expect(await page.getByRole('button', { name: 'Close without a code' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Submit wrap-up' }).isDisabled()).toBe(true);
    await page.getByLabel('Wrap-up code').selectOption('Need Follow Up');
    await screenshot(page, 'workspace-wrapup');
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Submit wrap-up' }).click();
    await page.getByRole('heading', { name: 'No interaction open' }).waitFor();
    expect((await w.call('GET', '/agents/ana')).json.interactions).toEqual([]);
    await context.close();
  });

  it('fills a standard response from the contact, attaches an image, and transfers to another agent', async () => {
    const ana = await w.page();
    const bob = await w.page();
    await signInAs(ana.page, 'ana');
    await signInAs(bob.page, 'bob');
    await bob.page.getByLabel('Presence').selectOption('available');
    await ana.page.getByRole('heading', { name: 'No interaction open' }).waitFor();
    // Bob is busy elsewhere for a moment: ana gets the customer.
    await bob.page.getByLabel('Presence').selectOption('not_ready:Lunch');
    await expect.poll(async () => (await w.call('GET', '/agents/bob')).json.presence).toBe('not_ready');
    await w.whatsapp('15551230002', 'Can I change my delivery address?', 'Lee Park');
    await ana.page.getByRole('article').filter({ hasText: 'Lee Park' }).waitFor();
    await ana.page.getByRole('button', { name: /^Accept/ }).click();
    await ana.page.getByRole('tab', { name: /Lee Park/ }).waitFor();

    await ana.page.getByRole('button', { name: 'Standard responses' }).click();
    await ana.page.getByLabel('Search standard responses').fill('good');
    await ana.page.getByRole('button', { name: /Goodbye/ }).click();
    await expect
      .poll(() => ana.page.getByRole('textbox', { name: 'Message' }).inputValue())
      .toBe('Thanks for writing, Lee. Have a good day!');

    const before = w.provider.requests.length;
    const png = samplePng();
    await ana.page.locator('input[type=file]').setInputFiles({ name: 'map.png', mimeType: 'image/png', buffer: png });
    const media = await until('the image at the fake WhatsApp API', () =>
      w.provider.requests.slice(before).find((r) => r.body?.type === 'image'),
    );
    expect(media.body.image.link).toMatch(new RegExp(`^${w.engineUrl}/media/[0-9a-f]{32}\\.png$`));
    expect(Buffer.from(await (await fetch(media.body.image.link)).arrayBuffer())).toEqual(png);
    await ana.page.locator('.msg.out img').waitFor();

    await bob.page.getByLabel('Presence').selectOption('available');
    await ana.page.getByRole('button', { name: 'Transfer…' }).click();
    await ana.page.getByLabel('Transfer to').selectOption('agent:bob');
    await ana.page.getByRole('button', { name: 'Transfer', exact: true }).click();
    await ana.page.getByRole('heading', { name: 'No interaction open' }).waitFor();
    const card = bob.page.getByRole('article').filter({ hasText: 'Lee Park' });
    await card.waitFor();
    await expect.poll(() => card.textContent()).toMatch('transferred to you');
    await bob.page.keyboard.press('Alt+A');
    const transcript = bob.page.getByLabel('Conversation history');
    await expect.poll(() => transcript.textContent()).toMatch('Can I change my delivery address?');
    await transcript.locator('img').waitFor();
    await screenshot(bob.page, 'workspace-transferred');
    await ana.context.close();
    await bob.context.close();
  });
});
