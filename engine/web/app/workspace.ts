/**
 * The agent workspace: sign in, presence with not-ready reasons, offers that alert with their
 * countdown, one tab per interaction, and the conversation of the selected tab. Shortcuts:
 * Alt+A accepts the oldest offer, Alt+D declines it, Alt+→ / Alt+← move between tabs,
 * Ctrl+Enter sends (conversation.ts).
 */
import { useEffect, useState } from 'preact/hooks';
import { signOut } from './api.js';
import { Conversation } from './conversation.js';
import {
  accept,
  cycleTab,
  decline,
  desk,
  type Offer,
  selectTab,
  setPresence,
  startDesk,
  stopDesk,
  type Tab,
} from './desk.js';
import { SignedIn } from './signin.js';
import {
  ChannelBadge,
  channelLabel,
  channelOf,
  clockText,
  duration,
  engineClock,
  html,
  mount,
  Refusal,
  useStore,
  useTick,
} from './ui.js';

function Presence() {
  const s = useStore(desk);
  const reasons = s.boot?.notReadyReasons ?? [];
  const value = s.presence === 'not_ready' ? `not_ready:${s.reason ?? ''}` : s.presence;
  const change = (e: Event) => {
    const v = (e.target as HTMLSelectElement).value;
    const [presence, reason] = v.split(':');
    void setPresence(presence!, reason || undefined);
  };
  return html`<label class="presence">
    <span class=${`dot ${s.presence}`} aria-hidden="true"></span>
    <span class="sr-only">Presence</span>
    <select value=${value} onChange=${change} aria-label="Presence">
      <option value="available">Available</option>
      ${reasons.map((r) => html`<option value=${`not_ready:${r}`}>Not ready — ${r}</option>`)}
      ${s.reason === 'RONA' ? html`<option value="not_ready:RONA">Not ready — RONA (missed an offer)</option>` : null}
      <option value="offline">Offline</option>
    </select>
  </label>`;
}

function OfferCard({ offer, first }: { offer: Offer; first: boolean }) {
  useTick(1_000);
  const now = engineClock.now();
  const left = offer.expiresAt - now;
  const waited = now - (offer.info?.enqueuedAt ?? offer.at);
  const queue = desk.get().boot?.queues.find((q) => q.id === offer.queueId);
  const channel = offer.info?.channel ?? channelOf(offer.conversationKey);
  const total = Math.max(1, offer.expiresAt - offer.at);
  return html`<article class="offer" aria-labelledby=${`offer-${offer.offerId}`}>
    <header>
      <${ChannelBadge} channel=${channel} />
      <h2 id=${`offer-${offer.offerId}`}>${offer.customer ?? 'New customer'} on ${channelLabel(channel)}</h2>
    </header>
    <p class="meta">
      Queue <strong>${queue?.name ?? offer.queueId}</strong> · waited ${duration(waited)}
      ${offer.direct ? html` · <em>${offer.info?.reason === 'transfer' ? 'transferred to you' : 'returning customer'}</em>` : null}
    </p>
    ${offer.info?.preview ? html`<blockquote>${offer.info.preview}</blockquote>` : null}
    <div class="countdown" role="timer" aria-label="Time left to answer">
      <progress max=${total} value=${Math.max(0, left)}></progress>
      <span>${clockText(left)} left</span>
    </div>
    <div class="actions">
      <button type="button" class="primary" onClick=${() => accept(offer.offerId)} aria-keyshortcuts=${first ? 'Alt+A' : undefined}>
        Accept${first ? html` <kbd>Alt+A</kbd>` : null}
      </button>
      <button type="button" onClick=${() => decline(offer.offerId)} aria-keyshortcuts=${first ? 'Alt+D' : undefined}>
        Decline${first ? html` <kbd>Alt+D</kbd>` : null}
      </button>
    </div>
  </article>`;
}

