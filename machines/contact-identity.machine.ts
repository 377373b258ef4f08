/**
 * The identity index: one durable actor per verified identity (`phone:+15551234567`,
 * `email:ana@example.com`). The first contact to claim it owns it; a later claim from another
 * contact links that conversation to the owner, so one person's channels share one contact and
 * one history. Single writer per identity: two simultaneous claims cannot both win.
 */
import { enqueueActions, setup } from 'xstate';
import { parseConversationKey } from './conversation-ids.js';
import { effectActions } from './effects.js';

/** The identity's owner, once claimed. */
export interface IdentityContext {
  owner?: string;
}

/** A contact claims the identity (first contact on a phone channel, or a verified link). */
export type IdentityEvent = {
  type: 'identity.claimed';
  contactId: string;
  /** The conversation to relink when another contact already owns the identity. */
  conversationKey?: string;
  at?: number;
};

/** The identity-index machine. */
export const identityMachine = setup({
  types: {} as { context: IdentityContext; events: IdentityEvent },
  actions: { ...effectActions },
}).createMachine({
  id: 'identity',
  context: {},
  on: {
    'identity.claimed': {
      actions: enqueueActions(({ context, event, enqueue }) => {
        if (!context.owner) {
          enqueue.assign({ owner: event.contactId });
          enqueue({ type: 'respond', params: { ok: true, data: { contactId: event.contactId, linked: false } } });
          return;
        }
        const owner = context.owner;
        if (owner !== event.contactId) {
          if (event.conversationKey) {
            enqueue({
              type: 'actor.send',
              params: {
                to: { type: 'conversation', key: event.conversationKey },
                event: { type: 'contact.linked', contactId: owner },
              },
            });
            enqueue({
              type: 'actor.send',
              params: { to: { type: 'contact', key: event.contactId }, event: { type: 'contact.merged', into: owner } },
            });
            const parsed = parseConversationKey(event.conversationKey);
            if (parsed) {
              const identity = { ...parsed, conversationKey: event.conversationKey };
              enqueue({
                type: 'actor.send',
                params: { to: { type: 'contact', key: owner }, event: { type: 'contact.identity_added', identity } },
              });
            }
          }
        }
        enqueue({
          type: 'respond',
          params: { ok: true, data: { contactId: owner, linked: owner !== event.contactId } },
        });
      }),
    },
  },
});

/** The identity-index machine's type. */
export type IdentityMachine = typeof identityMachine;
