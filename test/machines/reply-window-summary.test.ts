/** The reply-window state the workspace shows, from the same policy data the machines use. */
import { describe, expect, it } from 'vitest';
import { CHANNEL_POLICIES } from '../../machines/channel-policies.js';
import { initialWindow } from '../../machines/reply-policy.js';
import { summarizeWindow } from '../../machines/reply-window-summary.js';

const H = 3_600_000;
const at = 1_000 * H;

describe('reply-window summary', () => {
  it('WhatsApp: open with its closing time, then templates only; before any message, templates with opt-in', () => {
    const p = CHANNEL_POLICIES.whatsapp;
    const w = { ...initialWindow(p), lastInboundAt: at, openMs: 24 * H };
    expect(summarizeWindow('open', w, p, at + H)).toMatchObject({
      state: 'open',
      freeForm: true,
      templates: true,
      closesAt: at + 24 * H,
    });
    expect(summarizeWindow('closed', w, p, at + 25 * H)).toMatchObject({
      state: 'templates_only',
      freeForm: false,
      templates: true,
    });
    expect(summarizeWindow('none', initialWindow(p), p, at)).toMatchObject({
      state: 'templates_only',
      templates: false,
    });
    expect(summarizeWindow('none', { ...initialWindow(p), optedIn: true }, p, at)).toMatchObject({ templates: true });
  });

  it('Messenger: one more message after 24 h, and the human-agent tag until 7 days', () => {
    const p = CHANNEL_POLICIES.messenger;
    const w = { ...initialWindow(p), lastInboundAt: at, openMs: 24 * H, extraLeft: 1 };
    const g = summarizeWindow('grace', w, p, at + 30 * H);
    expect(g).toMatchObject({ state: 'grace', freeForm: true, extraLeft: 1 });
    expect(Object.values(g.tags ?? {})).toEqual([at + 7 * 24 * H]);
    expect(summarizeWindow('grace', { ...w, extraLeft: 0 }, p, at + 30 * H)).toMatchObject({
      state: 'grace',
      freeForm: false,
    });
    expect(summarizeWindow('closed', { ...w, extraLeft: 0 }, p, at + 8 * 24 * H)).toMatchObject({
      state: 'closed',
      freeForm: false,
      templates: false,
    });
  });

  it('X counts replies; Apple ends when the customer closes; SMS STOP opts out; web has no limit', () => {
    const x = CHANNEL_POLICIES.x;
    expect(summarizeWindow('open', { ...initialWindow(x), lastInboundAt: at, repliesLeft: 0 }, x, at)).toMatchObject({
      state: 'open',
      freeForm: false,
      repliesLeft: 0,
    });
    const apple = CHANNEL_POLICIES.apple;
    expect(summarizeWindow('ended', initialWindow(apple), apple, at)).toMatchObject({ state: 'ended_by_customer' });
    expect(summarizeWindow('none', initialWindow(apple), apple, at)).toMatchObject({ state: 'customer_must_start' });
    const sms = CHANNEL_POLICIES.sms;
    expect(summarizeWindow('unlimited', { ...initialWindow(sms), optedOut: true }, sms, at)).toMatchObject({
      state: 'opted_out',
      freeForm: false,
    });
    const web = CHANNEL_POLICIES.web;
    expect(summarizeWindow('unlimited', initialWindow(web), web, at)).toMatchObject({
      state: 'unlimited',
      freeForm: true,
    });
  });
});
