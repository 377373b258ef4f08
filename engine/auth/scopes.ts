/**
 * What an agent holds, read from the actors: its offers and interactions (agent actor), the
 * conversations it accepted before (access actor), a contact's conversations (contact actor).
 * Reads are local to this node, like the routes they guard.
 */
import type { ActorHost } from '../../actors/host.js';
import type { AccessContext } from '../../machines/access.machine.js';
import type { AgentContext } from '../../machines/agent-logic.js';
import type { ActorRef } from '../../protocol/actor.js';

/** The checks route rules name (engine/auth/policy.ts). */
export interface AccessScopes {
  /** The agent is offered, holds or once accepted an interaction of this conversation. */
  conversation(agentId: string, conversationKey: string): boolean;
  /** The agent is connected to this conversation's current interaction (may reply to the customer). */
  connected(agentId: string, conversationKey: string): boolean;
  /** The agent may read one of the contact's conversations. */
  contact(agentId: string, contactId: string): boolean;
  /** The agent is offered or holds this interaction, or may read its conversation. */
  interaction(agentId: string, interactionId: string): boolean;
}

/** Scopes read from an actor host (actor types the node does not host count as "holds nothing"). */
export function hostScopes(host: () => ActorHost): AccessScopes {
  const read = <T>(ref: ActorRef): T | undefined => {
    try {
      return host().read(ref)?.context as T | undefined;
    } catch {
      return undefined;
    }
  };
  const agent = (id: string) => read<AgentContext>({ type: 'agent', key: id });
  const holdsNow = (agentId: string, key: string): boolean => {
    const a = agent(agentId);
    if (!a) return false;
    return (
      Object.values(a.interactions).some((i) => i.conversationKey === key) ||
      Object.values(a.offers).some((o) => o.conversationKey === key)
    );
  };
  const accepted = (agentId: string, key: string): boolean => {
    const acc = read<AccessContext>({ type: 'access', key });
    return !!acc && Object.hasOwn(acc.agents, agentId);
  };
  const conversation = (agentId: string, key: string) => holdsNow(agentId, key) || accepted(agentId, key);
  return {
    conversation,
    connected: (agentId, key) =>
      Object.values(agent(agentId)?.interactions ?? {}).some(
        (i) => i.conversationKey === key && i.stage === 'connected',
      ),
    contact: (agentId, contactId) => {
      const c = read<{ identities?: { conversationKey: string }[] }>({ type: 'contact', key: contactId });
      return !!c?.identities?.some((i) => conversation(agentId, i.conversationKey));
    },
    interaction: (agentId, interactionId) => {
      const a = agent(agentId);
      if (
        a &&
        (Object.hasOwn(a.interactions, interactionId) ||
          Object.values(a.offers).some((o) => o.interactionId === interactionId))
      )
        return true;
      const key = read<{ conversationKey?: string }>({ type: 'interaction', key: interactionId })?.conversationKey;
      return !!key && accepted(agentId, key);
    },
  };
}
