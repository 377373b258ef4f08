/**
 * Every hosted machine as a model for `switchboard paths` and the testkit: the events worth
 * trying in each state (drawn from the routing configuration: its queues, agents, keyword rules,
 * timeouts), a coarse serialization that keeps the graph small, and names for its timers so a
 * path reads `after affinity timeout (60 s)` rather than an xstate delay id.
 */
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import { accessMachine } from '../machines/access.machine.js';
import type { AgentContext } from '../machines/agent-logic.js';
import { createAgentMachine } from '../machines/agent.machine.js';
import type { ChannelPolicy } from '../machines/channel-policies.js';
import { identityMachine } from '../machines/contact-identity.machine.js';
import { type ContactContext, contactMachine } from '../machines/contact.machine.js';
import { conversationMachine } from '../machines/conversation.machine.js';
import type { ConversationContext } from '../machines/conversation-threading.js';
import { counterMachine } from '../machines/counter.machine.js';
import { type HistoryContext, historyMachine } from '../machines/history.machine.js';
import { createInteractionMachine, type InteractionContext } from '../machines/interaction.machine.js';
import { createQueueMachine, type QueueContext } from '../machines/queue.machine.js';
import { replyWindowMachine } from '../machines/reply-window.machine.js';
import type { ReplyContext } from '../machines/reply-policy.js';
import { reportMachine } from '../machines/report.machine.js';
import type { RoutingConfig, RoutingDeps } from '../machines/routing-config.js';
import { THREADING_MAX_MS } from '../machines/conversation-threading.js';
import { type ConversationConfig, policyOverride, threadingWindowMs as windowOf } from './config/conversation.js';
import type { Channel } from '../protocol/channels.js';
import { stateName, type LabelledEvent, type MachineModel } from './paths-traverse.js';

/** What a model is built from: the routing configuration (and its conversation section), a channel. */
export interface ModelOptions {
  readonly routing: RoutingDeps & { conversation?: () => ConversationConfig };
  /** The channel of conversation and reply-window models (default whatsapp). */
  readonly channel?: Channel;
  /** Conversation threading window (default 72 h). */
  readonly threadingWindowMs?: number;
  /** Channel policy overrides of conversation and reply-window models. */
  readonly policy?: Partial<ChannelPolicy>;
  /** The agent an agent model is (default the first configured agent). */
  readonly agentId?: string;
  /** The queue a queue model is (default the first configured queue). */
  readonly queueId?: string;
}

const ctx = <T>(s: AnyMachineSnapshot) => s.context as T;
const top = (s: AnyMachineSnapshot) => (typeof s.value === 'string' ? s.value : Object.keys(s.value as object)[0]!);
const DELAY_NAMES: Record<string, string> = {
  affinityTimeout: 'affinity timeout',
  transferTimeout: 'transfer timeout',
  inactivityTimeout: 'inactivity timeout',
  freeFormWindow: 'free-form reply window',
  graceWindow: 'grace window',
  threadingWindow: 'threading window',
  pendingWindow: 'unanswered window',
};

/** An xstate delay id (`xstate.after.affinityTimeout.interaction.affinity`) or effect timer id for people. */
export function timerName(id: string): string {
  const after = /^xstate\.after\.([^.]+)\./.exec(id);
  if (after) return DELAY_NAMES[after[1]!] ?? after[1]!;
  if (id.startsWith('alert:')) return 'alerting timeout';
  if (id.startsWith('acw:') || id === 'peer:acw') return 'wrap-up time box';
  if (id === 'ring') return 'ring timeout';
  if (id === 'reminder') return "the reminder's delay";
  return id.replace(/^peer:/, '');
}

const CONV_USER = { channelUserId: 'u1', integrationId: 'i1' };

/** The machines `paths` knows, in the order `--list` prints them. */
export const MACHINE_NAMES = [
  'interaction',
  'agent',
  'queue',
  'conversation',
  'reply-window',
  'history',
  'contact',
  'identity',
  'access',
  'report',
  'counter',
] as const;
export type MachineName = (typeof MACHINE_NAMES)[number];

/** The model of a machine under a configuration; undefined for an unknown name. */
export function machineModel(name: string, options: ModelOptions): MachineModel | undefined {
  switch (name) {
    case 'interaction':
      return interactionModel(options.routing);
    case 'agent':
      return agentModel(options.routing, options.agentId);
    case 'queue':
      return queueModel(options.routing, options.queueId);
    case 'conversation':
    case 'threading':
      return conversationModel(options);
    case 'reply-window':
      return replyWindowModel(options);
    default:
      return SMALL[name as keyof typeof SMALL]?.();
  }
}

