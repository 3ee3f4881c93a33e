import {
  ConfChangeType,
  EntryType,
  MessageType,
  StateRole,
  type Entry,
  type HardState,
  type Message,
  type NodeId,
} from '../../src/raft';
import { decodeConfChange, MemoryStorage, ProposalDroppedError, RawNode } from '../../src/raft/core';
import { decodePut, encodePut, KvStateMachine } from './kv';
import { fmtMessage } from './format-message';
import { checkKvHistory, type KvOp } from './linearizability';
import { Prng } from './prng';

/** One simulated run's settings. Time is in sim units; a raft tick is TICK units. */
export interface SimOptions {
  seed: number;
  /** Initial voters: 3 or 5. */
  nodes: number;
  /** Units of the faulty phase. */
  faultTime?: number;
  /** Max units after healing for the cluster to converge. */
  quietTime?: number;
  /** Receives a line per event when set (replays print it). */
  trace?: (line: string) => void;
  /** Also trace every message delivered or lost. */
  traceMessages?: boolean;
}

export interface SimStats {
  seed: number;
  nodes: number;
  time: number;
  puts: number;
  putsAcked: number;
  getsAnswered: number;
  leaders: number;
  crashes: number;
  partitions: number;
  confChanges: number;
  snapshotsSent: number;
  messages: number;
}

/** An invariant or check failed; the message names the seed to replay. */
export class SimFailure extends Error {
  constructor(
    readonly seed: number,
    msg: string,
  ) {
    super(`seed ${seed}: ${msg}  (replay: npm run sim -- --seed ${seed})`);
    this.name = 'SimFailure';
  }
}

const TICK = 10;
const OP_TIMEOUT = 400;
const MAX_EXTRA_NODES = 3;

type MutableOp = { -readonly [K in keyof KvOp]: KvOp[K] } & { dropped?: boolean };

interface SimNode {
  id: NodeId;
  /** The "disk": what Ready handed over, persisted before messages go out. */
  storage: MemoryStorage;
  node: RawNode | null; // null while crashed
  sm: KvStateMachine;
  phase: number;
  restartAt: number;
  /** ReadIndex answers awaiting apply: context -> index. */
  reads: Map<string, number>;
  snapEvery: number;
  compactLag: number;
  /** Writes since the last sync (async leader writes): what a crash would keep instead of the storage. */
  durable: { last: number; hs: HardState; writes: number } | null;
  /** Background syncs in flight: when each completes, what it covers, and the write count it saw. */
  syncs: { at: number; index: number; term: number; last: number; hs: HardState; writes: number }[];
  writes: number;
}

interface Pending {
  op: MutableOp;
  node: NodeId;
  deadline: number;
}

interface Client {
  id: number;
  seq: number;
  busy: boolean;
  nextAt: number;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

const dec = new TextDecoder();
const enc = new TextEncoder();

/**
 * A deterministic cluster simulation: n raft-ts nodes over a network that drops, duplicates,
 * reorders and delays messages, with partitions, crashes that keep only what was persisted,
 * restarts, membership changes, leadership transfers and snapshots, driven by KV clients.
 * After every step it checks election safety, log matching, leader completeness and
 * state-machine safety; at the end it heals everything, waits for convergence, checks that
 * every acknowledged put is applied on every member, and checks linearizability.
 */
export class Simulation {
  readonly stats: SimStats;
  private readonly rng: Prng;
  private readonly netRng: Prng;
  private t = 0;
  private readonly nodes = new Map<NodeId, SimNode>();
  private readonly stopped = new Set<NodeId>();
  private readonly toStop = new Set<NodeId>();
  private nextId: number;
  private readonly buckets = new Map<number, Message[]>();
  /** Partition group per node; messages cross groups only when equal. */
  private group = new Map<NodeId, number>();
  private healAt = Infinity;
  /** When set, only messages from group 1 to group 0 are cut (an asymmetric link failure). */
  private oneWay = false;
  private dropRate: number;
  private dupRate: number;
  private maxDelay: number;
  private readonly crashRate: number;
  private readonly partitionRate: number;
  private readonly preVote: boolean;
  private readonly checkQuorum: boolean;
  /** A leader sends before its own write when term and vote are unchanged (Raft thesis §10.2.1). */
  private readonly earlySend: boolean;
  /** Leaders hold back commit-only Apps until the next App or tick. */
  private readonly lazyCommit: boolean;
  /**
   * The leader's own copy counts toward commit only once reported durable; with earlySend its
   * writes are synced in the background, and a crash before the sync loses them.
   */
  private readonly persistReports: boolean;
  /** Longest time a background sync takes. */
  private readonly maxSyncDelay: number;
  private faulty = true;
  private readonly keys: string[];
  private readonly clients: Client[] = [];
  private readonly history: MutableOp[] = [];
  private readonly pendingPuts = new Map<string, Pending>();
  private readonly pendingGets = new Map<string, Pending>();
  private ackMaxIndex = 0;
  // invariants
  private readonly leaderOf = new Map<number, NodeId>();
  private readonly entryIds = new Map<string, { prevTerm: number; data: Uint8Array }>();
  private readonly committed: (Entry | undefined)[] = [];
  private maxCommitted = 0;
  private readonly faultTime: number;
  private readonly quietTime: number;
  private readonly trace?: (line: string) => void;

