/**
 * The supervisor dashboard: live queue and agent boards (pushed by the engine, never reloaded),
 * each agent's presence changeable from its row, a drill-down to an agent and to a conversation's
 * transcript, and the interval charts with their CSV.
 */
import { useEffect, useState } from 'preact/hooks';
import { signOut } from './api.js';
import {
  type AgentBoard,
  board,
  dismissError,
  type QueueBoard,
  setAgentPresence,
  showAgent,
  showTranscript,
  startBoard,
  stopBoard,
} from './board.js';
import { AgentDetail, presenceText, Transcript } from './drill.js';
import { Intervals } from './intervals.js';
import { SignedIn } from './signin.js';
import { duration, engineClock, html, mount, Refusal, useStore, useTick } from './ui.js';

const pct = (v: number | null) => (v === null ? '—' : `${v} %`);

function QueueRowView({ q }: { q: QueueBoard }) {
  const wait = q.oldestWaiting ? engineClock.now() - q.oldestWaiting.enqueuedAt : 0;
  return html`<tr data-queue=${q.queueId}>
    <th scope="row">${q.name}</th>
    <td class="num">${q.waiting}</td>
    <td class="num">${q.offering}</td>
    <td>
      ${
        q.oldestWaiting
          ? html`<button type="button" class="link" onClick=${() => showTranscript(q.oldestWaiting!.conversationKey)}
              aria-label=${`Longest wait in ${q.name}: ${duration(wait)}; show its transcript`}>${duration(wait)}</button>`
          : '—'
      }
    </td>
    <td class="num">${q.connected}</td>
    <td class="num">${q.wrapup}</td>
    <td class="num">${q.agents.available ?? 0} / ${q.agents.not_ready ?? 0} / ${q.agents.offline ?? 0}</td>
    <td class="num">${q.today.answered}</td>
    <td class="num">${q.today.abandoned}</td>
    <td class="num">${pct(q.today.serviceLevelPct)}</td>
    <td class="num">${pct(q.last30Min.serviceLevelPct)}</td>
  </tr>`;
}

function Queues() {
  const s = useStore(board);
  const waiting = s.queues.reduce((a, q) => a + q.waiting, 0);
  return html`<section class="panel" aria-labelledby="queues-title">
    <header><h2 id="queues-title">Queues</h2><span class="hint" role="status">${waiting} waiting</span></header>
    <div class="scroll">
      <table class="grid board" aria-labelledby="queues-title">
        <thead>
          <tr>
            <th scope="col">Queue</th><th scope="col">Waiting</th><th scope="col">Offering</th><th scope="col">Longest wait</th>
            <th scope="col">Connected</th><th scope="col">Wrap-up</th><th scope="col"><abbr title="Available / not ready / offline">Agents</abbr></th>
            <th scope="col">Answered today</th><th scope="col">Abandoned today</th><th scope="col">SL today</th><th scope="col">SL 30 min</th>
          </tr>
        </thead>
        <tbody>
          ${s.queues.map((q) => html`<${QueueRowView} key=${q.queueId} q=${q} />`)}
        </tbody>
      </table>
    </div>
  </section>`;
}

function held(a: AgentBoard): string {
  const c = Object.values(a.interactions).reduce((n, h) => n + h.connected, 0);
  const w = Object.values(a.interactions).reduce((n, h) => n + h.wrapup, 0) + a.pendingWrapups;
  return `${c} connected${w ? `, ${w} wrap-up` : ''}${a.offers ? `, ${a.offers} alerting` : ''}`;
}

