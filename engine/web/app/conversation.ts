/**
 * One interaction's panel: who the customer is, the reply window as a state, the cross-channel
 * transcript that scrolls back to the first interaction, the composer, and the interaction's
 * actions (transfer, end, wrap-up with its codes and countdown).
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Entry, WindowSummary } from './api.js';
import { Composer } from './compose.js';
import { closeWithoutCode, desk, dismiss, end, loadOlder, type Tab, transfer, wrapup } from './desk.js';
import {
  ChannelBadge,
  channelLabel,
  channelOf,
  clockText,
  duration,
  engineClock,
  html,
  Refusal,
  timeText,
  useTick,
} from './ui.js';

/** The reply window as a sentence. */
export function windowText(w: WindowSummary | null | undefined, now: number): { text: string; tone: string } {
  if (!w) return { text: 'Reply window unknown', tone: 'muted' };
  switch (w.state) {
    case 'open': {
      const parts = [
        w.closesAt !== undefined ? `Reply window closes in ${duration(w.closesAt - now)}` : 'Reply window open',
      ];
      if (w.repliesLeft !== undefined) parts.push(`${w.repliesLeft} ${w.repliesLeft === 1 ? 'reply' : 'replies'} left`);
      return {
        text: parts.join(' · '),
        tone: w.closesAt !== undefined && w.closesAt - now < 3_600_000 ? 'warn' : 'ok',
      };
    }
    case 'unlimited':
      return { text: 'No reply time limit on this channel', tone: 'ok' };
    case 'grace': {
      const bits: string[] = [];
      if ((w.extraLeft ?? 0) > 0) bits.push(`${w.extraLeft} more message${w.extraLeft === 1 ? '' : 's'} allowed`);
      for (const [tag, until] of Object.entries(w.tags ?? {})) bits.push(`tag ${tag} for ${duration(until - now)}`);
      return { text: `The free-form window has closed: ${bits.join(', ')}`, tone: 'warn' };
    }
    case 'templates_only':
      return { text: 'Only approved templates now: the 24 h window has closed', tone: 'warn' };
    case 'closed':
      return { text: 'The reply window has closed; wait for the customer to write', tone: 'bad' };
    case 'ended_by_customer':
      return { text: 'The customer closed the conversation', tone: 'bad' };
    case 'opted_out':
      return { text: 'The customer opted out (STOP); nothing can be sent', tone: 'bad' };
    case 'customer_must_start':
      return { text: 'Only the customer can start this conversation', tone: 'bad' };
  }
}

const STATUS_TEXT: Record<string, string> = {
  pending: 'Sending…',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
  failed: 'Failed',
};

const CLOSED_TEXT: Record<string, string> = {
  expired: 'Conversation ended: the threading window passed',
  closed_by_customer: 'The customer closed the conversation',
  opted_out: 'The customer opted out',
  unfollowed: 'The customer unfollowed',
};

function eventText(e: Entry): string {
  if (e.kind === 'interaction.opened') return 'Conversation started';
  if (e.kind === 'interaction.closed') return CLOSED_TEXT[String(e.detail?.reason)] ?? 'Conversation ended';
  return e.kind.replaceAll('.', ' ').replaceAll('_', ' ');
}

function MediaView({ m, inbound }: { m: NonNullable<Entry['media']>[number]; inbound: boolean }) {
  const who = inbound ? 'from the customer' : 'sent';
  const type = m.mimeType ?? '';
  const label = m.caption || m.filename || `${type.split('/')[0] || 'file'} ${who}`;
  if (!m.url) return html`<span class="file">[${type || 'media'} ${m.id ? `id ${m.id}` : ''}]</span>`;
  if (type.startsWith('image/') || (!type && /\.(png|jpe?g|gif|webp)$/i.test(m.url)))
    return html`<a href=${m.url} target="_blank" rel="noopener noreferrer"><img src=${m.url} alt=${label} loading="lazy" /></a>`;
  if (type.startsWith('video/')) return html`<video src=${m.url} controls aria-label=${label}></video>`;
  if (type.startsWith('audio/')) return html`<audio src=${m.url} controls aria-label=${label}></audio>`;
  return html`<a href=${m.url} target="_blank" rel="noopener noreferrer">${label}</a>`;
}

