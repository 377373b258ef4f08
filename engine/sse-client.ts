/** A small reader of server-sent events (the agent feed) for the demo, tools and tests. */

export interface SseFeed {
  /** Every event received so far, in order. */
  // biome-ignore lint/suspicious/noExplicitAny: feed payloads are JSON of many event shapes; callers read the fields they expect
  readonly events: { event: string; data: Record<string, any> }[];
  close(): void;
}

/** Opens `url` (with `headers`, e.g. Authorization) and collects its `event:`/`data:` blocks (JSON data) in the background. */
export function readServerSentEvents(url: string, headers?: Record<string, string>): SseFeed {
  const events: SseFeed['events'] = [];
  const ctrl = new AbortController();
  void (async () => {
    const res = await fetch(url, { signal: ctrl.signal, headers });
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += dec.decode(value, { stream: true });
      for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const ev = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (ev && data) events.push({ event: ev, data: JSON.parse(data) });
      }
    }
  })().catch(() => undefined);
  return { events, close: () => ctrl.abort() };
}