  constructor(readonly opts: SimOptions) {
    this.rng = new Prng(opts.seed);
    this.netRng = this.rng.fork();
    this.faultTime = opts.faultTime ?? 3000;
    this.quietTime = opts.quietTime ?? 4000;
    this.trace = opts.trace;
    this.dropRate = this.rng.next() * 0.1;
    this.dupRate = this.rng.next() * 0.05;
    this.maxDelay = this.rng.int(2, 20);
    this.crashRate = this.rng.pick([0.001, 0.002, 0.005, 0.01]);
    this.partitionRate = this.rng.pick([0.001, 0.002, 0.005]);
    this.preVote = this.rng.chance(0.7);
    this.checkQuorum = this.rng.chance(0.7);
    this.earlySend = this.rng.chance(0.5);
    this.lazyCommit = this.rng.chance(0.5);
    this.persistReports = this.rng.chance(0.5);
    this.maxSyncDelay = this.rng.pick([2, 20, 100]);
    this.keys = ['a', 'b', 'c', 'd'].slice(0, this.rng.int(1, 4));
    this.stats = {
      seed: opts.seed,
      nodes: opts.nodes,
      time: 0,
      puts: 0,
      putsAcked: 0,
      getsAnswered: 0,
      leaders: 0,
      crashes: 0,
      partitions: 0,
      confChanges: 0,
      snapshotsSent: 0,
      messages: 0,
    };
    const peers = Array.from({ length: opts.nodes }, (_, k) => k + 1);
    this.nextId = opts.nodes + 1;
    for (const id of peers) this.createNode(id, peers);
    const nClients = this.rng.int(2, 5);
    for (let c = 1; c <= nClients; c++) this.clients.push({ id: c, seq: 0, busy: false, nextAt: this.rng.int(0, 50) });
    this.log(
      () =>
        `start: ${opts.nodes} nodes, preVote ${this.preVote}, checkQuorum ${this.checkQuorum}, earlySend ${this.earlySend}, lazyCommit ${this.lazyCommit}, persistReports ${this.persistReports}, crash ${this.crashRate}, partition ${this.partitionRate}, drop ${this.dropRate.toFixed(3)}, dup ${this.dupRate.toFixed(3)}, delay <= ${this.maxDelay}, keys ${this.keys.length}, clients ${nClients}`,
    );
  }

  private log(f: () => string): void {
    if (this.trace) this.trace(`[${String(this.t).padStart(5)}] ${f()}`);
  }

  private fail(msg: string): never {
    throw new SimFailure(this.opts.seed, `t=${this.t}: ${msg}`);
  }

  // ---- nodes ----

