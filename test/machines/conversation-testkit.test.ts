/** The machines and the test kit stand alone: paths generate and replay with xstate only. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { CHANNELS } from '../../protocol/channels.js';
import {
  replyWindowModel,
  replyWindowPaths,
  threadingPaths,
  testConversationKey,
} from '../../machines/conversation-testkit.js';
import { replyWindowMachine } from '../../machines/reply-window.machine.js';

const OWN = [
  'channel-policies.ts',
  'contact-identity.machine.ts',
  'contact.machine.ts',
  'conversation-ids.ts',
  'conversation-testkit.ts',
  'conversation-threading.ts',
  'conversation.machine.ts',
  'history.machine.ts',
  'reply-policy.ts',
  'reply-window-region.ts',
  'reply-window.machine.ts',
];

describe('conversation test kit', () => {
  it('machine files import only xstate, shared protocol types and each other', () => {
    for (const f of OWN) {
      const src = readFileSync(new URL(`../../machines/${f}`, import.meta.url), 'utf8');
      for (const m of src.matchAll(/from '([^']+)'/g))
        expect(`${f}: ${m[1]}`).toMatch(/: (xstate(\/graph)?|\.\.\/protocol\/[\w-]+\.js|\.\/[\w.-]+\.js)$/);
    }
  });

  it('generates paths for every channel, and each replays with pure transitions to the state the model says', () => {
    for (const channel of CHANNELS) {
      const paths = replyWindowPaths(channel);
      expect(paths.length, channel).toBeGreaterThan(0);
      for (const p of paths) {
        let [s] = initialTransition(replyWindowMachine, { conversationKey: testConversationKey(channel) });
        for (const step of p.steps) {
          if ((step.event.type as string) === 'xstate.init') continue;
          [s] = transition(replyWindowMachine, s, step.event as never) as [AnyMachineSnapshot, unknown];
          expect(s.value, `${channel}: ${step.event.type}`).toEqual((step.state as AnyMachineSnapshot).value);
        }
      }
    }
    expect(replyWindowModel('whatsapp').getShortestPaths().length).toBeGreaterThan(0);
    expect(threadingPaths(2 * 3_600_000).length).toBeGreaterThan(0);
  });
});
