import {
  EntryType,
  MessageType,
  NONE,
  StateRole,
  type ConfChange,
  type ConfState,
  type HardState,
  type Message,
  type NodeId,
  type Ready,
  type SoftState,
} from '../types';
import { encodeConfChange } from './conf-change-codec';
import type { RaftConfig } from './config';
import { LocalMessageError, ProposalDroppedError } from './errors';
import type { ProgressState } from './progress';
import { Raft } from './raft';

const EMPTY = new Uint8Array(0);

/** What status() reports. `progress` is present on the leader only. */
export interface RaftStatus {
  id: NodeId;
  term: number;
  vote: NodeId;
  commit: number;
  applied: number;
  leader: NodeId;
  role: StateRole;
  leadTransferee: NodeId;
  progress?: Map<NodeId, { match: number; next: number; state: ProgressState; isLearner: boolean }>;
}

function isLocal(t: MessageType): boolean {
  return (
    t === MessageType.Hup || t === MessageType.Beat || t === MessageType.SnapStatus || t === MessageType.Unreachable
  );
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

/**
 * The deterministic Raft core behind the Ready protocol (shaped like etcd's RawNode).
 * The driver loops: feed tick()/step()/propose(); when hasReady(), take rd = ready();
 * persist rd.hardState, rd.entries and rd.snapshot (and make them visible through the
 * LogStorage); send rd.messages; apply rd.committedEntries (calling applyConfChange for
 * ConfChange entries) and install rd.snapshot; then advance(rd). One Ready at a time:
 * never call ready() again before advance(). A Ready with a snapshot has no committed
 * entries (they follow in later Readys). tick/step/propose may be called while a Ready is
 * being handled; what they produce comes out in the next Ready.
 */
export class RawNode {
  readonly raft: Raft;
  private prevSoft: SoftState;
  private prevHard: HardState;

  constructor(cfg: RaftConfig) {
    this.raft = new Raft(cfg);
    this.prevSoft = { leader: this.raft.lead, role: this.raft.state };
    this.prevHard = cfg.storage.initialState().hardState;
  }

  /** One logical clock tick (election and heartbeat timeouts are counted in ticks). */
  tick(): void {
    this.raft.tick();
  }

  /** Feeds a message from the network. Throws LocalMessageError for Hup/Beat/SnapStatus/Unreachable. */
  step(m: Message): void {
    if (isLocal(m.type)) throw new LocalMessageError(m.type);
    try {
      this.raft.step(m);
    } catch (e) {
      // A forwarded proposal the leader cannot take is dropped; its proposer times out.
      if (m.type === MessageType.Prop && e instanceof ProposalDroppedError) return;
      throw e;
    }
  }

  /** Proposes an application command. Throws ProposalDroppedError (naming the leader if known). */
  propose(data: Uint8Array): void {
    this.raft.proposeLocal(EntryType.Normal, data);
  }

  /** Proposes a membership change; throws ConfChangePendingError while one is pending. */
  proposeConfChange(cc: ConfChange): void {
    this.raft.validateConfChange(cc);
    this.raft.proposeLocal(EntryType.ConfChange, encodeConfChange(cc));
  }

  /** Applies a committed ConfChange entry's change; returns the new membership. */
  applyConfChange(cc: ConfChange): ConfState {
    return this.raft.applyConfChange(cc);
  }

  /**
   * Asks for a linearizable read point (Raft thesis §6.4); the answer comes back in
   * Ready.readStates with this context, which must be non-empty and unique among pending
   * reads. Without a known leader the request is dropped silently (like a lost message):
   * the caller's timeout covers it.
   */
  readIndex(context: Uint8Array): void {
    if (!(context instanceof Uint8Array) || context.length === 0) {
      throw new RangeError('raft: readIndex context must be a non-empty Uint8Array');
    }
    this.raft.step(this.local(MessageType.ReadIndex, NONE, { context }));
  }

  /** Asks the leader to hand leadership to `to` (Raft thesis §3.10). */
  transferLeadership(to: NodeId): void {
    this.raft.step(this.local(MessageType.TransferLeader, to, {}, to));
  }

  /** Starts an election now (if this node may). */
  campaign(): void {
    this.raft.step(this.local(MessageType.Hup, NONE, {}));
  }

  /**
   * With leaderPersistReports: this node's log up to `index` (of `term`) is durable. Call it
   * whenever written entries become durable, in every role; only a leader uses it.
   */
  persisted(index: number, term: number): void {
    this.raft.persisted(index, term);
  }

  /** The transport could not reach `id`: the leader stops pipelining to it. */
  reportUnreachable(id: NodeId): void {
    this.raft.step(this.local(MessageType.Unreachable, NONE, {}, id));
  }

  /** The snapshot sent to `id` was delivered (ok) or failed. */
  reportSnapshot(id: NodeId, ok: boolean): void {
    this.raft.step(this.local(MessageType.SnapStatus, NONE, { reject: !ok }, id));
  }

  private local(
    type: MessageType,
    to: NodeId,
    extra: { context?: Uint8Array; reject?: boolean },
    from?: NodeId,
  ): Message {
    return {
      type,
      from: from ?? this.raft.id,
      to,
      term: 0,
      logTerm: 0,
      index: 0,
      entries: [],
      commit: 0,
      reject: extra.reject ?? false,
      rejectHint: 0,
      hintTerm: 0,
      context: extra.context ?? (type === MessageType.ReadIndex ? EMPTY : undefined),
    };
  }

  hasReady(): boolean {
    const r = this.raft;
    r.flush();
    if (r.msgs.length > 0 || r.readStates.length > 0) return true;
    const u = r.raftLog.unstable;
    if (u.entries.length > 0 || u.snapshot) return true;
    if (r.raftLog.hasNextCommittedEnts()) return true;
    if (r.lead !== this.prevSoft.leader || r.state !== this.prevSoft.role) return true;
    const p = this.prevHard;
    return r.term !== p.term || r.vote !== p.vote || r.raftLog.committed !== p.commit;
  }

  /** What the driver must persist, send and apply now; see the class comment for the order. */
  ready(): Ready {
    const r = this.raft;
    r.flush();
    let softState: SoftState | undefined;
    if (r.lead !== this.prevSoft.leader || r.state !== this.prevSoft.role) {
      softState = { leader: r.lead, role: r.state };
      this.prevSoft = softState;
    }
    let hardState: HardState | undefined;
    const hs = r.hardState();
    if (!sameHardState(hs, this.prevHard)) {
      hardState = hs;
      this.prevHard = hs;
    }
    const u = r.raftLog.unstable;
    const rd: Ready = {
      softState,
      hardState,
      readStates: r.readStates,
      entries: u.entries.slice(),
      snapshot: u.snapshot,
      committedEntries: r.raftLog.nextCommittedEnts(r.maxCommittedSizePerReady),
      messages: r.msgs,
    };
    r.readStates = [];
    r.msgs = [];
    return rd;
  }

  /** The driver finished with rd: its entries and snapshot are stable and its committed entries applied. */
  advance(rd: Ready): void {
    const log = this.raft.raftLog;
    if (rd.entries.length > 0) {
      const e = rd.entries[rd.entries.length - 1];
      log.unstable.stableTo(e.index, e.term);
    }
    if (rd.snapshot) {
      const i = rd.snapshot.metadata.index;
      log.unstable.stableSnapTo(i);
      if (i > log.applied) log.applied = i;
    }
    if (rd.committedEntries.length > 0) {
      const last = rd.committedEntries[rd.committedEntries.length - 1].index;
      if (last > log.applied) log.appliedTo(last);
      if (this.raft.state === StateRole.Leader) this.raft.reduceUncommittedSize(rd.committedEntries);
    }
  }

  status(): RaftStatus {
    const r = this.raft;
    const st: RaftStatus = {
      id: r.id,
      term: r.term,
      vote: r.vote,
      commit: r.raftLog.committed,
      applied: r.raftLog.applied,
      leader: r.lead,
      role: r.state,
      leadTransferee: r.leadTransferee,
    };
    if (r.state === StateRole.Leader) {
      st.progress = new Map();
      for (const [id, pr] of r.tracker.progress) {
        st.progress.set(id, { match: pr.match, next: pr.next, state: pr.state, isLearner: pr.isLearner });
      }
    }
    return st;
  }
}
