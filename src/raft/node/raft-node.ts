/**
 * RaftNode: the driver that joins the pure core (RawNode), the WAL (WalStorage), the
 * transport and timers. It processes Ready in a loop with group commit: while one batch is
 * being fsync'd, new proposals and messages accumulate in the core and go out in the next
 * Ready, so one fdatasync covers many proposals. A leader does not wait for its own fsync:
 * it sends, writes, and syncs in the background (syncs queued meanwhile share one), and its
 * copy counts toward a commit once synced.
 *
 * Proposals carry an 8-byte header (proposer id, sequence) so that whichever node proposed
 * can settle its promise when the entry is applied; the application never sees the header.
 */
import type { Socket } from 'node:net';
import type { Registry } from 'prom-client';
import { RawNode, decodeConfChange } from '../core';
import { WalStorage, type WalStorageOptions } from '../storage';
import { FatalStorageError } from '../storage/errors';
import { Transport, type TransportTls } from '../transport';
import {
  EntryType,
  StateRole,
  type ConfChange,
  type ConfState,
  type Entry,
  type Message,
  type NodeId,
  type Ready,
} from '../types';
import { ConfChangeType } from '../types';
import { NotLeaderError, StoppedError, TimeoutError } from './errors';
import { RaftMetrics } from './raft-metrics';
import { stage } from './stage-trace';
import { TickClock } from './tick-clock';

/** The application's state machine. */
export interface StateMachine {
  /** Applies one committed command in log order; the value settles the proposer's promise. */
  apply(entry: { readonly index: number; readonly term: number; readonly data: Buffer }): unknown;
  /** The state as of the last applied entry, for log compaction. */
  snapshot(): Uint8Array;
  /** Replaces the state with a snapshot's (at restart, or when the leader sends one). */
  restore(data: Uint8Array, index: number): void;
}

export interface RaftNodeOptions {
  id: NodeId;
  /** Folder for the WAL and snapshots. */
  dataDir: string;
  /**
   * "host:port" to listen on for peers. Omit it when another server owns the port (a cluster
   * port shared with other protocols) and hands raft's connections to acceptConnection().
   */
  listen?: string;
  /** Every member's peer address by id (this node's included), for a new cluster and for routing. */
  peers: ReadonlyMap<NodeId, string>;
  /**
   * With no log yet: true (default) makes `peers` the first configuration of a new cluster;
   * false joins an existing one, starting with no configuration and waiting for the leader,
   * which has already added this node with a membership change, to replicate its log.
   */
  bootstrap?: boolean;
  stateMachine: StateMachine;
  /** Mutual TLS between members; omit for plain TCP (loopback benchmarks and tests only). */
  tls?: TransportTls;
  /** Milliseconds per raft tick. Default 100. */
  tickMs?: number;
  /** Ticks without a leader before campaigning (randomized up to 2x). Default 10. */
  electionTicks?: number;
  /** Ticks between heartbeats. Default 1. */
  heartbeatTicks?: number;
  /**
   * Spread of the randomized election timeout, as a fraction of electionTicks: timeouts fall
   * in [electionTicks, electionTicks * (1 + jitter)). Default 1 (etcd's [T, 2T)). The spread
   * only has to exceed a vote round trip for split votes to stay rare, so a smaller one
   * shortens failover without lowering the minimum timeout.
   */
  electionJitter?: number;
  /** Take a snapshot and compact the log after this many applied entries. Default 100000. */
  snapshotEntries?: number;
  /** Default timeout of propose() and readBarrier(). Default 5000 ms. */
  requestTimeoutMs?: number;
  /** See RaftConfig.lazyCommitBroadcast: followers learn a commit with the next App or tick. Default false. */
  lazyCommitBroadcast?: boolean;
  /** Forward proposals made on a follower to the leader (true, default) or reject them with NotLeaderError. */
  forwardProposals?: boolean;
  /**
   * While no leader is known (an election is under way), hold proposals until one is (true),
   * as etcd does, so that a write made during a failover is committed with the new leader's
   * first entry instead of failing and being retried; or reject them at once with
   * NotLeaderError (false, default). Held proposals still end at their timeout.
   */
  holdProposalsWithoutLeader?: boolean;
  /** Metrics go here when given. */
  registry?: Registry;
  storage?: WalStorageOptions;
  /** Called once if the node stops on a fatal error (a failed fsync). Default: log to stderr. */
  onFatal?: (err: Error) => void;
  /** Called when the known leader or this node's role changes. */
  onLeaderChange?: (leader: NodeId, role: StateRole) => void;
  random?: () => number;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

interface PendingRead {
  pending: Pending;
  /** Index to reach before the read may be served; 0 until the ReadState arrives. */
  index: number;
}

const HEADER = 8;
/** Proposals held at most while no leader is known; more are refused with NotLeaderError. */
const MAX_HELD_PROPOSALS = 4096;
/** Ticks replayed at least, when the timer ran late, whatever the heartbeat interval. */
const MIN_CATCH_UP_TICKS = 3;

export class RaftNode {
  private rn!: RawNode;
  private storage!: WalStorage;
  private transport!: Transport;
  private metrics: RaftMetrics | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  /** Proposals (header included) made while no leader was known, by sequence. */
  private readonly held = new Map<number, Buffer>();
  private readonly reads = new Map<number, PendingRead>();
  private readsWaiting: PendingRead[] = [];
  private confPending: { cc: ConfChange; p: Pending } | undefined;
  private conf: ConfState = { voters: [], learners: [] };
  private applied = 0;
  private lastSnapshotIndex = 0;
  private compacting = false;
  private snapshotting: Promise<void> = Promise.resolve();
  private leader: NodeId = 0;
  private role: StateRole = StateRole.Follower;
  private running = false;
  private loopBusy = false;
  private loopScheduled = false;
  private stopping: Promise<void> | undefined;
  private fatal: Error | undefined;
  private loopDone: Promise<void> = Promise.resolve();
  private readonly tickMs: number;
  private readonly timeoutMs: number;

