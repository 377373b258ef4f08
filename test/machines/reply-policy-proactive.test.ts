/** Business-initiated (proactive) requests in each phase of the window: what the channel needs to start a conversation. */
import { describe, expect, it } from 'vitest';
import { decideReply, type ReplyRequested } from '../../machines/reply-policy.js';
import { replyContextFor } from '../../machines/reply-window.machine.js';

const template: ReplyRequested = {
  type: 'reply.requested',
  requestId: 'r1',
  sender: { kind: 'system', reason: 'proactive:test' },
  kind: 'template',
  template: { name: 'order_ready', language: 'en_US' },
};
const text: ReplyRequested = { ...template, kind: 'text', text: 'Your order is ready', template: undefined };
const code = (d: ReturnType<typeof decideReply>) => (d.ok ? 'ok' : d.code);

describe('proactive replies', () => {
  it('WhatsApp after the window: a template needs the opt-in, as a first message does; an agent template does not', () => {
    const ctx = replyContextFor('whatsapp:wa1:15550001234');
    expect(code(decideReply('closed', ctx, { ...template, proactive: true }, 0))).toBe('opt_in_required');
    expect(code(decideReply('closed', ctx, template, 0))).toBe('ok');
    expect(code(decideReply('closed', ctx, { ...text, proactive: true }, 0))).toBe('template_required');
    const optedIn = { ...ctx, window: { ...ctx.window, optedIn: true } };
    expect(code(decideReply('closed', optedIn, { ...template, proactive: true }, 0))).toBe('ok');
    expect(code(decideReply('none', optedIn, { ...template, proactive: true }, 0))).toBe('ok');
    // Inside the customer-service window anything may go, proactive or not.
    expect(code(decideReply('open', ctx, { ...text, proactive: true }, 0))).toBe('ok');
    const out = { ...optedIn, window: { ...optedIn.window, optedOut: true } };
    expect(code(decideReply('closed', out, { ...template, proactive: true }, 0))).toBe('opted_out');
  });

  it('Messenger: no "+1" message and no tag for a proactive one; never a first message', () => {
    const ctx = replyContextFor('messenger:p1:u1');
    const grace = { ...ctx, window: { ...ctx.window, extraLeft: 1, lastInboundAt: 0 } };
    expect(code(decideReply('grace', grace, text, 1))).toBe('ok');
    expect(code(decideReply('grace', grace, { ...text, proactive: true }, 1))).toBe('reply_window_closed');
    expect(code(decideReply('none', ctx, { ...text, proactive: true }, 0))).toBe('customer_must_start');
  });

  it('SMS: allowed unless the customer sent STOP', () => {
    const ctx = replyContextFor('sms:s1:+15550001234');
    expect(code(decideReply('unlimited', ctx, { ...text, proactive: true }, 0))).toBe('ok');
    const out = { ...ctx, window: { ...ctx.window, optedOut: true } };
    expect(code(decideReply('unlimited', out, { ...text, proactive: true }, 0))).toBe('opted_out');
  });
});
