/**
 * A linearizability checker for a key-value history (Wing & Gong's search with the
 * state-memoization of Lowe and Porcupine). The history is split per key (a KV store is a
 * set of independent registers), and each key's operations are searched for an order that
 * respects real time and register semantics. Operations that never returned (timeouts,
 * crashes) may take effect at any time after their invocation, or never.
 */

export interface KvOp {
  readonly client: number;
  readonly kind: 'put' | 'get';
  readonly key: string;
  /** put: the value written; get: the value read (null if absent). */
  readonly value: string | null;
  readonly invoke: number;
  /** Infinity when the outcome is unknown. */
  readonly ret: number;
}

export interface CheckResult {
  ok: boolean;
  /** The key whose history is not linearizable. */
  key?: string;
  /** A human-readable dump of that key's operations. */
  detail?: string;
}

interface Node {
  op: number; // index into ops
  isCall: boolean;
  time: number;
  match: Node | null; // call <-> return
  prev: Node | null;
  next: Node | null;
}

/** Checks one key's history; `initial` is the register's value before it. */
export function checkRegister(ops: readonly KvOp[], initial: string | null = null): boolean {
  if (ops.length === 0) return true;
  // Events ordered by time; at equal times calls come first (treating them as concurrent).
  const events: Node[] = [];
  ops.forEach((o, i) => {
    const call: Node = { op: i, isCall: true, time: o.invoke, match: null, prev: null, next: null };
    const ret: Node = { op: i, isCall: false, time: o.ret, match: call, prev: null, next: null };
    call.match = ret;
    events.push(call, ret);
  });
  events.sort((a, b) => a.time - b.time || (a.isCall === b.isCall ? 0 : a.isCall ? -1 : 1));
  const head: Node = { op: -1, isCall: false, time: -Infinity, match: null, prev: null, next: null };
  let p = head;
  for (const e of events) {
    p.next = e;
    e.prev = p;
    p = e;
  }
  const n = ops.length;
  const words = (n + 31) >>> 5;
  const bits = new Uint32Array(words);
  const cache = new Map<string, Set<string | null>>();
  const bitsKey = (): string => {
    let s = '';
    for (let k = 0; k < words; k++) s += bits[k].toString(36) + ',';
    return s;
  };
  const lift = (e: Node): void => {
    e.prev!.next = e.next;
    if (e.next) e.next.prev = e.prev;
    const m = e.match!;
    m.prev!.next = m.next;
    if (m.next) m.next.prev = m.prev;
  };
  const unlift = (e: Node): void => {
    const m = e.match!;
    m.prev!.next = m;
    if (m.next) m.next.prev = m;
    e.prev!.next = e;
    if (e.next) e.next.prev = e;
  };
  const stack: { e: Node; state: string | null }[] = [];
  let state: string | null = initial;
  let e: Node | null = head.next;
  while (head.next !== null) {
    if (e === null) return false; // cannot happen: a return node always precedes the end
    if (e.isCall) {
      const o = ops[e.op];
      let ok: boolean;
      let next: string | null;
      if (o.kind === 'put') {
        ok = true;
        next = o.value;
      } else {
        ok = o.value === state;
        next = state;
      }
      if (ok) {
        bits[e.op >>> 5] |= 1 << (e.op & 31);
        const k = bitsKey();
        let seen = cache.get(k);
        if (!seen) cache.set(k, (seen = new Set()));
        if (!seen.has(next)) {
          seen.add(next);
          stack.push({ e, state });
          state = next;
          lift(e);
          e = head.next;
          continue;
        }
        bits[e.op >>> 5] &= ~(1 << (e.op & 31));
      }
      e = e.next;
    } else {
      // A return reached before its call was linearized: backtrack.
      const top = stack.pop();
      if (!top) return false;
      state = top.state;
      bits[top.e.op >>> 5] &= ~(1 << (top.e.op & 31));
      unlift(top.e);
      e = top.e.next;
    }
  }
  return true;
}

/** Checks a whole KV history, key by key. */
export function checkKvHistory(history: readonly KvOp[]): CheckResult {
  const byKey = new Map<string, KvOp[]>();
  for (const o of history) {
    let l = byKey.get(o.key);
    if (!l) byKey.set(o.key, (l = []));
    l.push(o);
  }
  for (const [key, ops] of byKey) {
    if (!checkRegister(ops)) {
      const detail = [...ops]
        .sort((a, b) => a.invoke - b.invoke)
        .map(
          (o) =>
            `  c${o.client} ${o.kind}(${o.key}${o.kind === 'put' ? `=${o.value}` : ''}) [${o.invoke}, ${o.ret}]${o.kind === 'get' ? ` -> ${o.value}` : ''}`,
        )
        .join('\n');
      return { ok: false, key, detail };
    }
  }
  return { ok: true };
}