/** The first flow's integration (a concrete one when the flow matches any). */
function integrationOf(c: RoutingConfig): string {
  const ids = Object.keys(c.flows);
  const concrete = ids.find((id) => id !== '*');
  return concrete ?? 'wa1';
}

function membersOf(c: RoutingConfig, queueId: string | undefined): string[] {
  return Object.values(c.agents)
    .filter((a) => queueId !== undefined && a.queues.includes(queueId))
    .map((a) => a.id);
}

/** The interaction: flow → queue → offers → connected → wrap-up → waiting → back, by the configuration's rules. */
export function interactionModel(routing: RoutingDeps): MachineModel {
  const cfg = () => routing.config();
  const machine = createInteractionMachine(routing);
  const integrationId = integrationOf(cfg());
  const message = (text: string, n: number) => ({ messageId: `m${n}`, kind: 'text', text });
  return {
    name: 'interaction',
    summary: 'one customer request as routing sees it: flow, queue, offers, connected, wrap-up, return, close',
    logic: machine,
    input: { interactionId: 'ix1' },
    serialize: (s) => {
      const c = ctx<InteractionContext>(s);
      return JSON.stringify([s.value, c.queueId, c.agentId, c.lastAgentId, c.direct?.agentId]);
    },
    stateOf: (s) => stateName(s.value),
    timerLabel: timerName,
    stop: (s) => s.value === 'closed',
    peerTimers: (s): Record<string, readonly [number, EventObject]> => {
      const c = ctx<InteractionContext>(s);
      const q = c.queueId ? cfg().queues[c.queueId] : undefined;
      if (!q || (s.value as { wrapup?: string }).wrapup !== 'timeboxed') return {};
      const agentId = c.lastAgentId ?? c.agentId ?? '';
      const ev = { type: 'interaction.agent_wrapped_up', agentId, code: q.acw.defaultCode, by: 'timeout' };
      return { acw: [q.acw.timeoutSeconds * 1_000, ev] };
    },
    events: (s) => {
      const c = ctx<InteractionContext>(s);
      const config = cfg();
      const evs: LabelledEvent[] = [];
      const n = c.directSeq + 1;
      const agentName = (id: string | undefined) => (id ? (config.agents[id]?.name ?? id) : 'the agent');
      switch (top(s)) {
        case 'new': {
          const opened = (text: string, label: string) => ({
            type: 'interaction.opened',
            label,
            interactionId: 'ix1',
            conversationKey: `whatsapp:${integrationId}:u1`,
            contactId: 'c1',
            channel: 'whatsapp',
            integrationId,
            channelUserId: 'u1',
            message: message(text, 1),
          });
          evs.push(opened('hello', 'customer writes "hello"'));
          const flow = config.flows[integrationId] ?? config.flows['*'];
          for (const rule of flow?.keywordRules ?? []) {
            const word = rule.keywords[0];
            if (word) evs.push(opened(word, `customer writes "${word}"`));
          }
          break;
        }
        case 'queued': {
          const first = membersOf(config, c.queueId)[0];
          if (first)
            evs.push({
              type: 'interaction.offer_accepted',
              label: `an agent of ${c.queueId} accepts the offer`,
              offerId: `q${n}`,
              agentId: first,
              queueId: c.queueId,
            });
          evs.push({ type: 'interaction.customer_left', label: 'customer leaves', reason: 'closed_by_customer' });
          break;
        }
        case 'affinity':
        case 'transferring': {
          const d = c.direct;
          if (d) {
            const who = agentName(d.agentId);
            const via = top(s) === 'affinity' ? 'affinity' : 'transfer';
            evs.push(
              {
                type: 'interaction.offer_accepted',
                label: `${who} accepts the ${via} offer`,
                offerId: d.offerId,
                agentId: d.agentId,
                queueId: c.queueId,
                direct: true,
              },
              {
                type: 'interaction.direct_offer_resolved',
                label: `${who} declines the ${via} offer`,
                offerId: d.offerId,
                agentId: d.agentId,
                outcome: 'declined',
              },
            );
          }
          evs.push({ type: 'interaction.customer_left', label: 'customer leaves', reason: 'closed_by_customer' });
          break;
        }
        case 'connected': {
          const who = agentName(c.agentId);
          evs.push(
            {
              type: 'interaction.message_received',
              label: 'customer writes again',
              interactionId: 'ix1',
              message: message('more', 2),
            },
            { type: 'interaction.agent_disconnected', label: `${who} ends the conversation`, agentId: c.agentId },
          );
          const other = Object.keys(config.queues).find((q) => q !== c.queueId);
          if (other)
            evs.push({
              type: 'interaction.transfer_requested',
              label: `${who} transfers to queue ${other}`,
              agentId: c.agentId,
              target: { queueId: other },
            });
          const colleague = membersOf(config, c.queueId).find((a) => a !== c.agentId);
          if (colleague)
            evs.push({
              type: 'interaction.transfer_requested',
              label: `${who} transfers to ${agentName(colleague)}`,
              agentId: c.agentId,
              target: { agentId: colleague },
            });
          break;
        }
        case 'wrapup':
          evs.push(
            {
              type: 'interaction.agent_wrapped_up',
              label: `${agentName(c.lastAgentId)} submits a wrap-up code`,
              agentId: c.lastAgentId,
              code: 'Resolved',
            },
            returned(c, 'customer writes during wrap-up'),
          );
          break;
        case 'waiting':
          evs.push(returned(c, 'customer writes again'), {
            type: 'interaction.expired',
            label: 'threading window ends',
            interactionId: 'ix1',
          });
          break;
        case 'unroutable':
        case 'abandoned':
          evs.push({ type: 'interaction.expired', label: 'threading window ends', interactionId: 'ix1' });
          break;
      }
      return evs;
    },
  };
  function returned(c: InteractionContext, label: string): LabelledEvent {
    return {
      type: 'interaction.customer_returned',
      label,
      interactionId: 'ix1',
      conversationKey: c.conversationKey,
      message: message('back again', 3),
      ...(c.lastAgentId ? { lastAgentId: c.lastAgentId } : {}),
    };
  }
}