  constructor(private readonly o: RaftNodeOptions) {
    if (!Number.isInteger(o.id) || o.id <= 0)
      throw new RangeError(`raft node: id must be a positive integer, got ${o.id}`);
    if (!o.peers.has(o.id)) throw new RangeError(`raft node: peers must include this node's id ${o.id}`);
    this.tickMs = o.tickMs ?? 100;
    this.timeoutMs = o.requestTimeoutMs ?? 5000;
  }

  /** Opens the storage (recovering after a crash), restores the state machine, starts the transport and timers. */
  async start(): Promise<void> {
    if (this.running) return;
    const o = this.o;
    this.storage = WalStorage.open(o.dataDir, {
      ...o.storage,
      onFsync: (s) => this.metrics?.fsyncSeconds.observe(s),
    });
    const snap = this.storage.snapshot();
    if (snap.metadata.index > 0) o.stateMachine.restore(snap.data, snap.metadata.index);
    this.applied = snap.metadata.index;
    this.lastSnapshotIndex = snap.metadata.index;
    this.conf = snap.metadata.confState;
    const fresh =
      (o.bootstrap ?? true) && this.storage.lastIndex() === 0 && this.storage.initialState().hardState.term === 0;
    if (fresh) this.conf = { voters: [...o.peers.keys()].sort((a, b) => a - b), learners: [] };
    this.rn = new RawNode({
      id: o.id,
      storage: this.storage,
      electionTick: o.electionTicks ?? 10,
      heartbeatTick: o.heartbeatTicks ?? 1,
      applied: this.applied,
      maxInflightMsgs: 512,
      preVote: true,
      checkQuorum: true,
      lazyCommitBroadcast: o.lazyCommitBroadcast ?? false,
      leaderPersistReports: true,
      random: (
        (r: () => number, j: number) => () =>
          r() * j
      )(o.random ?? Math.random, Math.min(1, Math.max(0, o.electionJitter ?? 1))),
      peers: fresh ? [...o.peers.keys()] : undefined,
    });
    if (o.registry) {
      this.metrics = new RaftMetrics(o.registry, {
        term: () => this.rn.status().term,
        leader: () => this.leader,
        isLeader: () => this.role === StateRole.Leader,
        commit: () => this.rn.status().commit,
        applied: () => this.applied,
      });
    }
    this.transport = new Transport({
      id: o.id,
      listen: o.listen,
      peers: o.peers,
      tls: o.tls,
      onMessage: (m) => this.onMessage(m),
      onUnreachable: (id) => {
        if (!this.running) return;
        this.rn.reportUnreachable(id);
        this.schedule();
      },
      onSnapshotStatus: (id, ok) => {
        if (!this.running) return;
        this.rn.reportSnapshot(id, ok);
        if (ok) this.metrics?.snapshots.inc({ kind: 'sent' });
        this.schedule();
      },
      onSent: (n) => this.metrics?.messagesSent.inc(n),
      onReceived: (n) => this.metrics?.messagesReceived.inc(n),
      onDropped: (n) => this.metrics?.messagesDropped.inc(n),
    });
    await this.transport.start();
    this.running = true;
    this.startTicker();
    this.schedule();
  }

