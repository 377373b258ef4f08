/**
 * The customer page of web messaging: a visitor chats with the agents through the gateway's
 * widget protocol (gateways/web). The session lives in localStorage, so a reload resumes it:
 * the history is read back, then the stream continues. Agent messages are acknowledged as
 * delivered, and as read while the page is visible.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { createStore, html, mount, Refusal, timeText, useStore } from './ui.js';

interface ChatMessage {
  key: string;
  from: 'me' | 'agent';
  text?: string;
  media?: { url?: string; mimeType?: string; caption?: string }[];
  at: number;
  state?: 'sending' | 'sent' | 'failed';
  /** The provider id of an agent message (what receipts name). */
  providerId?: string;
}

interface Session {
  sessionId: string;
  token: string;
}

const meta = (name: string) => document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content;
const query = new URLSearchParams(location.search);
const gateway = (query.get('gateway') ?? meta('sb-web-gateway') ?? '').replace(/\/$/, '');
const integration = query.get('integration') ?? meta('sb-web-integration') ?? '';
const STORAGE = `switchboard.web.${integration}`;

const chat = createStore<{
  messages: ChatMessage[];
  agentTyping: number;
  error?: Error;
  connected: boolean;
  session?: Session;
}>({ messages: [], agentTyping: 0, connected: false });

const put = (m: ChatMessage) =>
  chat.set((s) => {
    const i = s.messages.findIndex((x) => x.key === m.key);
    const messages = i >= 0 ? s.messages.map((x, j) => (j === i ? { ...x, ...m } : x)) : [...s.messages, m];
    return { ...s, messages: messages.sort((a, b) => a.at - b.at) };
  });