function AgentRowView({ a, reasons }: { a: AgentBoard; reasons: string[] }) {
  const value = a.presence === 'not_ready' ? `not_ready:${a.reason ?? ''}` : a.presence;
  const options = [...reasons];
  if (a.presence === 'not_ready' && a.reason && !options.includes(a.reason)) options.push(a.reason);
  return html`<tr data-agent=${a.agentId} class=${a.presence}>
    <th scope="row">
      <button type="button" class="link" onClick=${() => showAgent(a.agentId)} aria-label=${`Details of ${a.name}`}>${a.name}</button>
    </th>
    <td class="presence-cell"><span class=${`dot ${a.presence}`} aria-hidden="true"></span> ${presenceText(a.presence, a.reason)}</td>
    <td>${a.presenceSince ? duration(engineClock.now() - a.presenceSince) : '—'}</td>
    <td>${held(a)}</td>
    <td>${a.queues.join(', ')}</td>
    <td>
      <select aria-label=${`Set presence of ${a.name}`} value=${value} onChange=${(e: Event) => setAgentPresence(a.agentId, (e.target as HTMLSelectElement).value)}>
        <option value="available">Available</option>
        ${options.map((r) => html`<option value=${`not_ready:${r}`}>Not ready — ${r}</option>`)}
        ${a.presence === 'not_ready' && !a.reason ? html`<option value="not_ready:">Not ready</option>` : null}
        <option value="offline">Offline</option>
      </select>
    </td>
  </tr>`;
}

function Agents() {
  const s = useStore(board);
  const [filter, setFilter] = useState('');
  const shown = s.agents.filter((a) =>
    `${a.name} ${a.agentId} ${a.queues.join(' ')}`.toLowerCase().includes(filter.toLowerCase()),
  );
  const count = (p: string) => s.agents.filter((a) => a.presence === p).length;
  return html`<section class="panel" aria-labelledby="agents-title">
    <header>
      <h2 id="agents-title">Agents</h2>
      <span class="hint" role="status">${count('available')} available · ${count('not_ready')} not ready · ${count('offline')} offline</span>
      <label class="filter">Filter agents <input type="search" value=${filter} onInput=${(e: Event) => setFilter((e.target as HTMLInputElement).value)} /></label>
    </header>
    <div class="scroll">
      <table class="grid board" aria-labelledby="agents-title">
        <thead>
          <tr><th scope="col">Agent</th><th scope="col">Presence</th><th scope="col">For</th><th scope="col">Holding</th><th scope="col">Queues</th><th scope="col">Change presence</th></tr>
        </thead>
        <tbody>
          ${shown.map((a) => html`<${AgentRowView} key=${a.agentId} a=${a} reasons=${s.reasons} />`)}
        </tbody>
      </table>
    </div>
  </section>`;
}

function Dashboard() {
  useTick(5_000);
  const s = useStore(board);
  const [bootError, setBootError] = useState<Error | undefined>();
  useEffect(() => {
    startBoard().catch(setBootError);
    return stopBoard;
  }, []);
  return html`<div class="dashboard">
    <header class="topbar">
      <h1>Switchboard — supervisor dashboard</h1>
      <span class=${`conn ${s.connected ? 'on' : 'off'}`} role="status">${s.connected ? 'Live' : 'Reconnecting…'}</span>
      <a class="topbar-link" href="/ui/admin">Administration</a>
      <button type="button" class="link" onClick=${() => {
        stopBoard();
        void signOut().then(() => location.reload());
      }}>Sign out</button>
    </header>
    <${Refusal} error=${bootError ?? s.error} onDismiss=${dismissError} />
    <main class="boards">
      <${Queues} />
      <div class="split">
        <${Agents} />
        ${s.agent || s.transcript ? html`<aside class="drills" aria-label="Details">${s.agent ? html`<${AgentDetail} agentId=${s.agent} />` : null}${s.transcript ? html`<${Transcript} conversationKey=${s.transcript} />` : null}</aside>` : null}
      </div>
      ${s.ready ? html`<${Intervals} />` : null}
    </main>
  </div>`;
}

function App() {
  return html`<${SignedIn} role="supervisor" title="Supervisor dashboard">${() => html`<${Dashboard} />`}</${SignedIn}>`;
}

void mount(App);