  /** Ticks on the monotonic clock, catching up a late timer (see TickClock). */
  private startTicker(): void {
    const ms = this.tickMs;
    // Lag of up to a heartbeat interval (at least 3 ticks) is timer lateness, replayed in full.
    const clock = new TickClock(ms, Math.max(MIN_CATCH_UP_TICKS, this.o.heartbeatTicks ?? 1), performance.now());
    this.ticker = setInterval(() => {
      const n = clock.take(performance.now());
      for (let i = 0; i < n; i++) this.rn.tick();
      if (n > 0) this.schedule();
    }, ms);
  }

  /** The voters and learners as of the last applied membership change. */
  confState(): ConfState {
    return this.conf;
  }

  /** Hands over an inbound peer stream accepted on a shared port (see `listen`). */
  acceptConnection(socket: Socket): void {
    if (!this.running) {
      socket.destroy();
      return;
    }
    this.transport.acceptConnection(socket);
  }

  /** Routes messages for member `id` to `addr` from now on (a member whose address changed). */
  setPeerAddress(id: NodeId, addr: string): void {
    if (this.running) this.transport.setPeerAddress(id, addr);
  }

  /** The known leader (0 if none). */
  leaderId(): NodeId {
    return this.leader;
  }

  isLeader(): boolean {
    return this.role === StateRole.Leader;
  }

  /** Index of the last entry applied to the state machine. */
  appliedIndex(): number {
    return this.applied;
  }

  status() {
    return this.rn.status();
  }

  /**
   * Proposes a command. Resolves with the state machine's apply() result once the entry is
   * committed (on a majority's disks) and applied here. Rejects with NotLeaderError (no
   * leader known and holdProposalsWithoutLeader off, or forwarding disabled on a follower),
   * TimeoutError or StoppedError.
   */
  propose(data: Uint8Array, timeoutMs = this.timeoutMs): Promise<unknown> {
    if (!this.running) return Promise.reject(this.fatal ?? new StoppedError());
    const noLeader = this.role !== StateRole.Leader && this.leader === 0;
    const hold = noLeader && this.o.holdProposalsWithoutLeader === true && this.held.size < MAX_HELD_PROPOSALS;
    if (!hold && this.role !== StateRole.Leader && (noLeader || this.o.forwardProposals === false)) {
      this.metrics?.proposals.inc({ result: 'not_leader' });
      return Promise.reject(new NotLeaderError(this.leader));
    }
    const seq = (this.seq = (this.seq + 1) >>> 0);
    const buf = Buffer.allocUnsafe(HEADER + data.length);
    buf.writeUInt32LE(this.o.id, 0);
    buf.writeUInt32LE(seq, 4);
    buf.set(data, HEADER);
    if (hold) {
      this.held.set(seq, buf);
      return this.awaitApply(seq, timeoutMs);
    }
    try {
      this.rn.propose(buf);
    } catch (err) {
      this.metrics?.proposals.inc({ result: 'dropped' });
      const leader = (err as { leader?: number }).leader ?? this.leader;
      return Promise.reject(new NotLeaderError(leader, (err as Error).message));
    }
    this.schedule();
    return this.awaitApply(seq, timeoutMs);
  }