/** One agent: presence, offers granted or refused against capacity, connected work and wrap-up. */
export function agentModel(routing: RoutingDeps, agentId?: string): MachineModel {
  const cfg = () => routing.config();
  const id = agentId ?? Object.keys(cfg().agents)[0] ?? 'a1';
  const queues = cfg().agents[id]?.queues ?? [];
  return {
    name: 'agent',
    summary: `agent ${id}: presence, offers against capacity (RONA on alerting timeout), connected work, wrap-up`,
    logic: createAgentMachine(routing),
    input: { agentId: id },
    serialize: (s) => {
      const c = ctx<AgentContext>(s);
      const offers = Object.values(c.offers)
        .map((o) => `${o.queueId}:${o.mediaType}`)
        .sort()
        .join(',');
      const its = Object.values(c.interactions)
        .map((i) => `${i.queueId}:${i.mediaType}:${i.stage}`)
        .sort()
        .join(',');
      return `${String(s.value)}|${c.reason ?? ''}|${offers}|${its}|${Object.keys(c.pendingWrapups).length}`;
    },
    stateOf: (s) => {
      const c = ctx<AgentContext>(s);
      const load = Object.keys(c.offers).length + Object.keys(c.interactions).length;
      return `${String(s.value)}${c.reason ? ` (${c.reason})` : ''}${load ? `, holding ${load}` : ''}`;
    },
    timerLabel: timerName,
    events: (s) => {
      const c = ctx<AgentContext>(s);
      const n = c.stats.granted + c.stats.refused + 1;
      const evs: LabelledEvent[] = [
        { type: 'agent.logged_in', label: 'logs in' },
        { type: 'agent.logged_out', label: 'logs out' },
        {
          type: 'agent.presence_changed',
          label: `goes not ready (${cfg().notReadyReasons[0] ?? 'Pause'})`,
          presence: 'not_ready',
          reason: cfg().notReadyReasons[0] ?? 'Pause',
        },
        { type: 'agent.presence_changed', label: 'goes available', presence: 'available' },
      ];
      const load = Object.keys(c.offers).length + Object.keys(c.interactions).length;
      if (load < 2)
        for (const qid of queues) {
          const q = cfg().queues[qid];
          if (!q) continue;
          evs.push({
            type: 'agent.offer_requested',
            label: `queue ${qid} offers a ${q.mediaType}`,
            offerId: `o${n}`,
            interactionId: `i${n}`,
            conversationKey: `k${n}`,
            queueId: qid,
            from: { type: 'queue', key: qid },
            mediaType: q.mediaType,
            alertingTimeoutMs: q.alertingTimeoutSeconds * 1_000,
          });
        }
      for (const o of Object.values(c.offers))
        evs.push(
          { type: 'agent.offer_accepted', label: `accepts ${o.queueId} ${o.mediaType} offer`, offerId: o.offerId },
          { type: 'agent.offer_declined', label: `declines ${o.queueId} ${o.mediaType} offer`, offerId: o.offerId },
        );
      for (const it of Object.values(c.interactions)) {
        if (it.stage === 'connected')
          evs.push({
            type: 'agent.interaction_ended',
            label: `ends the ${it.queueId} ${it.mediaType}`,
            interactionId: it.interactionId,
          });
        else
          evs.push({
            type: 'agent.wrapup_submitted',
            label: `submits the ${it.queueId} wrap-up code`,
            interactionId: it.interactionId,
            code: 'Processed',
          });
      }
      for (const iid of Object.keys(c.pendingWrapups))
        evs.push({
          type: 'agent.wrapup_submitted',
          label: 'submits an optional wrap-up code',
          interactionId: iid,
          code: 'Processed',
        });
      return evs;
    },
  };
}

