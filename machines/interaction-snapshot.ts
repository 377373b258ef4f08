/**
 * The interaction's stage as one word (for APIs, reports and tests), and the upgrade of
 * snapshots stored before the stages were states: then the machine had a single state and kept
 * the stage as a string in its context (`context.stage`, with `direct.reason` telling an
 * affinity offer from a transfer). An old snapshot is mapped to the state it describes; the
 * durable timers stored with it (`direct`, `inactivity`) still fire, as the events the machine
 * still accepts (`interaction.direct_expired`, `interaction.inactivity_expired`).
 */

/** The top-level states of the interaction machine. */
export type InteractionStage =
  | 'new'
  | 'affinity'
  | 'transferring'
  | 'queued'
  | 'connected'
  | 'wrapup'
  | 'waiting'
  | 'abandoned'
  | 'closed'
  | 'unroutable';

/** The stage of an interaction snapshot: its top-level state. */
export function interactionStage(snapshot: { readonly value: unknown }): InteractionStage {
  const v = snapshot.value;
  return (typeof v === 'string' ? v : Object.keys(v as object)[0]) as InteractionStage;
}

interface PersistedLike {
  readonly value?: unknown;
  readonly context?: Record<string, unknown>;
  readonly [k: string]: unknown;
}

/** Maps a stored snapshot of the old shape (stage in context) to the statechart's; others pass unchanged. */
export function upgradeInteractionSnapshot(persisted: unknown): unknown {
  const p = persisted as PersistedLike;
  const ctx = p?.context;
  if (!ctx || typeof ctx.stage !== 'string') return persisted;
  const { stage, direct, ...rest } = ctx as { stage: string; direct?: Record<string, unknown> } & Record<
    string,
    unknown
  >;
  const value: unknown =
    stage === 'direct'
      ? direct?.reason === 'transfer'
        ? 'transferring'
        : 'affinity'
      : stage === 'connected'
        ? // Its inactivity timer, if any, is the old `inactivity` row, which still fires.
          { connected: 'unwatched' }
        : stage === 'wrapup'
          ? { wrapup: 'optional' }
          : stage;
  const context = direct
    ? { ...rest, direct: { offerId: direct.offerId, agentId: direct.agentId, at: direct.at } }
    : rest;
  return { ...p, value, context };
}