  private createNode(id: NodeId, peers: NodeId[]): SimNode {
    const n: SimNode = {
      id,
      storage: new MemoryStorage(),
      node: null,
      sm: new KvStateMachine(),
      phase: this.rng.int(0, TICK - 1),
      restartAt: Infinity,
      reads: new Map(),
      snapEvery: this.rng.int(5, 60),
      compactLag: this.rng.int(0, 10),
      durable: null,
      syncs: [],
      writes: 0,
    };
    this.nodes.set(id, n);
    this.boot(n, peers);
    return n;
  }

  private boot(n: SimNode, peers: NodeId[]): void {
    const snap = n.storage.snapshot();
    n.sm = KvStateMachine.restore(snap.data, snap.metadata.index, snap.metadata.confState);
    const r = this.rng.fork();
    const trace = this.trace;
    n.node = new RawNode({
      id: n.id,
      storage: n.storage,
      electionTick: 10,
      heartbeatTick: 1,
      applied: snap.metadata.index,
      random: () => r.next(),
      peers,
      maxSizePerMsg: this.rng.pick([64, 1024, 1 << 20]),
      maxInflightMsgs: this.rng.pick([1, 4, 256]),
      preVote: this.preVote,
      checkQuorum: this.checkQuorum,
      lazyCommitBroadcast: this.lazyCommit,
      leaderPersistReports: this.persistReports,
      logger: trace
        ? { debug: () => undefined, info: (m) => this.log(() => m), warn: (m) => this.log(() => m) }
        : undefined,
    });
    n.restartAt = Infinity;
  }

  private crash(n: SimNode): void {
    if (!n.node) return;
    this.log(() => `crash ${n.id}`);
    this.stats.crashes++;
    n.node = null;
    n.reads.clear();
    this.loseUnsynced(n);
    n.restartAt = this.faulty ? this.t + this.rng.int(50, 500) : this.t + 1;
    this.abandonOpsOn(n.id);
  }

  /** A crash keeps only what was synced: the log up to the last sync and the hard state then. */
  private loseUnsynced(n: SimNode): void {
    n.syncs = [];
    const d = n.durable;
    n.durable = null;
    if (!d) return;
    const old = n.storage;
    const snap = old.snapshot();
    const st = new MemoryStorage();
    st.applySnapshot(snap);
    if (d.last > snap.metadata.index) st.append(old.entries(snap.metadata.index + 1, d.last + 1, Infinity));
    st.setHardState(d.hs);
    n.storage = st;
    this.log(() => `${n.id}: lost unsynced writes after ${d.last}`);
  }

  /** Background syncs that complete now make what they cover durable and report it. */
  private completeSyncs(n: SimNode): void {
    while (n.syncs.length > 0 && n.syncs[0].at <= this.t) {
      const s = n.syncs.shift()!;
      const d = n.durable;
      if (d && s.writes === n.writes) n.durable = null;
      else if (d && s.writes > d.writes) n.durable = { last: s.last, hs: s.hs, writes: s.writes };
      n.node?.persisted(s.index, s.term);
    }
  }

  private abandonOpsOn(id: NodeId): void {
    for (const [k, p] of this.pendingPuts) {
      if (p.node !== id) continue;
      this.pendingPuts.delete(k);
      this.freeClient(p.op.client);
    }
    for (const [k, p] of this.pendingGets) {
      if (p.node !== id) continue;
      p.op.dropped = true;
      this.pendingGets.delete(k);
      this.freeClient(p.op.client);
    }
  }

  private stop(id: NodeId): void {
    const n = this.nodes.get(id);
    if (!n || this.stopped.has(id)) return;
    this.log(() => `stop ${id} (removed from the cluster)`);
    this.stopped.add(id);
    n.node = null;
    n.restartAt = Infinity;
    this.abandonOpsOn(id);
  }

  private live(): SimNode[] {
    const out: SimNode[] = [];
    for (const n of this.nodes.values()) if (n.node) out.push(n);
    return out;
  }

