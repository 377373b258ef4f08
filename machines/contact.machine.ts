/**
 * A contact (one person) as a durable actor keyed by contact id: the channel identities and
 * conversations that belong to them, verified phones/emails, and whether it was merged into
 * another contact. Created on the first event (first contact on any channel).
 */
import { assign, setup } from 'xstate';
import type { Channel } from '../protocol/channels.js';
import { effectActions } from './effects.js';

/** One channel identity of a contact. */
export interface ContactIdentity {
  readonly channel: Channel;
  readonly integrationId: string;
  readonly channelUserId: string;
  readonly conversationKey: string;
}

/** What a contact knows about one person. */
export interface ContactContext {
  identities: ContactIdentity[];
  verified: { kind: 'phone' | 'email'; value: string }[];
  displayName?: string;
  createdAt?: number;
  /** Set when the identity index linked this contact's conversation(s) to an earlier contact. */
  mergedInto?: string;
}

/** Events a contact receives (from conversations, the identity index and the API). */
export type ContactEvent =
  | { type: 'contact.identity_added'; identity: ContactIdentity; displayName?: string; at?: number }
  | { type: 'contact.verified_added'; kind: 'phone' | 'email'; value: string; at?: number }
  | { type: 'contact.merged'; into: string; at?: number };

/** The contact machine. */
export const contactMachine = setup({
  types: {} as { context: ContactContext; events: ContactEvent },
  actions: { ...effectActions },
}).createMachine({
  id: 'contact',
  context: { identities: [], verified: [] },
  on: {
    'contact.identity_added': {
      actions: assign(({ context, event }) => ({
        identities: context.identities.some((i) => i.conversationKey === event.identity.conversationKey)
          ? context.identities
          : [...context.identities, event.identity],
        displayName: context.displayName ?? event.displayName,
        createdAt: context.createdAt ?? event.at,
      })),
    },
    'contact.verified_added': {
      actions: assign(({ context, event }) => ({
        verified: context.verified.some((v) => v.kind === event.kind && v.value === event.value)
          ? context.verified
          : [...context.verified, { kind: event.kind, value: event.value }],
        createdAt: context.createdAt ?? event.at,
      })),
    },
    'contact.merged': { actions: assign({ mergedInto: ({ context, event }) => context.mergedInto ?? event.into }) },
  },
});

/** The contact machine's type. */
export type ContactMachine = typeof contactMachine;