  private awaitApply(seq: number, timeoutMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(seq);
        this.held.delete(seq);
        this.metrics?.proposals.inc({ result: 'timeout' });
        reject(new TimeoutError('proposal', timeoutMs));
      }, timeoutMs);
      this.pending.set(seq, { resolve, reject, timer });
    });
  }

  /** Hands the proposals held without a leader to the core, once a leader is known. */
  private releaseHeld(): void {
    if (this.held.size === 0 || (this.role !== StateRole.Leader && this.leader === 0)) return;
    const forward = this.role === StateRole.Leader || this.o.forwardProposals !== false;
    for (const [seq, buf] of this.held) {
      this.held.delete(seq);
      const p = this.pending.get(seq);
      if (!p) continue;
      try {
        if (!forward) throw new NotLeaderError(this.leader);
        this.rn.propose(buf);
      } catch (err) {
        this.pending.delete(seq);
        clearTimeout(p.timer);
        this.metrics?.proposals.inc({ result: 'not_leader' });
        p.reject(err instanceof NotLeaderError ? err : new NotLeaderError(this.leader, (err as Error).message));
      }
    }
  }

  /**
   * Resolves once this node's state machine reflects every write committed before the call
   * (a ReadIndex round, Raft thesis §6.4): reads after it are linearizable.
   */
  readBarrier(timeoutMs = this.timeoutMs): Promise<void> {
    if (!this.running) return Promise.reject(this.fatal ?? new StoppedError());
    if (this.leader === 0) return Promise.reject(new NotLeaderError(0));
    const seq = (this.seq = (this.seq + 1) >>> 0);
    const ctx = Buffer.allocUnsafe(8);
    ctx.writeUInt32LE(this.o.id, 0);
    ctx.writeUInt32LE(seq, 4);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.reads.delete(seq);
        this.readsWaiting = this.readsWaiting.filter((r) => r.pending.timer !== timer);
        reject(new TimeoutError('read barrier', timeoutMs));
      }, timeoutMs);
      this.reads.set(seq, { pending: { resolve: resolve as (v: unknown) => void, reject, timer }, index: 0 });
      this.rn.readIndex(ctx);
      this.schedule();
    });
  }

  /** Proposes a membership change (one at a time); resolves with the new membership once applied. */
  proposeConfChange(cc: ConfChange, timeoutMs = this.timeoutMs): Promise<ConfState> {
    if (!this.running) return Promise.reject(this.fatal ?? new StoppedError());
    if (this.role !== StateRole.Leader) return Promise.reject(new NotLeaderError(this.leader));
    if (this.confPending) return Promise.reject(new Error('raft: a membership change is already pending'));
    try {
      this.rn.proposeConfChange(cc);
    } catch (err) {
      return Promise.reject(err);
    }
    this.schedule();
    return new Promise<ConfState>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.confPending = undefined;
        reject(new TimeoutError('membership change', timeoutMs));
      }, timeoutMs);
      this.confPending = { cc, p: { resolve: resolve as (v: unknown) => void, reject, timer } };
    });
  }

  /** Asks the leader to hand over to `to`. */
  transferLeadership(to: NodeId): void {
    if (!this.running) throw this.fatal ?? new StoppedError();
    this.rn.transferLeadership(to);
    this.schedule();
  }

  private onMessage(m: Message): void {
    if (!this.running) return;
    stage('in', m.type);
    try {
      this.rn.step(m);
    } catch {
      // A message the core refuses (local type from the network, stale) is ignored.
      return;
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.loopScheduled || this.loopBusy || !this.running) return;
    this.loopScheduled = true;
    // setImmediate, not a microtask: requests that arrived in the same I/O phase get proposed
    // first and share the next Ready (and its fsync).
    setImmediate(() => {
      this.loopScheduled = false;
      stage('loop');
      if (!this.loopBusy && this.running) this.loopDone = this.loop();
    });
  }

  private async loop(): Promise<void> {
    this.loopBusy = true;
    try {
      while (this.running && this.rn.hasReady()) {
        const rd = this.rn.ready();
        await this.handle(rd);
        this.releaseHeld();
      }
    } catch (err) {
      this.fail(err as Error);
    } finally {
      this.loopBusy = false;
    }
  }

  private async handle(rd: Ready): Promise<void> {
    if (rd.softState) {
      const changed = rd.softState.leader !== this.leader || rd.softState.role !== this.role;
      this.leader = rd.softState.leader;
      this.role = rd.softState.role;
      if (changed) this.o.onLeaderChange?.(this.leader, this.role);
    }
    // Persist before sending anything that depends on it (Raft §5, Figure 2). The exception
    // is a leader whose term and vote are already on disk (Raft thesis §10.2.1): its messages
    // carry entries and a commit index, and it only writes its own copy here, syncing it in
    // the background. The core counts that copy toward a commit only once the sync reports it
    // durable (leaderPersistReports), so a commit needs a majority of durable copies, which
    // may be the followers' alone, and the loop goes on without waiting for the disk.
    const hs = rd.hardState;
    const persisted = this.storage.hardState();
    const early =
      this.role === StateRole.Leader &&
      !rd.snapshot &&
      (!hs || (hs.term === persisted.term && hs.vote === persisted.vote));
    const last = rd.entries.length > 0 ? rd.entries[rd.entries.length - 1] : undefined;
    stage('ready', rd.committedEntries.length);
    if (early) {
      if (rd.messages.length > 0) this.transport.send(rd.messages);
      stage('sent');
      if (rd.entries.length > 0 || hs) {
        await this.storage.write(rd);
        this.metrics?.readyBatches.inc();
      }
      if (last) this.persistInBackground(last.index, last.term);
    } else {
      if (rd.entries.length > 0 || hs || rd.snapshot) {
        await this.storage.save(rd);
        this.metrics?.readyBatches.inc();
        stage('saved');
      }
      if (last) this.rn.persisted(last.index, last.term);
      if (!this.running) return;
      if (rd.messages.length > 0) this.transport.send(rd.messages);
      stage('sent');
    }
    if (!this.running) return;
    if (rd.snapshot && rd.snapshot.metadata.index > this.applied) {
      this.o.stateMachine.restore(rd.snapshot.data, rd.snapshot.metadata.index);
      this.applied = rd.snapshot.metadata.index;
      this.lastSnapshotIndex = this.applied;
      this.conf = rd.snapshot.metadata.confState;
      this.syncPeers();
      this.metrics?.snapshots.inc({ kind: 'installed' });
    }
    if (rd.committedEntries.length > 0) this.applyEntries(rd.committedEntries);
    for (const rs of rd.readStates) {
      const c = Buffer.from(rs.context);
      if (c.length !== 8 || c.readUInt32LE(0) !== this.o.id) continue;
      const r = this.reads.get(c.readUInt32LE(4));
      if (!r) continue;
      this.reads.delete(c.readUInt32LE(4));
      r.index = rs.index;
      this.readsWaiting.push(r);
    }
    this.releaseReads();
    this.rn.advance(rd);
    stage('advanced');
    if (!this.compacting && this.applied - this.lastSnapshotIndex >= (this.o.snapshotEntries ?? 100000)) this.compact();
  }

  /** Syncs what the leader wrote; once durable, its copy up to `index` counts toward commit. */
  private persistInBackground(index: number, term: number): void {
    this.storage.flush().then(
      () => {
        if (!this.running) return;
        stage('flushed');
        this.rn.persisted(index, term);
        this.schedule();
      },
      (err) => this.fail(err as Error),
    );
  }

  private applyEntries(ents: readonly Entry[]): void {
    const sm = this.o.stateMachine;
    for (const e of ents) {
      if (e.index <= this.applied) continue;
      this.applied = e.index;
      if (e.type === EntryType.ConfChange) {
        this.applyConf(e);
        continue;
      }
      if (e.data.length < HEADER) continue; // a leader's empty entry
      const d = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data.buffer, e.data.byteOffset, e.data.length);
      const result = sm.apply({ index: e.index, term: e.term, data: d.subarray(HEADER) });
      if (d.readUInt32LE(0) !== this.o.id) continue;
      const seq = d.readUInt32LE(4);
      const p = this.pending.get(seq);
      if (!p) continue;
      this.pending.delete(seq);
      clearTimeout(p.timer);
      this.metrics?.proposals.inc({ result: 'applied' });
      p.resolve(result);
    }
  }

  private applyConf(e: Entry): void {
    let cc: ConfChange;
    try {
      cc = decodeConfChange(e.data);
    } catch {
      return;
    }
    this.conf = this.rn.applyConfChange(cc);
    if (cc.type === ConfChangeType.RemoveNode) this.transport.removePeer(cc.nodeId);
    else if (cc.context && cc.context.length > 0) this.transport.addPeer(cc.nodeId, Buffer.from(cc.context).toString());
    const cp = this.confPending;
    if (cp && cp.cc.nodeId === cc.nodeId && cp.cc.type === cc.type) {
      this.confPending = undefined;
      clearTimeout(cp.p.timer);
      cp.p.resolve(this.conf);
    }
  }

  /** After a snapshot install, drop transport peers that are no longer members. */
  private syncPeers(): void {
    const members = new Set([...this.conf.voters, ...this.conf.learners]);
    for (const id of this.o.peers.keys()) if (!members.has(id) && id !== this.o.id) this.transport.removePeer(id);
  }

  private releaseReads(): void {
    if (this.readsWaiting.length === 0) return;
    const keep: PendingRead[] = [];
    for (const r of this.readsWaiting) {
      if (r.index <= this.applied) {
        clearTimeout(r.pending.timer);
        r.pending.resolve(undefined);
      } else keep.push(r);
    }
    this.readsWaiting = keep;
  }

  /** Takes the application's snapshot now; writing it and trimming the log go on in the background. */
  private compact(): void {
    const index = this.applied;
    const data = this.o.stateMachine.snapshot();
    this.compacting = true;
    this.snapshotting = this.storage.createSnapshot(index, this.conf, data).then(
      () => {
        this.compacting = false;
        this.lastSnapshotIndex = Math.max(this.lastSnapshotIndex, index);
        this.metrics?.snapshots.inc({ kind: 'created' });
      },
      (err) => this.fail(err as Error),
    );
  }

  private fail(err: Error): void {
    if (this.fatal) return;
    this.fatal = err instanceof FatalStorageError ? err : new FatalStorageError('raft loop', { cause: err });
    (
      this.o.onFatal ??
      ((e) => process.stderr.write(`raft node ${this.o.id} stopped: ${e.message}: ${String((e as Error).cause)}\n`))
    )(this.fatal);
    void this.stop();
  }

  /** Stops timers, transport and storage; rejects what is pending with StoppedError. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    const wasRunning = this.running;
    this.running = false;
    if (this.ticker) clearInterval(this.ticker);
    const err = () => this.fatal ?? new StoppedError();
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err());
    }
    this.pending.clear();
    this.held.clear();
    for (const r of [...this.reads.values(), ...this.readsWaiting]) {
      clearTimeout(r.pending.timer);
      r.pending.reject(err());
    }
    this.reads.clear();
    this.readsWaiting = [];
    if (this.confPending) {
      clearTimeout(this.confPending.p.timer);
      this.confPending.p.reject(err());
      this.confPending = undefined;
    }
    if (!wasRunning && !this.storage) return;
    await this.transport?.stop();
    await this.loopDone.catch(() => {});
    await this.snapshotting.catch(() => {});
    await this.storage?.close();
  }
}
