/**
 * The composer: text (Ctrl+Enter sends), standard responses from the library (searchable, with
 * `{{placeholders}}` filled from the contact), emoji, an attachment, WhatsApp templates with
 * their parameters, and on public posts the choice to answer publicly or move to private.
 */
import { useRef, useState } from 'preact/hooks';
import type { WorkspaceBoot } from './api.js';
import { desk, send, sendFile, type Tab, typing } from './desk.js';
import { channelOf, html } from './ui.js';

const EMOJI = [
  '😀',
  '🙂',
  '😉',
  '😊',
  '🙏',
  '👍',
  '👌',
  '👋',
  '🎉',
  '❤️',
  '😢',
  '😅',
  '🤔',
  '✅',
  '❌',
  '📦',
  '🚚',
  '⏰',
];

/** Fills `{{name}}`-style placeholders from what the contact is known by; unknown ones stay for the agent. */
export function fillPlaceholders(text: string, tab: Tab, agentName: string): string {
  const c = tab.detail?.contact;
  const name = c?.displayName ?? '';
  const values: Record<string, string> = {
    name,
    firstName: name.split(/\s+/)[0] ?? '',
    first_name: name.split(/\s+/)[0] ?? '',
    phone: c?.verified.find((v) => v.kind === 'phone')?.value ?? '',
    email: c?.verified.find((v) => v.kind === 'email')?.value ?? '',
    agent: agentName,
    agentName,
  };
  return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (m, k: string) => values[k] || m);
}

function Canned({ onPick, onClose }: { onPick: (text: string) => void; onClose: () => void }) {
  const [q, setQ] = useState('');
  // Rich canned responses are sent by id through the API; the picker inserts text ones into the composer.
  const all = (desk.get().boot?.cannedResponses ?? []).filter((r) => typeof r.text === 'string');
  const found = all.filter((r) => `${r.name} ${r.text}`.toLowerCase().includes(q.toLowerCase()));
  return html`<div class="popover" role="dialog" aria-label="Standard responses">
    <label for="canned-search">Search standard responses</label>
    <input id="canned-search" type="search" value=${q} onInput=${(e: Event) => setQ((e.target as HTMLInputElement).value)} autofocus />
    <ul class="picker">
      ${found.map(
        (r) => html`<li>
          <button type="button" onClick=${() => onPick(r.text)}><strong>${r.name}</strong><span>${r.text}</span></button>
        </li>`,
      )}
      ${found.length === 0 ? html`<li class="hint">No standard response matches.</li>` : null}
    </ul>
    <button type="button" class="link" onClick=${onClose}>Close</button>
  </div>`;
}

type Template = WorkspaceBoot['templates'][number];

function Templates({ tab, onClose }: { tab: Tab; onClose: () => void }) {
  const channel = channelOf(tab.conversationKey);
  const list = (desk.get().boot?.templates ?? []).filter((t) => t.channels.includes(channel));
  const [pick, setPick] = useState<Template | undefined>(list[0]);
  const [params, setParams] = useState<string[]>([]);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!pick) return;
    const ok = await send(tab.interactionId, {
      kind: 'template',
      template: { name: pick.name, language: pick.language, params: pick.params.map((_, i) => params[i] ?? '') },
    });
    if (ok) onClose();
  };
  const preview = pick?.text?.replace(/\{\{(\d+)\}\}/g, (m, n: string) => params[Number(n) - 1] || m);
  return html`<form class="popover templates" onSubmit=${submit} aria-label="Send a template">
    <label for="template-pick">Template</label>
    <select
      id="template-pick"
      value=${pick ? `${pick.name}/${pick.language}` : ''}
      onChange=${(e: Event) => {
        const v = (e.target as HTMLSelectElement).value;
        setPick(list.find((t) => `${t.name}/${t.language}` === v));
        setParams([]);
      }}
    >
      ${list.map((t) => html`<option value=${`${t.name}/${t.language}`}>${t.name} (${t.language})</option>`)}
    </select>
    ${(pick?.params ?? []).map(
      (label, i) => html`<label for=${`tparam-${i}`}>${label}</label>
        <input
          id=${`tparam-${i}`}
          required
          value=${params[i] ?? ''}
          onInput=${(e: Event) => {
            const next = [...params];
            next[i] = (e.target as HTMLInputElement).value;
            setParams(next);
          }}
        />`,
    )}
    ${preview ? html`<p class="preview">${preview}</p>` : null}
    <div class="actions">
      <button type="submit" class="primary" disabled=${!pick || tab.sending}>Send template</button>
      <button type="button" onClick=${onClose}>Cancel</button>
    </div>
    ${list.length === 0 ? html`<p class="hint">No template is configured for this channel.</p>` : null}
  </form>`;
}