  /** The live leader of the highest term, if any. */
  private leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.nodes.values()) {
      if (!n.node || n.node.raft.state !== StateRole.Leader) continue;
      if (!best || n.node.raft.term > best.node!.raft.term) best = n;
    }
    return best;
  }

  // ---- network ----

  private send(m: Message): void {
    this.stats.messages++;
    if (m.type === MessageType.Snap) this.stats.snapshotsSent++;
    if (this.faulty && this.netRng.chance(this.dropRate)) {
      if (m.type === MessageType.Snap) this.schedule(m, this.netRng.int(1, this.maxDelay), true);
      return;
    }
    this.schedule(m, this.netRng.int(1, this.maxDelay), false);
    if (this.faulty && this.netRng.chance(this.dupRate)) this.schedule(m, this.netRng.int(1, this.maxDelay), false);
  }

  private schedule(m: Message, delay: number, lost: boolean): void {
    const at = this.t + delay;
    let b = this.buckets.get(at);
    if (!b) this.buckets.set(at, (b = []));
    b.push(lost ? { ...m, reject: true, to: -m.to } : m);
  }

  private cut(from: NodeId, to: NodeId): boolean {
    const a = this.group.get(from) ?? 0;
    const b = this.group.get(to) ?? 0;
    return this.oneWay ? a === 1 && b === 0 : a !== b;
  }

  private deliver(): void {
    const b = this.buckets.get(this.t);
    if (!b) return;
    this.buckets.delete(this.t);
    for (const raw of b) {
      const lost = raw.to < 0;
      const m = lost ? { ...raw, to: -raw.to, reject: false } : raw;
      const to = this.nodes.get(m.to);
      const blocked = lost || !to || !to.node || this.cut(m.from, m.to);
      if (this.opts.traceMessages) this.log(() => `${blocked ? 'lost' : 'recv'} ${fmtMessage(m)}`);
      if (!blocked) {
        try {
          to.node!.step(m);
        } catch (e) {
          this.fail(`node ${m.to} failed on ${MessageType[m.type]} from ${m.from}: ${(e as Error).stack}`);
        }
      }
      if (m.type === MessageType.Snap) {
        // The transport reports the outcome of a snapshot stream to its sender.
        const from = this.nodes.get(m.from);
        from?.node?.reportSnapshot(m.to, !blocked);
      }
    }
  }

  // ---- Ready processing ----

  private processReady(n: SimNode): void {
    const rn = n.node!;
    if (!rn.hasReady()) return;
    const rd = rn.ready();
    if (rd.softState)
      this.log(
        () => `${n.id}: role ${StateRole[rd.softState!.role]} leader ${rd.softState!.leader} term ${rn.raft.term}`,
      );
    const disk = n.storage.hardStateNow();
    const early =
      this.earlySend &&
      rn.raft.state === StateRole.Leader &&
      !rd.snapshot &&
      (!rd.hardState || (rd.hardState.term === disk.term && rd.hardState.vote === disk.vote));
    if (early) {
      for (const m of rd.messages) this.send(m);
      // A crash while the leader's own write is still in flight.
      if (this.faulty && this.rng.chance(0.001)) {
        this.crash(n);
        return;
      }
    }
    if (rd.snapshot) {
      n.storage.applySnapshot(rd.snapshot);
      const md = rd.snapshot.metadata;
      n.sm = KvStateMachine.restore(rd.snapshot.data, md.index, md.confState);
      this.log(() => `${n.id}: installed snapshot at ${md.index} (term ${md.term})`);
      this.checkSnapshot(n, md.index, md.term);
      // Synced, and after every earlier write.
      n.durable = null;
      // A crash after the snapshot is on disk but before the rest of the Ready is.
      if (this.faulty && this.rng.chance(0.05)) {
        this.crash(n);
        return;
      }
    }
    const last = rd.entries.length > 0 ? rd.entries[rd.entries.length - 1] : undefined;
    if (early && this.persistReports) {
      // Written, synced later: a crash before the sync keeps what the last one covered.
      if ((last || rd.hardState) && !n.durable)
        n.durable = { last: n.storage.lastIndex(), hs: n.storage.hardStateNow(), writes: n.writes };
      if (last) n.storage.append(rd.entries);
      if (rd.hardState) n.storage.setHardState(rd.hardState);
      n.writes++;
      if (last) {
        this.checkLogMatching(n, rd.entries);
        const at = Math.max(this.t + this.rng.int(0, this.maxSyncDelay), n.syncs.at(-1)?.at ?? 0);
        const hs = n.storage.hardStateNow();
        n.syncs.push({ at, index: last.index, term: last.term, last: n.storage.lastIndex(), hs, writes: n.writes });
      }
    } else {
      if (rd.entries.length > 0) {
        n.storage.append(rd.entries);
        this.checkLogMatching(n, rd.entries);
        // A torn write: the entries made it, the hard state did not.
        if (rd.hardState && this.faulty && this.rng.chance(0.0005)) {
          n.durable = null;
          this.crash(n);
          return;
        }
      }
      if (rd.hardState) n.storage.setHardState(rd.hardState);
      // A synced write covers every earlier one.
      n.durable = null;
      // A crash after the fsync but before anything else happened.
      if (this.faulty && this.rng.chance(0.0005)) {
        this.crash(n);
        return;
      }
      if (last) rn.persisted(last.index, last.term);
    }
    if (!early) for (const m of rd.messages) this.send(m);
    for (const e of rd.committedEntries) this.apply(n, e);
    for (const rs of rd.readStates) n.reads.set(dec.decode(rs.context), rs.index);
    rn.advance(rd);
    this.serveReads(n);
    this.maybeSnapshot(n);
  }

  private apply(n: SimNode, e: Entry): void {
    const prev = this.committed[e.index];
    if (prev) {
      if (prev.term !== e.term || !sameBytes(prev.data, e.data)) {
        this.fail(
          `state-machine safety: node ${n.id} applies index ${e.index} term ${e.term}, another applied term ${prev.term}`,
        );
      }
    } else {
      this.committed[e.index] = e;
      if (e.index > this.maxCommitted) this.maxCommitted = e.index;
    }
    if (e.index !== n.sm.appliedIndex + 1) {
      this.fail(`node ${n.id} applies index ${e.index} after ${n.sm.appliedIndex}`);
    }
    if (e.type === EntryType.ConfChange) {
      const cc = decodeConfChange(e.data);
      n.sm.confState = n.node!.applyConfChange(cc);
      this.log(
        () =>
          `${n.id}: applied ${ConfChangeType[cc.type]} ${cc.nodeId} at ${e.index} -> voters ${n.sm.confState.voters} learners ${n.sm.confState.learners}`,
      );
      if (cc.type === ConfChangeType.RemoveNode) this.toStop.add(cc.nodeId);
      n.sm.appliedIndex = e.index;
      return;
    }
    if (e.data.length === 0) {
      n.sm.appliedIndex = e.index;
      return;
    }
    const cmd = decodePut(e.data);
    n.sm.apply(e.index, cmd);
    const key = `${cmd.c}:${cmd.s}`;
    const p = this.pendingPuts.get(key);
    if (p && p.node === n.id) {
      p.op.ret = this.t;
      this.pendingPuts.delete(key);
      this.stats.putsAcked++;
      if (e.index > this.ackMaxIndex) this.ackMaxIndex = e.index;
      this.freeClient(cmd.c);
      this.log(() => `c${cmd.c}: put ${cmd.k}=${cmd.v} acked by ${n.id} at index ${e.index}`);
    }
  }

  private serveReads(n: SimNode): void {
    if (n.reads.size === 0) return;
    for (const [ctx, index] of n.reads) {
      if (n.sm.appliedIndex < index) continue;
      n.reads.delete(ctx);
      const p = this.pendingGets.get(ctx);
      if (!p || p.node !== n.id) continue;
      this.pendingGets.delete(ctx);
      p.op.value = n.sm.data.get(p.op.key) ?? null;
      p.op.ret = this.t;
      this.stats.getsAnswered++;
      this.freeClient(p.op.client);
      this.log(() => `c${p.op.client}: get ${p.op.key} -> ${p.op.value} from ${n.id} (read index ${index})`);
    }
  }

  private maybeSnapshot(n: SimNode): void {
    const snapIndex = n.storage.snapshot().metadata.index;
    const applied = n.sm.appliedIndex;
    if (applied - snapIndex < n.snapEvery || applied > n.storage.lastIndex()) return;
    n.storage.createSnapshot(applied, n.sm.confState, n.sm.serialize());
    const upTo = applied - n.compactLag;
    if (upTo > n.storage.firstIndex()) n.storage.compact(upTo);
    this.log(() => `${n.id}: snapshot at ${applied}, log compacted to ${Math.max(upTo, 0)}`);
  }

  // ---- invariants ----

  private checkLogMatching(n: SimNode, ents: readonly Entry[]): void {
    const first = n.storage.firstIndex();
    let prevTerm = -1;
    for (const e of ents) {
      if (e.index < first) continue;
      if (prevTerm < 0) prevTerm = n.storage.term(e.index - 1);
      const k = `${e.index}:${e.term}`;
      const seen = this.entryIds.get(k);
      if (!seen) this.entryIds.set(k, { prevTerm, data: e.data });
      else if (seen.prevTerm !== prevTerm || !sameBytes(seen.data, e.data)) {
        this.fail(
          `log matching: node ${n.id} holds entry ${k} with prev term ${prevTerm}; another node holds it with prev term ${seen.prevTerm} or other data`,
        );
      }
      prevTerm = e.term;
    }
  }

  private checkSnapshot(n: SimNode, index: number, term: number): void {
    const c = this.committed[index];
    if (c && c.term !== term)
      this.fail(`node ${n.id} installed a snapshot at ${index} term ${term}; committed term is ${c.term}`);
  }

  private checkLeaders(): void {
    for (const n of this.nodes.values()) {
      const r = n.node?.raft;
      if (!r || r.state !== StateRole.Leader) continue;
      const known = this.leaderOf.get(r.term);
      if (known === undefined) {
        this.leaderOf.set(r.term, n.id);
        this.stats.leaders++;
        this.log(() => `${n.id}: leader of term ${r.term}`);
        this.checkLeaderCompleteness(n);
      } else if (known !== n.id) {
        this.fail(`election safety: ${known} and ${n.id} both lead term ${r.term}`);
      }
    }
  }

  private checkLeaderCompleteness(n: SimNode): void {
    const log = n.node!.raft.raftLog;
    if (log.lastIndex() < this.maxCommitted) {
      this.fail(
        `leader completeness: leader ${n.id} of term ${n.node!.raft.term} has last index ${log.lastIndex()} < committed ${this.maxCommitted}`,
      );
    }
    for (let i = log.firstIndex(); i <= this.maxCommitted; i++) {
      const c = this.committed[i];
      if (c && log.termOrNone(i) !== c.term) {
        this.fail(
          `leader completeness: leader ${n.id} of term ${n.node!.raft.term} has term ${log.termOrNone(i)} at committed index ${i} (term ${c.term})`,
        );
      }
    }
  }

  // ---- clients ----

  private freeClient(id: number): void {
    const c = this.clients[id - 1];
    c.busy = false;
    c.nextAt = this.t + this.rng.int(0, 30);
  }

  private clientStep(allowNew: boolean): void {
    for (const [k, p] of this.pendingPuts) {
      if (p.deadline > this.t) continue;
      this.pendingPuts.delete(k); // outcome unknown: ret stays Infinity
      this.freeClient(p.op.client);
    }
    for (const [k, p] of this.pendingGets) {
      if (p.deadline > this.t) continue;
      p.op.dropped = true;
      this.pendingGets.delete(k);
      this.freeClient(p.op.client);
    }
    if (!allowNew) return;
    for (const c of this.clients) {
      if (c.busy || c.nextAt > this.t) continue;
      const targets = this.live().filter((n) => !this.stopped.has(n.id));
      if (targets.length === 0) return;
      const n = this.rng.pick(targets);
      c.seq++;
      const key = this.rng.pick(this.keys);
      if (this.rng.chance(0.5)) {
        const value = `${c.id}.${c.seq}`;
        try {
          n.node!.propose(encodePut({ c: c.id, s: c.seq, k: key, v: value }));
        } catch (e) {
          if (!(e instanceof ProposalDroppedError)) this.fail(`propose on ${n.id}: ${(e as Error).stack}`);
          c.nextAt = this.t + this.rng.int(5, 30);
          continue;
        }
        const op: MutableOp = { client: c.id, kind: 'put', key, value, invoke: this.t, ret: Infinity };
        this.history.push(op);
        this.stats.puts++;
        this.pendingPuts.set(`${c.id}:${c.seq}`, { op, node: n.id, deadline: this.t + OP_TIMEOUT });
      } else {
        const ctx = `g${c.id}:${c.seq}`;
        n.node!.readIndex(enc.encode(ctx));
        const op: MutableOp = { client: c.id, kind: 'get', key, value: null, invoke: this.t, ret: Infinity };
        this.history.push(op);
        this.pendingGets.set(ctx, { op, node: n.id, deadline: this.t + OP_TIMEOUT });
      }
      c.busy = true;
    }
  }

  // ---- faults ----

  private faultStep(): void {
    const r = this.rng;
    if (r.chance(this.crashRate)) {
      const live = this.live();
      // Leaders are the interesting victims: half of the crashes hit one.
      const lead = this.leader();
      if (lead && r.chance(0.5)) this.crash(lead);
      else if (live.length > 0) this.crash(r.pick(live));
    }
    if (this.healAt <= this.t) {
      this.group.clear();
      this.healAt = Infinity;
      this.log(() => 'partition healed');
    }
    if (this.healAt === Infinity && r.chance(this.partitionRate)) {
      this.stats.partitions++;
      const lead = this.leader();
      if (lead && r.chance(0.5)) {
        for (const id of this.nodes.keys()) this.group.set(id, id === lead.id ? 1 : 0);
        this.log(() => `partition: leader ${lead.id} isolated`);
      } else {
        for (const id of this.nodes.keys()) this.group.set(id, r.int(0, 1));
        this.log(() => `partition: ${[...this.group].map(([id, g]) => `${id}:${g}`).join(' ')}`);
      }
      this.oneWay = r.chance(0.25);
      if (this.oneWay) this.log(() => 'partition is one-way: group 1 cannot reach group 0');
      this.healAt = this.t + r.int(100, 800);
    }
    if (r.chance(0.002)) this.membershipChange();
    if (r.chance(0.001)) {
      const lead = this.leader();
      if (lead) {
        const voters = lead.node!.raft.tracker.voters.filter((v) => v !== lead.id);
        if (voters.length > 0) {
          const to = r.pick(voters);
          this.log(() => `transfer leadership ${lead.id} -> ${to}`);
          lead.node!.transferLeadership(to);
        }
      }
    }
    for (const n of this.nodes.values()) {
      if (!n.node && !this.stopped.has(n.id) && n.restartAt <= this.t) {
        this.log(() => `restart ${n.id}`);
        this.boot(n, []);
      }
    }
  }

  private membershipChange(): void {
    const lead = this.leader();
    if (!lead) return;
    const rn = lead.node!;
    const tr = rn.raft.tracker;
    const r = this.rng;
    const propose = (type: ConfChangeType, nodeId: NodeId): boolean => {
      try {
        rn.proposeConfChange({ type, nodeId });
      } catch (e) {
        this.log(() => `conf change ${ConfChangeType[type]} ${nodeId} refused: ${(e as Error).message}`);
        return false;
      }
      this.stats.confChanges++;
      this.log(() => `propose ${ConfChangeType[type]} ${nodeId} on ${lead.id}`);
      return true;
    };
    const caughtUp = tr.learners.filter((id) => (tr.progress.get(id)?.match ?? 0) + 5 >= rn.raft.raftLog.committed);
    if (caughtUp.length > 0 && r.chance(0.7)) {
      propose(ConfChangeType.AddVoter, r.pick(caughtUp));
      return;
    }
    if (r.chance(0.5) && this.nextId <= this.opts.nodes + MAX_EXTRA_NODES) {
      const id = this.nextId;
      if (propose(ConfChangeType.AddLearner, id)) {
        this.nextId++;
        this.createNode(id, []);
      }
      return;
    }
    if (tr.voters.length > 3) propose(ConfChangeType.RemoveNode, r.pick(tr.voters));
  }

  // ---- main loop ----

  private step(faults: boolean, newOps: boolean): void {
    this.t++;
    this.deliver();
    for (const n of this.nodes.values()) {
      if (n.node && (this.t + n.phase) % TICK === 0) n.node.tick();
    }
    for (const n of this.nodes.values()) if (n.node) this.completeSyncs(n);
    if (faults) this.faultStep();
    this.clientStep(newOps);
    for (const n of this.nodes.values()) if (n.node) this.processReady(n);
    if (this.toStop.size > 0) {
      for (const id of this.toStop) this.stop(id);
      this.toStop.clear();
    }
    this.checkLeaders();
  }

  /** The members (by the leader's config), once all are live and applied everything. */
  private converged(): boolean {
    const lead = this.leader();
    if (!lead) return false;
    const r = lead.node!.raft;
    if (r.raftLog.termOrNone(r.raftLog.committed) !== r.term) return false;
    if (this.pendingPuts.size > 0 || this.pendingGets.size > 0) return false;
    const members = [...r.tracker.voters, ...r.tracker.learners];
    const fp = lead.sm.fingerprint();
    for (const id of members) {
      const n = this.nodes.get(id);
      if (!n?.node) return false;
      if (n.sm.appliedIndex !== r.raftLog.committed || n.sm.appliedIndex < this.ackMaxIndex) return false;
      if (n.sm.fingerprint() !== fp) return false;
    }
    return r.raftLog.committed === r.raftLog.lastIndex();
  }

  /** Runs the whole schedule; throws SimFailure on any violation. */
  run(): SimStats {
    while (this.t < this.faultTime) this.step(true, true);
    // Heal: no more faults, every crashed member restarts, the network stops losing messages.
    this.faulty = false;
    this.group.clear();
    this.healAt = Infinity;
    for (const n of this.nodes.values()) if (!n.node && !this.stopped.has(n.id)) this.boot(n, []);
    this.log(() => 'heal everything');
    const end = this.t + this.quietTime;
    const opsUntil = this.t + Math.floor(this.quietTime / 4);
    let done = false;
    while (this.t < end) {
      this.step(false, this.t < opsUntil);
      if (this.t >= opsUntil && this.t % TICK === 0 && this.converged()) {
        done = true;
        break;
      }
    }
    if (!done) {
      const lead = this.leader();
      const st = [...this.nodes.values()]
        .map(
          (n) =>
            `${n.id}:${n.node ? `${StateRole[n.node.raft.state]}/t${n.node.raft.term}/c${n.node.raft.raftLog.committed}/a${n.sm.appliedIndex}` : this.stopped.has(n.id) ? 'stopped' : 'down'}`,
        )
        .join(' ');
      this.fail(
        `no convergence after healing (leader ${lead?.id ?? 'none'}; ${st}; pending puts ${this.pendingPuts.size} gets ${this.pendingGets.size})`,
      );
    }
    const history = this.history.filter((o) => !(o.kind === 'get' && (o.dropped || o.ret === Infinity)));
    const res = checkKvHistory(history);
    if (!res.ok) this.fail(`history is not linearizable on key ${res.key}:\n${res.detail}`);
    this.stats.time = this.t;
    this.log(() => `done: ${JSON.stringify(this.stats)}`);
    return this.stats;
  }
}

/** Runs one seed: 3 nodes for even seeds, 5 for odd ones. */
export function runSeed(seed: number, trace?: (line: string) => void, traceMessages = false): SimStats {
  return new Simulation({ seed, nodes: seed % 2 === 0 ? 3 : 5, trace, traceMessages }).run();
}