/** One queue: its waiting line, the agents' routable capacity it is told, offers in flight, ring timers. */
export function queueModel(routing: RoutingDeps, queueId?: string): MachineModel {
  const cfg = () => routing.config();
  const id = queueId ?? Object.keys(cfg().queues)[0] ?? 'q1';
  const agents = membersOf(cfg(), id).slice(0, 2);
  return {
    name: 'queue',
    summary: `queue ${id}: waiting line by priority, offers to the members the strategy picks, bullseye rings`,
    logic: createQueueMachine(routing),
    input: { queueId: id },
    serialize: (s) => {
      const c = ctx<QueueContext>(s);
      const w = c.waiting.map((e) => `${e.priority}${e.skills.join('')}${e.offer ? `>${e.offer.agentId}` : ''}`);
      const a = Object.values(c.agents)
        .map((x) => `${x.agentId}${x.routable ? '+' : '-'}${x.outstanding}`)
        .sort();
      return `${String(s.value)}|${w.join(',')}|${a.join(',')}`;
    },
    stateOf: (s) => {
      const c = ctx<QueueContext>(s);
      const offered = c.waiting.filter((e) => e.offer).length;
      return `${String(s.value)}${c.waiting.length ? ` (${c.waiting.length} waiting, ${offered} offered)` : ''}`;
    },
    timerLabel: timerName,
    events: (s) => {
      const c = ctx<QueueContext>(s);
      const n = c.stats.enqueued + 1;
      const evs: LabelledEvent[] = [];
      if (c.waiting.length < 2)
        evs.push({
          type: 'queue.interaction_enqueued',
          label: 'an interaction joins',
          interactionId: `e${n}`,
          conversationKey: `k${n}`,
        });
      for (const a of agents) {
        const v = (c.agents[a]?.version ?? 0) + 1;
        const skills = cfg().agents[a]?.skills ?? {};
        const routable = c.agents[a]?.routable ?? false;
        evs.push({
          type: 'queue.agent_updated',
          label: routable ? `${a} stops being routable` : `${a} becomes available`,
          agentId: a,
          routable: !routable,
          free: { [cfg().queues[id]?.mediaType ?? 'message']: 1 },
          idleSince: 0,
          skills,
          version: v,
        });
      }
      for (const e of c.waiting)
        if (e.offer)
          for (const outcome of ['accepted', 'declined', 'timed_out'])
            evs.push({
              type: 'queue.offer_resolved',
              label: `${e.offer.agentId} ${outcome.replace('_', ' ')} the offer`,
              offerId: e.offer.offerId,
              interactionId: e.interactionId,
              agentId: e.offer.agentId,
              outcome,
            });
      if (c.waiting[0])
        evs.push({
          type: 'queue.interaction_withdrawn',
          label: 'the first in line leaves',
          interactionId: c.waiting[0].interactionId,
          reason: 'closed_by_customer',
        });
      return evs;
    },
  };
}

function inbound(channel: Channel, label: string, n: number, extra: Record<string, unknown> = {}): LabelledEvent {
  return {
    type: 'message.received',
    label,
    channel,
    ...CONV_USER,
    messageId: `m${n}`,
    kind: 'text',
    text: 'hello',
    ...extra,
  };
}