function TabButton({ tab, active }: { tab: Tab; active: boolean }) {
  const name = tab.detail?.contact.displayName ?? 'Customer';
  const stage =
    tab.stage === 'wrapup' || tab.stage === 'wrapup_optional' ? 'wrap-up' : tab.stage === 'ended' ? 'ended' : '';
  return html`<button
    type="button"
    role="tab"
    id=${`tab-${tab.interactionId}`}
    aria-selected=${active}
    aria-controls="conversation"
    tabindex=${active ? 0 : -1}
    class=${`tab ${active ? 'active' : ''}`}
    onClick=${() => selectTab(tab.interactionId)}
  >
    <${ChannelBadge} channel=${channelOf(tab.conversationKey)} />
    <span class="name">${name}</span>
    ${stage ? html`<span class="stage">${stage}</span>` : null}
    ${tab.unread > 0 ? html`<span class="unread" aria-label=${`${tab.unread} unread`}>${tab.unread}</span>` : null}
    ${Date.now() < tab.typingUntil ? html`<span class="typing-dot" aria-label="typing">…</span>` : null}
  </button>`;
}

function Desk({ agentId }: { agentId: string }) {
  const s = useStore(desk);
  const [bootError, setBootError] = useState<Error | undefined>();
  useEffect(() => {
    startDesk(agentId).catch(setBootError);
    return stopDesk;
  }, [agentId]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey) return;
      const first = desk.get().offers[0];
      if (e.key === 'a' || e.key === 'A') {
        if (first) void accept(first.offerId);
      } else if (e.key === 'd' || e.key === 'D') {
        if (first) void decline(first.offerId);
      } else if (e.key === 'ArrowRight') cycleTab(1);
      else if (e.key === 'ArrowLeft') cycleTab(-1);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  useEffect(() => {
    document.title = `${s.offers.length ? `(${s.offers.length}) ` : ''}Switchboard — agent workspace`;
  }, [s.offers.length]);
  const active = s.tabs.find((t) => t.interactionId === s.active);
  return html`<div class="desk">
    <header class="topbar">
      <h1>Switchboard</h1>
      <span class="who">${s.boot?.agent.name ?? agentId}</span>
      <${Presence} />
      <span class=${`conn ${s.connected ? 'on' : 'off'}`} role="status">${s.connected ? 'Live' : 'Reconnecting…'}</span>
      <button
        type="button"
        class="link"
        onClick=${() => {
          stopDesk();
          void signOut().then(() => location.reload());
        }}
      >
        Sign out
      </button>
    </header>
    <${Refusal} error=${bootError ?? s.error} onDismiss=${() => desk.set((x) => ({ ...x, error: undefined }))} />
    <section class="offers" aria-label="Offers" aria-live="assertive">
      ${s.offers.map((o, i) => html`<${OfferCard} key=${o.offerId} offer=${o} first=${i === 0} />`)}
    </section>
    <div class="work">
      <nav class="tabs" aria-label="Interactions">
        <div role="tablist" aria-label="Interactions" aria-orientation="vertical">
          ${s.tabs.map((t) => html`<${TabButton} key=${t.interactionId} tab=${t} active=${t.interactionId === s.active} />`)}
        </div>
        ${s.tabs.length > 1 ? html`<p class="hint">Alt+→ next tab</p>` : null}
      </nav>
      <main id="conversation" role="tabpanel" aria-labelledby=${active ? `tab-${active.interactionId}` : undefined}>
        ${
          active
            ? html`<${Conversation} key=${active.interactionId} tab=${active} />`
            : html`<div class="empty">
              <h2>No interaction open</h2>
              <p>${s.presence === 'available' ? 'Offers appear above as customers write.' : 'Set yourself Available to receive offers.'}</p>
            </div>`
        }
      </main>
    </div>
  </div>`;
}

function App() {
  return html`<${SignedIn} role="agent" title="Agent workspace">
    ${(p: { id: string }) => html`<${Desk} agentId=${p.id} />`}
  </${SignedIn}>`;
}

void mount(App);
