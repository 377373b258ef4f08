/**
 * Paths into a routing file as the engine names them in its validation issues
 * (`agents[0].queues[1]`, `queues[2].acw.mode`): read, write, and which shown field an issue
 * belongs to, so the admin page puts each error at its field.
 */

type Key = string | number;

/** `a.b[0].c` → ['a', 'b', 0, 'c']. */
export function keysOf(path: string): Key[] {
  const out: Key[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return out;
}

export function getAt(root: unknown, path: string): unknown {
  let v: unknown = root;
  for (const k of keysOf(path)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<Key, unknown>)[k];
  }
  return v;
}

/** A copy of `root` with `value` at `path` (objects and arrays made on the way; undefined removes the key). */
export function setAt<T>(root: T, path: string, value: unknown): T {
  const keys = keysOf(path);
  const put = (node: unknown, i: number): unknown => {
    const k = keys[i]!;
    const base = (
      Array.isArray(node)
        ? [...node]
        : node && typeof node === 'object'
          ? { ...(node as object) }
          : typeof k === 'number'
            ? []
            : {}
    ) as Record<Key, unknown>;
    if (i === keys.length - 1) {
      if (value === undefined && !Array.isArray(base)) delete base[k];
      else base[k] = value;
    } else base[k] = put(base[k], i + 1);
    return base;
  };
  return put(root, 0) as T;
}

/** Whether `prefix` names `path` or something that contains it (`agents[0].queues` contains `agents[0].queues[1]`). */
export function contains(prefix: string, path: string): boolean {
  return path === prefix || (path.startsWith(prefix) && (path[prefix.length] === '.' || path[prefix.length] === '['));
}

/** The shown field an issue belongs to: the longest field path containing it, or undefined. */
export function fieldOf(fields: readonly string[], issuePath: string): string | undefined {
  let best: string | undefined;
  for (const f of fields) if (contains(f, issuePath) && (best === undefined || f.length > best.length)) best = f;
  return best;
}

/** A DOM id for a path. */
export const idOf = (path: string) => `f-${path.replace(/[^a-zA-Z0-9]+/g, '-')}`;