function reply(label: string, n: number, body: Record<string, unknown>): LabelledEvent {
  return { type: 'reply.requested', label, requestId: `r${n}`, sender: { kind: 'agent', agentId: 'a1' }, ...body };
}

/** A conversation: threading (pending → connected → waiting → idle) beside its channel's reply window. */
export function conversationModel(options: ModelOptions): MachineModel {
  const channel = options.channel ?? 'whatsapp';
  const conv = options.routing.conversation?.();
  const threadingWindowMs = options.threadingWindowMs ?? (conv ? windowOf(conv, channel, 'i1') : THREADING_MAX_MS);
  const policy = { ...(conv ? policyOverride(conv, channel) : {}), ...options.policy };
  return {
    name: 'conversation',
    summary: `a ${channel} conversation: threading of interactions and the channel's reply window`,
    logic: conversationMachine,
    input: { conversationKey: `${channel}:i1:u1`, threadingWindowMs, policy },
    serialize: (s) => {
      const c = ctx<ConversationContext>(s);
      const w = c.window;
      return JSON.stringify([s.value, !!c.current?.lastAgentId, w.extraLeft, w.repliesLeft, w.optedOut]);
    },
    stateOf: (s) => stateName(s.value),
    timerLabel: timerName,
    events: (s) => {
      const c = ctx<ConversationContext>(s);
      const n = c.seq + 1;
      const iid = c.current?.interactionId ?? 'none';
      const v = s.value as { threading: unknown };
      const connected = JSON.stringify(v.threading).includes('connected');
      const evs: LabelledEvent[] = [
        inbound(channel, 'customer writes', n),
        reply('agent replies free-form', n, { kind: 'text', text: 'free-form reply' }),
      ];
      if (c.policy.templatesOutsideWindow)
        evs.push(
          reply('agent sends a template', n, { kind: 'template', template: { name: 'follow_up', language: 'en' } }),
        );
      if (c.current && !connected)
        evs.push({ type: 'interaction.connected', label: 'an agent connects', interactionId: iid, agentId: 'a1' });
      if (connected)
        evs.push({ type: 'interaction.disconnected', label: 'the agent leaves', interactionId: iid, agentId: 'a1' });
      return evs;
    },
  };
}

/** The reply-window policy alone (as the conversation's `window` region), for one channel. */
export function replyWindowModel(options: ModelOptions): MachineModel {
  const channel = options.channel ?? 'whatsapp';
  return {
    name: 'reply-window',
    summary: `the ${channel} reply window: free-form, tags, templates, keywords, opt-in`,
    logic: replyWindowMachine,
    input: { conversationKey: `${channel}:i1:u1`, policy: options.policy },
    serialize: (s) => {
      const w = ctx<ReplyContext>(s).window;
      return JSON.stringify([s.value, w.extraLeft, w.repliesLeft, w.optedOut, w.optedIn]);
    },
    stateOf: (s) => stateName(s.value),
    timerLabel: timerName,
    events: (s) => {
      const c = ctx<ReplyContext>(s);
      const p = c.policy;
      const n = ctx<{ seq?: number }>(s).seq ?? 0;
      const evs: LabelledEvent[] = [
        inbound(channel, 'customer writes', n),
        reply('agent replies free-form', n, { kind: 'text', text: 'free-form reply' }),
      ];
      if (p.templatesOutsideWindow)
        evs.push(
          reply('agent sends a template', n, { kind: 'template', template: { name: 'follow_up', language: 'en' } }),
        );
      for (const tag of Object.keys(p.tags))
        evs.push(reply(`agent replies tagged ${tag}`, n, { kind: 'text', text: 'tagged', tag }));
      if (p.keywords)
        evs.push(
          inbound(channel, `customer writes "${p.keywords.optOut[0] ?? 'stop'}"`, n, {
            text: p.keywords.optOut[0] ?? 'stop',
          }),
        );
      if (p.keywords)
        evs.push(
          inbound(channel, `customer writes "${p.keywords.optIn[0] ?? 'start'}"`, n, {
            text: p.keywords.optIn[0] ?? 'start',
          }),
        );
      if (p.businessInitiated === 'template_with_opt_in')
        evs.push({ type: 'contact.opted_in', label: 'customer opts in', channel, ...CONV_USER, messageId: 'optin' });
      return evs;
    },
  };
}

