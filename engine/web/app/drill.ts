/**
 * The dashboard's drill-downs: one agent (presence, what it holds now, today's figures from the
 * agent report) and one conversation's transcript as the engine stored it.
 */
import { useEffect, useState } from 'preact/hooks';
import { request } from './api.js';
import {
  type AgentNow,
  agentNow,
  board,
  type HistoryEntry,
  showAgent,
  showTranscript,
  TZ,
  transcriptOf,
} from './board.js';
import { channelLabel, channelOf, duration, engineClock, html, Refusal, timeText, useStore } from './ui.js';

interface AgentRow {
  answered: number;
  handled: number;
  transfers: number;
  rona: number;
  ahtMs: number | null;
  loggedInMs: number;
  availableMs: number;
  notReadyMs: number;
  occupancyPct: number | null;
}

export function AgentDetail({ agentId }: { agentId: string }) {
  const s = useStore(board);
  const a = s.agents.find((x) => x.agentId === agentId);
  const [now, setNow] = useState<AgentNow | undefined>();
  const [today, setToday] = useState<AgentRow | undefined>();
  const [error, setError] = useState<Error | undefined>();
  // Reread when the agent's board changes (the feed says something moved).
  useEffect(() => {
    agentNow(agentId).then(setNow, setError);
    request<{ rows: AgentRow[] }>(
      'GET',
      `/reports/agents?interval=day&agent=${encodeURIComponent(agentId)}&tz=${encodeURIComponent(TZ)}`,
    ).then((r) => setToday(r.rows[0]), setError);
  }, [agentId, a?.at]);
  return html`<section class="panel drill" aria-labelledby="agent-title">
    <header>
      <h2 id="agent-title">${a?.name ?? agentId}</h2>
      <button type="button" class="link" onClick=${() => showAgent(undefined)}>Close</button>
    </header>
    <${Refusal} error=${error} onDismiss=${() => setError(undefined)} />
    <p>
      ${a ? html`<span class=${`dot ${a.presence}`} aria-hidden="true"></span> ${presenceText(a.presence, a.reason)}` : null}
      ${a?.presenceSince ? ` for ${duration(engineClock.now() - a.presenceSince)}` : ''} · queues ${a?.queues.join(', ') || 'none'}
    </p>
    <h3>Holding now</h3>
    ${
      now && now.interactions.length > 0
        ? html`<ul class="held">
            ${now.interactions.map(
              (i) => html`<li>
                ${channelLabel(channelOf(i.conversationKey))} · queue ${i.queueId} · ${i.stage} for ${duration(engineClock.now() - i.since)}
                <button type="button" class="link" onClick=${() => showTranscript(i.conversationKey)}>Transcript</button>
              </li>`,
            )}
          </ul>`
        : html`<p class="hint">${now ? 'Nothing.' : 'Loading…'}</p>`
    }
    <h3>Today</h3>
    ${
      today
        ? html`<dl class="figures">
            <div><dt>Answered</dt><dd>${today.answered}</dd></div>
            <div><dt>Handled</dt><dd>${today.handled}</dd></div>
            <div><dt>Transfers</dt><dd>${today.transfers}</dd></div>
            <div><dt>Missed (RONA)</dt><dd>${today.rona}</dd></div>
            <div><dt>AHT</dt><dd>${today.ahtMs === null ? '—' : duration(today.ahtMs)}</dd></div>
            <div><dt>Signed in</dt><dd>${duration(today.loggedInMs)}</dd></div>
            <div><dt>Available</dt><dd>${duration(today.availableMs)}</dd></div>
            <div><dt>Not ready</dt><dd>${duration(today.notReadyMs)}</dd></div>
            <div><dt>Occupancy</dt><dd>${today.occupancyPct === null ? '—' : `${today.occupancyPct} %`}</dd></div>
          </dl>`
        : html`<p class="hint">Loading…</p>`
    }
  </section>`;
}

export function presenceText(presence: string, reason: string | null | undefined): string {
  if (presence === 'available') return 'Available';
  if (presence === 'not_ready') return `Not ready${reason ? ` — ${reason}` : ''}`;
  return 'Offline';
}

function who(e: HistoryEntry): string {
  if (e.direction === 'inbound') return 'Customer';
  if (e.sender?.kind === 'agent')
    return board.get().agents.find((a) => a.agentId === e.sender?.agentId)?.name ?? `Agent ${e.sender.agentId}`;
  return 'Automatic';
}

export function Transcript({ conversationKey }: { conversationKey: string }) {
  const [entries, setEntries] = useState<HistoryEntry[] | undefined>();
  const [error, setError] = useState<Error | undefined>();
  useEffect(() => {
    setEntries(undefined);
    transcriptOf(conversationKey).then(setEntries, setError);
  }, [conversationKey]);
  return html`<section class="panel drill" aria-labelledby="transcript-title">
    <header>
      <h2 id="transcript-title">Transcript · ${channelLabel(channelOf(conversationKey))}</h2>
      <button type="button" class="link" onClick=${() => showTranscript(undefined)}>Close</button>
    </header>
    <p class="hint"><code>${conversationKey}</code></p>
    <${Refusal} error=${error} onDismiss=${() => setError(undefined)} />
    ${
      entries
        ? html`<ol class="script" aria-label="Transcript">
            ${entries.map(
              (e) => html`<li class=${e.direction}>
                <span class="from">${e.direction === 'event' ? e.kind.replaceAll('.', ' ') : who(e)} · <time>${timeText(e.at)}</time></span>
                ${e.text ? html`<p>${e.text}</p>` : null}
                ${e.template ? html`<p>Template ${e.template.name} (${e.template.language})${e.template.params?.length ? `: ${e.template.params.join(', ')}` : ''}</p>` : null}
                ${(e.media ?? []).map((m) => html`<p>[${m.mimeType ?? 'media'}] ${m.caption ?? ''}</p>`)}
                ${e.direction === 'outbound' && e.status ? html`<span class="hint">${e.status}</span>` : null}
              </li>`,
            )}
          </ol>`
        : error
          ? null
          : html`<p class="hint">Loading…</p>`
    }
  </section>`;
}
