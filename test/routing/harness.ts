/** Routing actors on the real runtime (ActorHost + LmdbStore + ManualClock) with a loopback bus. */
import { join } from 'node:path';
import { ActorHost, LmdbStore, ManualClock } from '../../actors/index.js';
import type { Bus } from '../../actors/types.js';
import { RoutingConfigHolder, routingActorTypes, type RoutingFile } from '../../engine/config/routing.js';
import {
  interactionStage,
  type InteractionContext,
  type InteractionStage,
} from '../../machines/interaction.machine.js';
import type { ActorEvent, Envelope } from '../../protocol/actor.js';
import { decode } from '../../protocol/wire.js';
import { tempDir } from '../support/tmp.js';

/** Delivers actor envelopes back into the host; keeps everything else for assertions. */
export class LoopbackBus implements Bus {
  host?: ActorHost;
  readonly local = new Set(['agent', 'queue', 'interaction']);
  /** Whether `settle` throws when an event between actors was rejected. */
  failOnRejected = true;
  readonly external: Envelope[] = [];
  readonly live: { topic: string; [k: string]: unknown }[] = [];
  readonly records: { kind: string; [k: string]: unknown }[] = [];
  /** Envelopes between actors that the host rejected (a machine bug such as a misaddressed effect). */
  readonly rejected: { envelope: Envelope; code: string; message: string }[] = [];
  readonly #pending = new Set<Promise<unknown>>();

  async publish(subject: string, data: Uint8Array): Promise<void> {
    if (subject.startsWith('sb.actor.')) {
      const env = decode<Envelope>(data);
      if (!this.local.has(env.to.type)) {
        this.external.push(env);
        return;
      }
      const p = this.host!.deliver(env)
        .then((r) => {
          if (r.status === 'rejected') this.rejected.push({ envelope: env, code: r.code, message: r.message });
        })
        .finally(() => this.#pending.delete(p));
      this.#pending.add(p);
    } else if (subject.startsWith('sb.live.')) this.live.push(decode(data));
    else if (subject.startsWith('sb.record.')) this.records.push(decode(data));
  }

  /** Waits until no event is in flight anywhere. */
  async settle(): Promise<void> {
    for (let i = 0; i < 10_000; i++) {
      await this.host!.drain();
      if (this.#pending.size === 0) {
        await new Promise((r) => setImmediate(r));
        if (this.#pending.size === 0) {
          if (this.rejected.length > 0 && this.failOnRejected)
            throw new Error(`an actor rejected an event: ${this.rejected.map((x) => x.message).join('; ')}`);
          return;
        }
      }
      await Promise.all([...this.#pending]);
    }
    throw new Error('routing harness did not settle');
  }

  /** Events sent to conversation actors, in order. */
  toConversation(type?: string): ActorEvent[] {
    return this.external
      .filter((e) => e.to.type === 'conversation' && (!type || e.event.type === type))
      .map((e) => e.event);
  }
}

/** A routing test bed: host, clock, bus, config holder; `send` delivers and settles. */
export async function routingHarness(file: RoutingFile, opts: { start?: number; lmdbPath?: string } = {}) {
  const clock = new ManualClock(opts.start);
  const bus = new LoopbackBus();
  const store = LmdbStore.open(opts.lmdbPath ?? join(tempDir('sb-routing-'), 'lmdb'), { noSync: true });
  const holder = new RoutingConfigHolder({ initial: file });
  const host = new ActorHost({ store, clock, bus });
  for (const t of routingActorTypes(holder)) host.register(t);
  bus.host = host;
  host.start();
  let n = 0;
  const send = async (type: string, key: string, event: ActorEvent) => {
    const r = await host.send({ type, key }, event, `t${++n}`);
    // A misaddressed effect is a machine bug: fail the test here rather than return it as an answer.
    if (r.status === 'rejected' && r.code === 'effect_address_invalid' && bus.failOnRejected)
      throw new Error(r.message);
    await bus.settle();
    return r;
  };
  return {
    clock,
    bus,
    store,
    host,
    holder,
    send,
    agent: (id: string) =>
      host.read({ type: 'agent', key: id })?.context as import('../../machines/agent-logic.js').AgentContext,
    agentState: (id: string) => host.read({ type: 'agent', key: id })?.value as string,
    queue: (id: string) =>
      host.read({ type: 'queue', key: id })?.context as import('../../machines/queue.machine.js').QueueContext,
    /** The interaction's context with its stage (its top-level state). */
    interaction: (id: string) => {
      const s = host.read({ type: 'interaction', key: id });
      return (s && { ...s.context, stage: interactionStage(s) }) as InteractionContext & { stage: InteractionStage };
    },
    advance: async (ms: number) => {
      await clock.advance(ms);
      await bus.settle();
    },
    stop: async () => {
      await host.stop();
      await store.close();
    },
  };
}

/** A small contact center: two queues, three agents, one flow with keyword rules. */
export const baseConfig: RoutingFile = {
  skills: ['billing', 'spanish', 'tech'],
  queues: [
    {
      id: 'support',
      strategy: 'longest_idle',
      alertingTimeoutSeconds: 30,
      acw: { mode: 'mandatory', timeoutSeconds: 60, defaultCode: 'Processed' },
      affinity: { mode: 'any_queue', timeoutSeconds: 120 },
    },
    {
      id: 'billing',
      strategy: 'best_skill',
      alertingTimeoutSeconds: 30,
      rings: [{ timeoutSeconds: 60, skillsToRemove: ['spanish'] }],
      acw: { mode: 'timeboxed', timeoutSeconds: 30, defaultCode: 'Processed' },
    },
  ],
  agents: [
    { id: 'ana', skills: { billing: 5, tech: 2 }, queues: ['support', 'billing'] },
    { id: 'bob', skills: { billing: 2, spanish: 4 }, queues: ['support', 'billing'] },
    {
      id: 'cy',
      skills: { tech: 5 },
      queues: ['support'],
      utilization: { media: { message: { max: 1, interruptibleBy: [] } }, totalMax: 1 },
    },
  ],
  flows: [
    {
      integrationId: '*',
      timeZone: 'Europe/Paris',
      defaultQueueId: 'support',
      openHours: [{ days: [1, 2, 3, 4, 5], from: '08:00', to: '18:00' }],
      closed: { autoResponse: 'We are closed; we will answer when we open.', action: 'route' },
      keywordRules: [{ keywords: ['invoice', 'refund'], queueId: 'billing', skills: ['billing'], priority: 5 }],
    },
  ],
  cannedResponses: [{ id: 'hello', name: 'Greeting', text: 'Hello {{name}}, how can I help?' }],
};

/** The event a conversation actor sends when a new interaction starts. */
export function opened(interactionId: string, text: string, user = interactionId) {
  return {
    type: 'interaction.opened',
    interactionId,
    conversationKey: `whatsapp:wa1:${user}`,
    contactId: `c-${user}`,
    channel: 'whatsapp',
    integrationId: 'wa1',
    channelUserId: user,
    message: { messageId: `m-${interactionId}`, kind: 'text', text },
  };
}