function Body({ e }: { e: Entry }) {
  if (e.deleted) return html`<em>The customer removed this message.</em>`;
  const loc = e.detail?.location as
    | { latitude: number; longitude: number; name?: string; address?: string }
    | undefined;
  const contact = (e as { contact?: { name?: string; phone?: string; email?: string } }).contact;
  return html`
    ${e.template ? html`<span class="template">Template <strong>${e.template.name}</strong> (${e.template.language})${e.template.params?.length ? `: ${e.template.params.join(', ')}` : ''}</span>` : null}
    ${e.text ? html`<p>${e.text}</p>` : null}
    ${(e.media ?? []).map((m) => html`<${MediaView} m=${m} inbound=${e.direction === 'inbound'} />`)}
    ${
      loc
        ? html`<p class="location">📍 ${loc.name ?? 'Location'} ${loc.address ? `— ${loc.address}` : ''}
          <a href=${`https://www.openstreetmap.org/?mlat=${loc.latitude}&mlon=${loc.longitude}#map=16/${loc.latitude}/${loc.longitude}`} target="_blank" rel="noopener noreferrer"
            >${loc.latitude.toFixed(5)}, ${loc.longitude.toFixed(5)}</a
          ></p>`
        : null
    }
    ${contact ? html`<p class="contact-card">Contact card: ${[contact.name, contact.phone, contact.email].filter(Boolean).join(' · ')}</p>` : null}
  `;
}

function Message({ e, showChannel }: { e: Entry; showChannel: boolean }) {
  if (e.direction === 'event')
    return html`<li class="event">
      ${showChannel ? html`<${ChannelBadge} channel=${channelOf(e.conversationKey)} /> ` : null}${eventText(e)}${' · '}<time>${timeText(e.at)}</time>
    </li>`;
  const inbound = e.direction === 'inbound';
  const who = inbound
    ? 'Customer'
    : e.sender?.kind === 'agent'
      ? e.sender.agentId === desk.get().me
        ? 'You'
        : (desk.get().boot?.agents.find((a) => a.id === e.sender?.agentId)?.name ?? `Agent ${e.sender.agentId}`)
      : 'Automatic';
  return html`<li class=${`msg ${inbound ? 'in' : 'out'}`} data-status=${e.status}>
    <div class="bubble">
      <div class="from">
        ${showChannel ? html`<${ChannelBadge} channel=${channelOf(e.conversationKey)} /> ` : null}<span>${who}</span>${' · '}<time>${timeText(e.at)}</time>
      </div>
      <${Body} e=${e} />
      ${
        !inbound && e.status
          ? html`<div class=${`status ${e.status}`}>
            ${STATUS_TEXT[e.status] ?? e.status}${e.status === 'failed' && e.failure ? `: ${e.failure.message} (${e.failure.code})` : ''}
          </div>`
          : null
      }
    </div>
  </li>`;
}

