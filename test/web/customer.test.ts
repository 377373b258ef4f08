/**
 * The web-messaging customer page in a real browser: a visitor writes, the agent (in another
 * browser context) gets the offer, both see each other type, the agent's reply reaches the
 * page, the page's receipts turn it read in the workspace, and a reload resumes the session.
 */
import { describe, expect, it } from 'vitest';
import { axeViolations, screenshot, signInAs, useWorld } from './harness.js';

const w = useWorld();

describe('customer page (web messaging)', () => {
  it('round trip: visitor writes, agent answers, typing both ways, read receipts, session resumed after reload', async () => {
    const agent = await w.page();
    await signInAs(agent.page, 'ana');
    await agent.page.getByLabel('Presence').selectOption('available');
    await agent.page.getByRole('status').filter({ hasText: 'Live' }).waitFor();

    const visitor = await w.page();
    const url = `/ui/customer?gateway=${encodeURIComponent(w.gatewayUrl)}&integration=web1`;
    await visitor.page.goto(url);
    await visitor.page.getByText('Connected — an agent will answer here.').waitFor();
    expect(await axeViolations(visitor.page)).toEqual([]);
    await visitor.page.getByLabel('Your name (optional)').fill('Kim Doe');
    await visitor.page.getByRole('textbox', { name: 'Message' }).fill('Hello! Do you ship to Canada?');
    await visitor.page.getByRole('textbox', { name: 'Message' }).press('Enter');

    const card = agent.page.getByRole('article').filter({ hasText: 'Kim Doe on Web chat' });
    await card.waitFor();
    await agent.page.keyboard.press('Alt+A');
    const transcript = agent.page.getByLabel('Conversation history');
    await expect.poll(() => transcript.textContent()).toMatch('Hello! Do you ship to Canada?');
    await expect.poll(() => agent.page.locator('.window').textContent()).toBe('No reply time limit on this channel');

    // The visitor types: the agent sees it; the agent types: the visitor sees it.
    await visitor.page.getByRole('textbox', { name: 'Message' }).pressSequentially('And', { delay: 20 });
    await agent.page.getByText('The customer is typing…').waitFor();
    await agent.page.getByRole('textbox', { name: 'Message' }).pressSequentially('Yes', { delay: 20 });
    await visitor.page.getByText('The agent is typing…').waitFor();

    await agent.page.getByRole('textbox', { name: 'Message' }).fill('Yes, we ship to Canada in 5 days.');
    await agent.page.getByRole('textbox', { name: 'Message' }).press('Control+Enter');
    const reply = visitor.page.locator('.msg').filter({ hasText: 'Yes, we ship to Canada in 5 days.' });
    await reply.waitFor();
    // The page acknowledged it: the workspace shows it read.
    const mine = transcript.locator('.msg.out').filter({ hasText: 'we ship to Canada' });
    await expect.poll(async () => (await mine.locator('.status').textContent())?.trim()).toBe('Read');
    await screenshot(visitor.page, 'customer');
    expect(await axeViolations(visitor.page)).toEqual([]);

    // A reload resumes the same session: the history comes back and the stream continues.
    await visitor.page.reload();
    await visitor.page.getByText('Connected — an agent will answer here.').waitFor();
    await expect
      .poll(() => visitor.page.locator('.transcript').textContent())
      .toMatch(/Do you ship to Canada\?.*Yes, we ship to Canada in 5 days\./s);
    await agent.page.getByRole('textbox', { name: 'Message' }).fill('Anything else?');
    await agent.page.getByRole('textbox', { name: 'Message' }).press('Control+Enter');
    await visitor.page.locator('.msg').filter({ hasText: 'Anything else?' }).waitFor();
    await visitor.page.getByRole('textbox', { name: 'Message' }).fill('No, thanks!');
    await visitor.page.getByRole('textbox', { name: 'Message' }).press('Enter');
    await expect.poll(() => transcript.textContent()).toMatch('No, thanks!');
    // One conversation throughout: the same tab, no second offer.
    expect(await agent.page.getByRole('tab').count()).toBe(1);
    await screenshot(agent.page, 'customer-agent-side');
    await agent.context.close();
    await visitor.context.close();
  });
});