async function call(method: string, path: string, session: Session | undefined, body?: unknown): Promise<unknown> {
  const res = await fetch(gateway + path, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(session ? { authorization: `Bearer ${session.token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json().catch(() => ({}))) as { error?: { code: string; message: string } };
  if (!res.ok) throw new Error(json.error?.message ?? `the chat service answered ${res.status}`);
  return json;
}

async function session(): Promise<Session> {
  const saved = localStorage.getItem(STORAGE);
  if (saved) return JSON.parse(saved) as Session;
  const s = (await call('POST', `/web/${encodeURIComponent(integration)}/sessions`, undefined)) as Session;
  localStorage.setItem(STORAGE, JSON.stringify({ sessionId: s.sessionId, token: s.token }));
  return s;
}

const base = (s: Session) => `/web/${encodeURIComponent(integration)}/sessions/${encodeURIComponent(s.sessionId)}`;

/** Reads the whole history back (a resumed session). */
async function loadHistory(s: Session): Promise<void> {
  let from = 0;
  for (let page = 0; page < 50; page++) {
    const r = (await call('GET', `${base(s)}/history?from=${from}&limit=100`, s)) as {
      entries: { messageId: string; at: number; direction: string; text?: string; media?: ChatMessage['media'] }[];
      next: number | null;
    };
    for (const e of r.entries)
      put({
        key: e.messageId,
        from: e.direction === 'inbound' ? 'me' : 'agent',
        text: e.text,
        media: e.media,
        at: e.at,
        ...(e.direction === 'inbound' ? { state: 'sent' as const } : {}),
      });
    if (r.next === null) return;
    from = r.next;
  }
}

async function receipt(s: Session, status: 'delivered' | 'read', ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await call('POST', `/webhooks/web/${encodeURIComponent(integration)}`, s, {
    type: 'receipt',
    clientMessageId: `r-${status}-${ids[0]}`.slice(0, 128).replace(/[^A-Za-z0-9._:-]/g, '_'),
    status,
    messageIds: ids,
  }).catch(() => undefined);
}

const unread = new Set<string>();
function markRead(s: Session): void {
  if (document.visibilityState !== 'visible' || unread.size === 0) return;
  const ids = [...unread];
  unread.clear();
  void receipt(s, 'read', ids);
}

async function start(): Promise<void> {
  if (!gateway || !integration) {
    chat.set((x) => ({
      ...x,
      error: new Error('this page needs ?gateway=<web gateway URL>&integration=<web integration id>'),
    }));
    return;
  }
  try {
    const s = await session();
    chat.set((x) => ({ ...x, session: s }));
    await loadHistory(s);
    const es = new EventSource(`${gateway}${base(s)}/stream?token=${encodeURIComponent(s.token)}`);
    es.onopen = () => chat.set((x) => ({ ...x, connected: true }));
    es.onerror = () => chat.set((x) => ({ ...x, connected: false }));
    es.addEventListener('message', (e) => {
      const m = JSON.parse((e as MessageEvent<string>).data) as {
        id: string;
        messageId?: string;
        text?: string;
        media?: ChatMessage['media'];
        at: number;
      };
      put({ key: m.messageId ?? m.id, from: 'agent', text: m.text, media: m.media, at: m.at, providerId: m.id });
      chat.set((x) => ({ ...x, agentTyping: 0 }));
      void receipt(s, 'delivered', [m.id]);
      unread.add(m.id);
      markRead(s);
    });
    es.addEventListener('typing', (e) => {
      const d = JSON.parse((e as MessageEvent<string>).data) as { on?: boolean };
      chat.set((x) => ({ ...x, agentTyping: d.on === false ? 0 : Date.now() + 6_000 }));
    });
    es.addEventListener('reset', () => void loadHistory(s));
    document.addEventListener('visibilitychange', () => markRead(s));
  } catch (err) {
    chat.set((x) => ({ ...x, error: err as Error }));
  }
}

let seq = 0;
let typingAt = 0;
async function sendText(text: string, name: string): Promise<void> {
  const s = chat.get().session;
  if (!s) return;
  const clientMessageId = `c${Date.now().toString(36)}${++seq}`;
  const key = `${s.sessionId}:${clientMessageId}`;
  put({ key, from: 'me', text, at: Date.now(), state: 'sending' });
  typingAt = 0; // a message ends the typing; the next keystroke says so again
  try {
    await call('POST', `/webhooks/web/${encodeURIComponent(integration)}`, s, {
      type: 'message',
      clientMessageId,
      text,
      ...(name ? { displayName: name } : {}),
    });
    put({ key, from: 'me', text, at: chat.get().messages.find((m) => m.key === key)?.at ?? Date.now(), state: 'sent' });
    chat.set((x) => ({ ...x, error: undefined }));
  } catch (err) {
    put({ key, from: 'me', text, at: Date.now(), state: 'failed' });
    chat.set((x) => ({ ...x, error: err as Error }));
  }
}

function customerTyping(): void {
  const s = chat.get().session;
  if (!s || Date.now() - typingAt < 3_000) return;
  typingAt = Date.now();
  call('POST', `${base(s)}/typing`, s, { on: true }).catch(() => undefined);
}

function Chat() {
  const c = useStore(chat);
  const [text, setText] = useState('');
  const [name, setName] = useState(() => localStorage.getItem(`${STORAGE}.name`) ?? '');
  const list = useRef<HTMLDivElement>(null);
  useEffect(() => void start(), []);
  useEffect(() => {
    const t = setInterval(() => chat.set((x) => ({ ...x })), 2_000);
    return () => clearInterval(t);
  }, []);
  useLayoutEffect(() => {
    if (list.current) list.current.scrollTop = list.current.scrollHeight;
  }, [c.messages.length]);
  const submit = (e: Event) => {
    e.preventDefault();
    const t = text.trim();
    if (!t) return;
    localStorage.setItem(`${STORAGE}.name`, name);
    setText('');
    void sendText(t, name.trim());
  };
  const firstMessage = !c.messages.some((m) => m.from === 'me');
  return html`<main class="chat">
    <header>
      <h1>Chat with us</h1>
      <p role="status">${c.connected ? 'Connected — an agent will answer here.' : 'Connecting…'}</p>
    </header>
    <div class="transcript" role="log" ref=${list} tabindex="0" aria-label="Messages">
      <ol>
        ${c.messages.map(
          (m) => html`<li key=${m.key} class=${`msg ${m.from === 'me' ? 'out' : 'in'}`}>
            <div class="bubble">
              <div class="from">${m.from === 'me' ? 'You' : 'Agent'}${' · '}<time>${timeText(m.at)}</time></div>
              ${m.text ? html`<p>${m.text}</p>` : null}
              ${(m.media ?? []).map((x) =>
                x.url && (x.mimeType ?? '').startsWith('image/')
                  ? html`<img src=${x.url} alt=${x.caption ?? 'Image from the agent'} />`
                  : html`<a href=${x.url} target="_blank" rel="noopener noreferrer">${x.caption ?? 'Attachment'}</a>`,
              )}
              ${m.state && m.state !== 'sent' ? html`<div class=${`status ${m.state}`}>${m.state === 'sending' ? 'Sending…' : 'Not sent'}</div>` : null}
            </div>
          </li>`,
        )}
      </ol>
      ${Date.now() < c.agentTyping ? html`<p class="typing" role="status">The agent is typing…</p>` : null}
    </div>
    <form onSubmit=${submit}>
      <${Refusal} error=${c.error} />
      ${
        firstMessage
          ? html`<label for="chat-name">Your name (optional)</label>
            <input id="chat-name" autocomplete="name" value=${name} onInput=${(e: Event) => setName((e.target as HTMLInputElement).value)} />`
          : null
      }
      <label for="chat-text" class="sr-only">Message</label>
      <div class="row">
        <textarea
          id="chat-text"
          rows="2"
          placeholder="Type a message…"
          value=${text}
          onInput=${(e: Event) => {
            setText((e.target as HTMLTextAreaElement).value);
            customerTyping();
          }}
          onKeyDown=${(e: KeyboardEvent) => {
            if (e.key === 'Enter' && !e.shiftKey) submit(e);
          }}
        ></textarea>
        <button type="submit" class="primary" disabled=${!c.session}>Send</button>
      </div>
    </form>
  </main>`;
}

void mount(Chat);