function Transcript({ tab }: { tab: Tab }) {
  const ref = useRef<HTMLDivElement>(null);
  const below = useRef(0);
  const stick = useRef(true);
  // Keep the view where it was when older entries are added above; follow new ones at the bottom.
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (stick.current) el.scrollTop = el.scrollHeight;
    else el.scrollTop = el.scrollHeight - below.current;
  }, [tab.entries.length]);
  const onScroll = () => {
    const el = ref.current!;
    below.current = el.scrollHeight - el.scrollTop;
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    if (el.scrollTop < 60 && tab.older) void loadOlder(tab.interactionId);
  };
  const channels = new Set(tab.entries.map((e) => e.conversationKey));
  return html`<div class="transcript" role="log" ref=${ref} onScroll=${onScroll} tabindex="0" aria-label="Conversation history">
    <div class="older">
      ${
        tab.older === null
          ? html`<span class="hint">Start of the customer's history</span>`
          : html`<button type="button" class="link" disabled=${tab.loadingOlder} onClick=${() => loadOlder(tab.interactionId)}>
            ${tab.loadingOlder ? 'Loading…' : 'Load earlier messages'}
          </button>`
      }
    </div>
    <ol>
      ${tab.entries.map((e) => html`<${Message} key=${`${e.conversationKey}#${e.seq}`} e=${e} showChannel=${channels.size > 1} />`)}
    </ol>
    ${Date.now() < tab.typingUntil ? html`<p class="typing" role="status">The customer is typing…</p>` : null}
  </div>`;
}

function WrapUp({ tab }: { tab: Tab }) {
  useTick(1_000);
  const codes = desk.get().boot?.wrapupCodes ?? [];
  const [code, setCode] = useState('');
  const w = tab.wrapup ?? tab.detail?.wrapup ?? { mode: 'optional' };
  const left = w.deadlineAt !== undefined ? w.deadlineAt - engineClock.now() : undefined;
  const submit = (e: Event) => {
    e.preventDefault();
    if (code) void wrapup(tab.interactionId, code);
  };
  return html`<form class="wrapup" onSubmit=${submit} aria-labelledby=${`wrapup-${tab.interactionId}`}>
    <h3 id=${`wrapup-${tab.interactionId}`}>Wrap-up</h3>
    <p>
      ${
        w.mode === 'mandatory'
          ? 'A wrap-up code is required before this interaction closes.'
          : w.mode === 'timeboxed'
            ? html`Choose a code within <strong role="timer">${clockText(left ?? 0)}</strong>; then
                “${w.defaultCode ?? 'the default'}” is applied.`
            : 'A wrap-up code is optional.'
      }
    </p>
    <label for=${`code-${tab.interactionId}`}>Wrap-up code</label>
    <select id=${`code-${tab.interactionId}`} value=${code} onChange=${(e: Event) => setCode((e.target as HTMLSelectElement).value)} required=${w.mode !== 'optional'}>
      <option value="">Choose a code…</option>
      ${codes.map((c) => html`<option value=${c}>${c}</option>`)}
    </select>
    <button type="submit" class="primary" disabled=${!code}>Submit wrap-up</button>
    ${w.mode === 'optional' || tab.stage === 'wrapup_optional' ? html`<button type="button" onClick=${() => closeWithoutCode(tab.interactionId)}>Close without a code</button>` : null}
  </form>`;
}

function Transfer({ tab }: { tab: Tab }) {
  const boot = desk.get().boot;
  const [target, setTarget] = useState('');
  const [open, setOpen] = useState(false);
  if (!open) return html`<button type="button" onClick=${() => setOpen(true)} aria-expanded="false">Transfer…</button>`;
  const go = (e: Event) => {
    e.preventDefault();
    const [kind, id] = target.split(':');
    if (!id) return;
    void transfer(tab.interactionId, kind === 'queue' ? { queueId: id } : { agentId: id });
  };
  return html`<form class="transfer" onSubmit=${go}>
    <label for=${`transfer-${tab.interactionId}`}>Transfer to</label>
    <select id=${`transfer-${tab.interactionId}`} value=${target} onChange=${(e: Event) => setTarget((e.target as HTMLSelectElement).value)}>
      <option value="">Choose a queue or an agent…</option>
      <optgroup label="Queues">
        ${(boot?.queues ?? []).map((q) => html`<option value=${`queue:${q.id}`}>${q.name}</option>`)}
      </optgroup>
      <optgroup label="Agents">
        ${(boot?.agents ?? []).map((a) => html`<option value=${`agent:${a.id}`}>${a.name} (${a.presence.replace('_', ' ')})</option>`)}
      </optgroup>
    </select>
    <button type="submit" class="primary" disabled=${!target}>Transfer</button>
    <button type="button" onClick=${() => setOpen(false)}>Cancel</button>
  </form>`;
}

export function Conversation({ tab }: { tab: Tab }) {
  useTick(15_000);
  const d = tab.detail;
  const channel = d?.channel ?? channelOf(tab.conversationKey);
  const w = windowText(d?.window, engineClock.now());
  const wrapping = tab.stage === 'wrapup' || tab.stage === 'wrapup_optional';
  const others = (d?.contact.identities ?? []).filter((i) => i.conversationKey !== tab.conversationKey);
  useEffect(() => {
    if (!wrapping) (document.getElementById(`compose-${tab.interactionId}`) as HTMLTextAreaElement | null)?.focus();
  }, [tab.interactionId, wrapping]);
  return html`<section class="conversation" aria-labelledby=${`title-${tab.interactionId}`}>
    <header>
      <${ChannelBadge} channel=${channel} />
      <div>
        <h2 id=${`title-${tab.interactionId}`}>${d?.contact.displayName ?? 'Customer'}</h2>
        <p class="meta">
          ${channelLabel(channel)}${d?.queue ? ` · ${d.queue.name}` : ''}
          ${others.length ? html` · also on ${others.map((o) => channelLabel(o.channel)).join(', ')}` : null}
          ${d?.contact.verified.length ? ` · ${d.contact.verified.map((v) => v.value).join(', ')}` : ''}
        </p>
      </div>
      <div class="actions">
        ${
          tab.stage === 'connected'
            ? html`<${Transfer} tab=${tab} />
              <button type="button" onClick=${() => end(tab.interactionId)}>End</button>`
            : null
        }
      </div>
    </header>
    <p class=${`window ${w.tone}`} role="status" data-state=${d?.window?.state}>${w.text}</p>
    ${tab.notice ? html`<p class="notice" role="status">${tab.notice} <button type="button" class="link" onClick=${() => dismiss(tab.interactionId)}>Dismiss</button></p>` : null}
    <${Transcript} tab=${tab} />
    <${Refusal} error=${tab.error} onDismiss=${() => dismiss(tab.interactionId)} />
    ${wrapping ? html`<${WrapUp} tab=${tab} />` : tab.stage === 'connected' ? html`<${Composer} tab=${tab} />` : null}
  </section>`;
}