export function Composer({ tab }: { tab: Tab }) {
  const [text, setText] = useState('');
  const [panel, setPanel] = useState<'' | 'canned' | 'emoji' | 'templates'>('');
  const [visibility, setVisibility] = useState<'public' | 'private'>('public');
  const area = useRef<HTMLTextAreaElement>(null);
  const file = useRef<HTMLInputElement>(null);
  const boot = desk.get().boot;
  const channel = channelOf(tab.conversationKey);
  const w = tab.detail?.window;
  const publicPost = !!w?.publicPost;
  const templatesHere = (boot?.templates ?? []).some((t) => t.channels.includes(channel));
  const insert = (s: string) => {
    const el = area.current;
    const at = el?.selectionStart ?? text.length;
    const next = text.slice(0, at) + s + text.slice(el?.selectionEnd ?? at);
    setText(next);
    setPanel('');
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(at + s.length, at + s.length);
    });
  };
  const submit = async (e?: Event) => {
    e?.preventDefault();
    const body = text.trim();
    if (!body || tab.sending) return;
    const ok = await send(tab.interactionId, { text: body, ...(publicPost ? { visibility } : {}) });
    if (ok) setText('');
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void submit();
    }
  };
  const attach = async (e: Event) => {
    const f = (e.target as HTMLInputElement).files?.[0];
    (e.target as HTMLInputElement).value = '';
    if (!f) return;
    if (await sendFile(tab.interactionId, f, text.trim() || undefined)) setText('');
  };
  return html`<form class="composer" onSubmit=${submit}>
    ${
      publicPost
        ? html`<fieldset class="visibility">
          <legend>Answer</legend>
          <label><input type="radio" name=${`vis-${tab.interactionId}`} checked=${visibility === 'public'} onChange=${() => setVisibility('public')} /> Publicly on the post</label>
          <label><input type="radio" name=${`vis-${tab.interactionId}`} checked=${visibility === 'private'} onChange=${() => setVisibility('private')} /> Move to a private message (${w?.publicPost?.privateRepliesLeft ?? 0} left)</label>
          <button type="button" disabled title="Liking a post is not supported by the engine yet">Like</button>
        </fieldset>`
        : null
    }
    <label for=${`compose-${tab.interactionId}`} class="sr-only">Message</label>
    <textarea
      id=${`compose-${tab.interactionId}`}
      ref=${area}
      rows="3"
      placeholder="Write a reply… (Ctrl+Enter sends)"
      aria-keyshortcuts="Control+Enter"
      value=${text}
      onInput=${(e: Event) => {
        setText((e.target as HTMLTextAreaElement).value);
        typing(tab.interactionId);
      }}
      onKeyDown=${onKey}
    ></textarea>
    <div class="tools">
      <button type="button" aria-expanded=${panel === 'canned'} onClick=${() => setPanel(panel === 'canned' ? '' : 'canned')}>Standard responses</button>
      <button type="button" aria-expanded=${panel === 'emoji'} aria-label="Emoji" onClick=${() => setPanel(panel === 'emoji' ? '' : 'emoji')}>😀</button>
      <button type="button" onClick=${() => file.current?.click()}>Attach…</button>
      <input ref=${file} type="file" class="sr-only" tabindex="-1" aria-label="Attachment" accept="image/*,video/mp4,audio/mpeg,audio/ogg,application/pdf" onChange=${attach} />
      ${templatesHere ? html`<button type="button" aria-expanded=${panel === 'templates'} onClick=${() => setPanel(panel === 'templates' ? '' : 'templates')}>Template…</button>` : null}
      <span class="grow"></span>
      <button type="submit" class="primary" disabled=${tab.sending || !text.trim()}>${tab.sending ? 'Sending…' : 'Send'} <kbd>Ctrl+Enter</kbd></button>
    </div>
    ${panel === 'canned' ? html`<${Canned} onPick=${(t: string) => insert(fillPlaceholders(t, tab, boot?.agent.name ?? ''))} onClose=${() => setPanel('')} />` : null}
    ${
      panel === 'emoji'
        ? html`<div class="popover emoji" role="dialog" aria-label="Emoji">
          ${EMOJI.map((e) => html`<button type="button" onClick=${() => insert(e)} aria-label=${`Insert ${e}`}>${e}</button>`)}
        </div>`
        : null
    }
    ${panel === 'templates' ? html`<${Templates} tab=${tab} onClose=${() => setPanel('')} />` : null}
  </form>`;
}
