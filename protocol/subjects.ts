/** Every NATS subject and stream name Switchboard uses is built here and nowhere else. */
import { CHANNELS } from './channels.js';

export const STREAMS = {
  /**
   * Inboxes of actors, one subject per partition; gateways publish on `sb.inbound.<partition>`,
   * the only actor subjects their NATS credential allows, and the engine accepts only customer
   * events and delivery statuses from there.
   */
  actors: { name: 'SB_ACTORS', subjects: ['sb.actor.>', 'sb.inbound.>'] },
  /** Effects leaving the engine: outbound channel messages, reporting records, live updates. */
  effects: { name: 'SB_EFFECTS', subjects: ['sb.outbound.>', 'sb.record.>', 'sb.live.>'] },
  /** Envelopes an actor could not apply (terminal errors), kept for an operator to inspect. */
  dead: { name: 'SB_DEAD', subjects: ['sb.dead.>'] },
  /** Audit records: admin and supervisor actions, sign-ins, refused authorizations. */
  audit: { name: 'SB_AUDIT', subjects: ['sb.audit.>'] },
} as const;

const TOKEN = /^[A-Za-z0-9_-]+$/;

/** Throws when a value cannot be used as one NATS subject token. */
export function assertToken(value: string, what: string): string {
  if (!TOKEN.test(value)) {
    throw new TypeError(`${what} "${value}" is not a valid subject token (letters, digits, _ and - only)`);
  }
  return value;
}

export const subjects = {
  /** The inbox subject of one partition. */
  actor: (partition: number): string => `sb.actor.${partition}`,
  /** Outbound messages for one channel's delivery workers. */
  outbound: (channel: string): string => `sb.outbound.${assertToken(channel, 'channel')}`,
  /** Reporting records of one kind (interaction stages, refusals, …). */
  record: (kind: string): string => `sb.record.${assertToken(kind.replaceAll('.', '_'), 'record kind')}`,
  /** Live updates for one topic (an agent's feed, a queue's board). */
  live: (topic: string): string =>
    `sb.live.${topic
      .split('.')
      .map((t) => assertToken(t, 'live topic'))
      .join('.')}`,
  /**
   * Typing indicators of one conversation, either way: core NATS only (in no stream), because
   * a typing signal is worth nothing a few seconds later. The key is base64url-encoded into one token.
   */
  typing: (conversationKey: string): string => `sb.typing.${Buffer.from(conversationKey).toString('base64url')}`,
  /** Every conversation's typing subject (gateways listen for the agents' side). */
  typingAll: 'sb.typing.>',
  /** Where gateways publish customer events and delivery statuses for one partition. */
  inbound: (partition: number): string => `sb.inbound.${partition}`,
  /** Every partition's gateway subject (a gateway's publish permission). */
  inboundAll: 'sb.inbound.*',
  /** Audit records by outcome (refused, done, failed). */
  audit: (outcome: string): string => `sb.audit.${assertToken(outcome, 'audit outcome')}`,
  /** Dead letters of one partition. */
  dead: (partition: number): string => `sb.dead.${partition}`,
};

/** The conversation key of a typing subject, or undefined. */
export function conversationOfTypingSubject(subject: string): string | undefined {
  const token = subject.startsWith('sb.typing.') ? subject.slice('sb.typing.'.length) : '';
  if (!TOKEN.test(token)) return undefined;
  return Buffer.from(token, 'base64url').toString('utf8');
}

/** The durable consumer a gateway's delivery worker pulls one channel's outbound messages from. */
export function gatewayDeliveryConsumer(channel: string): string {
  return `sb-gw-${assertToken(channel, 'channel')}`;
}

/**
 * The inbox prefix of gateway connections: JetStream acknowledgements and pulled messages come
 * back under it, so a gateway's credential may subscribe to it without seeing anyone else's
 * replies (an engine's pulls arrive on `_INBOX.>`).
 */
export const GATEWAY_INBOX_PREFIX = '_GW_INBOX';

/** What one NATS user may publish and subscribe to (the nats-server `permissions` block, allow lists). */
export interface NatsPermissions {
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
}

/**
 * A gateway's NATS permissions: publish customer events and delivery statuses (`sb.inbound.*`,
 * which the engine checks), check Switchboard's streams, create, pull and acknowledge its
 * channels' delivery consumers (`sb.outbound.<channel>` only), receive its own inbox and the
 * agents' typing. Nothing else: no actor inbox, audit, live feed, stream or consumer admin.
 */
export function gatewayNatsPermissions(channels: readonly string[] = CHANNELS): NatsPermissions {
  const api = '$JS.API';
  const effects = STREAMS.effects.name;
  return {
    publish: [
      subjects.inboundAll,
      `${api}.INFO`,
      `${api}.STREAM.INFO.${STREAMS.actors.name}`,
      `${api}.STREAM.INFO.${effects}`,
      ...channels.flatMap((channel) => {
        const consumer = gatewayDeliveryConsumer(channel);
        return [
          `${api}.CONSUMER.INFO.${effects}.${consumer}`,
          // The create subject names the filter (nats.js on servers ≥ 2.9), so no other subject can be consumed.
          `${api}.CONSUMER.CREATE.${effects}.${consumer}.${subjects.outbound(channel)}`,
          `${api}.CONSUMER.MSG.NEXT.${effects}.${consumer}`,
          `$JS.ACK.${effects}.${consumer}.>`,
        ];
      }),
    ],
    subscribe: [`${GATEWAY_INBOX_PREFIX}.>`, subjects.typingAll],
  };
}
