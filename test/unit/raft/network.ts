import { EntryType, MessageType, type Entry, type Message, type NodeId, type Ready } from '../../../src/raft';
import { decodeConfChange, MemoryStorage, RawNode, type RaftConfig } from '../../../src/raft/core';

/** A seeded PRNG so election timeouts are reproducible. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface TestNode {
  id: NodeId;
  node: RawNode;
  storage: MemoryStorage;
  applied: Entry[];
}

export type NodeOptions = Partial<Omit<RaftConfig, 'id' | 'storage'>>;

/** Builds a RawNode over a MemoryStorage (a fresh cluster member when peers are given). */
export function newTestNode(
  id: NodeId,
  peers: NodeId[],
  opts: NodeOptions = {},
  storage = new MemoryStorage(),
): TestNode {
  const node = new RawNode({
    id,
    storage,
    electionTick: 10,
    heartbeatTick: 1,
    random: seeded(id),
    peers,
    ...opts,
  });
  return { id, node, storage, applied: [] };
}

/**
 * A tiny in-process network for unit tests: it runs each node's Ready cycle (persist, then
 * send, then apply) and delivers messages unless a filter drops them.
 */
export class Network {
  readonly nodes = new Map<NodeId, TestNode>();
  /** Messages in flight, delivered in order by deliver(). */
  queue: Message[] = [];
  drop: (m: Message) => boolean = () => false;
  readonly cut = new Set<string>();

  constructor(ids: NodeId[], opts: NodeOptions = {}) {
    for (const id of ids) this.nodes.set(id, newTestNode(id, ids, opts));
    this.stabilize();
  }

  get(id: NodeId): TestNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  add(n: TestNode): void {
    this.nodes.set(n.id, n);
  }

  isolate(id: NodeId): void {
    for (const other of this.nodes.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}-${other}`);
      this.cut.add(`${other}-${id}`);
    }
  }

  heal(): void {
    this.cut.clear();
  }

  handleReady(n: TestNode): Message[] {
    return runReady(n);
  }

  /** Runs every node's Ready and queues the messages (without delivering). */
  collect(): Message[] {
    const out: Message[] = [];
    for (const n of this.nodes.values()) out.push(...this.handleReady(n));
    this.queue.push(...out);
    return out;
  }

  /** Delivers the queued messages once (new ones are queued). */
  deliver(): number {
    const q = this.queue;
    this.queue = [];
    let n = 0;
    for (const m of q) {
      if (this.cut.has(`${m.from}-${m.to}`) || this.drop(m)) continue;
      const to = this.nodes.get(m.to);
      if (!to) continue;
      to.node.step(m);
      n++;
    }
    return n;
  }

  /** Cycles until no node has anything to do. */
  stabilize(max = 1000): void {
    for (let i = 0; i < max; i++) {
      this.collect();
      if (this.queue.length === 0) return;
      this.deliver();
    }
    throw new Error('network did not stabilize');
  }

  tickAll(n = 1): void {
    for (let i = 0; i < n; i++) for (const t of this.nodes.values()) t.node.tick();
  }

  /** Makes `id` campaign and settles. */
  elect(id: NodeId): void {
    this.get(id).node.campaign();
    this.stabilize();
  }

  leader(): NodeId {
    let lead = 0;
    for (const n of this.nodes.values()) if (n.node.status().role === 3) lead = n.id;
    return lead;
  }

  /** Data of applied normal entries, as strings, on node id. */
  appliedData(id: NodeId): string[] {
    return this.get(id)
      .applied.filter((e) => e.type === EntryType.Normal && e.data.length > 0)
      .map((e) => Buffer.from(e.data).toString());
  }
}

export function bytes(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

export function msgsOfType(ms: Message[], t: MessageType): Message[] {
  return ms.filter((m) => m.type === t);
}

/** A complete Message from a few fields (the rest zero). */
export function mk(p: Partial<Message> & { type: MessageType; from: NodeId; to: NodeId }): Message {
  return { term: 0, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0, hintTerm: 0, ...p };
}

/** Runs one Ready cycle on a node (persist, apply, advance); returns its outgoing messages. */
export function runReady(n: TestNode): Message[] {
  return n.node.hasReady() ? handleReadyOf(n, n.node.ready()) : [];
}

/** Persists, applies and advances a Ready taken from n; returns its outgoing messages. */
export function handleReadyOf(n: TestNode, rd: Ready): Message[] {
  if (rd.snapshot) n.storage.applySnapshot(rd.snapshot);
  n.storage.append(rd.entries);
  if (rd.hardState) n.storage.setHardState(rd.hardState);
  for (const e of rd.committedEntries) {
    if (e.type === EntryType.ConfChange) n.node.applyConfChange(decodeConfChange(e.data));
    n.applied.push(e);
  }
  n.node.advance(rd);
  return [...rd.messages];
}