/** Machines with one state: their paths are the data they accumulate. */
const one = (
  name: string,
  summary: string,
  logic: MachineModel['logic'],
  serialize: (s: AnyMachineSnapshot) => string,
  events: (s: AnyMachineSnapshot) => LabelledEvent[],
): MachineModel => ({
  name,
  summary,
  logic,
  input: undefined,
  serialize,
  stateOf: serialize,
  timerLabel: timerName,
  events,
});

const SMALL = {
  history: () =>
    one(
      'history',
      'one page of a conversation history: appends land once, delivery status only moves forward',
      historyMachine,
      (s) => {
        const e = ctx<HistoryContext>(s).entries[1];
        return e ? `entry ${e.status ?? 'inbound'}${e.deleted ? ', unsent' : ''}` : 'empty';
      },
      () => [
        {
          type: 'history.appended',
          label: 'an outbound message is appended',
          entry: {
            seq: 1,
            messageId: 'c.1',
            at: 0,
            direction: 'outbound',
            kind: 'text',
            text: 'hi',
            status: 'pending',
          },
        },
        ...(['sent', 'delivered', 'read', 'failed'] as const).map((status) => ({
          type: 'history.status_updated',
          label: `the provider reports ${status}`,
          seq: 1,
          status,
          at: 0,
        })),
        { type: 'history.unsent', label: 'the customer unsends it', seq: 1, at: 0 },
      ],
    ),
  contact: () =>
    one(
      'contact',
      'one person: channel identities, verified phones and e-mails, merged into another contact',
      contactMachine,
      (s) => {
        const c = ctx<ContactContext>(s);
        return `${c.identities.length} identities, ${c.verified.length} verified${c.mergedInto ? ', merged' : ''}`;
      },
      (s) => {
        const n = ctx<ContactContext>(s).identities.length + 1;
        const key = `whatsapp:i1:u${n}`;
        return [
          ...(n > 2
            ? []
            : [
                {
                  type: 'contact.identity_added',
                  label: 'a new channel identity',
                  identity: { channel: 'whatsapp', integrationId: 'i1', channelUserId: `u${n}`, conversationKey: key },
                },
              ]),
          { type: 'contact.verified_added', label: 'a verified phone', kind: 'phone', value: '+15551234567' },
          { type: 'contact.merged', label: 'merged into c0', into: 'c0' },
        ];
      },
    ),
  identity: () =>
    one(
      'identity',
      'one verified identity: the first contact to claim it owns it, later claims link to it',
      identityMachine,
      (s) => `owner ${ctx<{ owner?: string }>(s).owner ?? 'none'}`,
      () =>
        ['c1', 'c2'].map((contactId) => ({
          type: 'identity.claimed',
          label: `${contactId} claims it`,
          contactId,
          conversationKey: `whatsapp:i1:${contactId}`,
        })),
    ),
  access: () =>
    one(
      'access',
      'which agents held a conversation (scopes their reads of its history)',
      accessMachine,
      (s) => `agents ${Object.keys(ctx<{ agents: object }>(s).agents).sort().join(',') || 'none'}`,
      () =>
        ['a1', 'a2'].map((agentId) => ({
          type: 'access.granted',
          label: `${agentId} accepts an interaction`,
          agentId,
          interactionId: 'ix1',
        })),
    ),
  report: () =>
    one(
      'report',
      "one entity's per-day report: sums of counted facts per 15-minute interval",
      reportMachine,
      (s) => `facts ${Math.min(ctx<{ facts: number }>(s).facts, 2)}`,
      () => [
        {
          type: 'report.counted',
          label: 'a fact is counted',
          rows: [{ interval: 0, dim: 'all', add: { offered: 1 } }],
        },
      ],
    ),
  counter: () => ({
    ...one(
      'counter',
      "the runtime's reference actor: counts, and keeps one cancellable durable reminder",
      counterMachine,
      (s) => {
        const c = ctx<{ count: number; fired: number }>(s);
        return `count ${Math.min(c.count, 2)}, fired ${Math.min(c.fired, 1)}`;
      },
      () => [
        { type: 'count.incremented', label: 'count' },
        { type: 'reminder.requested', label: 'ask for a reminder in 60 s', delayMs: 60_000 },
        { type: 'reminder.cancelled', label: 'cancel the reminder' },
      ],
    ),
  }),
} satisfies Record<string, () => MachineModel>;

/** The events of a model, without the labels (for tools that only want the machine's own events). */
export function bareEvent(e: LabelledEvent): EventObject {
  const { label: _label, ...rest } = e;
  return rest;
}
