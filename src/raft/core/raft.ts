import { CompactedError, LogUnavailableError } from '../log-storage';
import {
  ConfChangeType,
  EntryType,
  MessageType,
  NONE,
  StateRole,
  type ConfChange,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type NodeId,
  type ReadState,
  type Snapshot,
} from '../types';
import { decodeConfChange, encodeConfChange } from './conf-change-codec';
import { resolveConfig, type RaftConfig, type ResolvedRaftConfig } from './config';
import { ConfChangePendingError, InvalidConfChangeError, ProposalDroppedError } from './errors';
import { ProgressState, type Progress } from './progress';
import { ProgressTracker } from './progress-tracker';
import { RaftLog } from './raft-log';
import { contextKey, ReadOnly } from './read-only';

type MutableMessage = { -readonly [K in keyof Message]: Message[K] };
type MessageInit = Partial<MutableMessage> & { type: MessageType; to: NodeId };

const NO_ENTRIES: readonly Entry[] = Object.freeze([]);
const EMPTY = new Uint8Array(0);
/** Vote context of a campaign started by TimeoutNow: it overrides the followers' leader lease. */
const TRANSFER_CONTEXT = new TextEncoder().encode('CampaignTransfer');
const TRANSFER_KEY = contextKey(TRANSFER_CONTEXT);

type CampaignKind = 'pre' | 'elect' | 'transfer';

function voteRespType(t: MessageType): MessageType {
  return t === MessageType.Vote ? MessageType.VoteResp : MessageType.PreVoteResp;
}

/**
 * The Raft state machine (Ongaro & Ousterhout, "In Search of an Understandable Consensus
 * Algorithm", and Ongaro's thesis for PreVote, CheckQuorum, ReadIndex and leadership
 * transfer). Deterministic: it only changes on tick(), step() and the driver's hand-offs, and
 * it writes its outgoing messages into `msgs`. RawNode wraps it with the Ready protocol.
 */
export class Raft {
  readonly id: NodeId;
  term = 0;
  vote: NodeId = NONE;
  lead: NodeId = NONE;
  state = StateRole.Follower;
  readonly raftLog: RaftLog;
  readonly tracker: ProgressTracker;
  msgs: Message[] = [];
  readStates: ReadState[] = [];
  leadTransferee: NodeId = NONE;
  /** Index of the newest ConfChange entry the leader appended; a new one waits until it is applied. */
  pendingConfIndex = 0;
  uncommittedSize = 0;

  private readonly cfg: ResolvedRaftConfig;
  /** Bytes of committed entries per Ready. */
  readonly maxCommittedSizePerReady: number;
  private readonly readOnly = new ReadOnly();
  private pendingReadIndexMessages: Message[] = [];
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  /**
   * A pre-vote that arrived while our leader lease still ran. Granting it had to wait, but
   * only until the lease ends: the pre-candidate counts ticks from the same last heartbeat as
   * we do, so it is often a tick ahead of us, and without an answer it would wait a whole new
   * election timeout. It is answered at the tick that ends the lease, and forgotten if the
   * leader is heard from again first (the lease is renewed) or our term changes.
   */
  private leasedPreVote: Message | undefined;
  /** Leader: App messages (new entries, commit index) are owed to the followers; sent at flush(). */
  private bcastPending = false;
  /** Leader with lazyCommitBroadcast: the commit index advanced since the followers were last sent it. */
  private commitPending = false;
  private readonly log: ResolvedRaftConfig['logger'];

  constructor(config: RaftConfig) {
    const cfg = resolveConfig(config);
    this.cfg = cfg;
    this.maxCommittedSizePerReady = cfg.maxCommittedSizePerReady;
    this.id = cfg.id;
    this.log = cfg.logger;
    this.raftLog = new RaftLog(cfg.storage);
    this.tracker = new ProgressTracker(cfg.maxInflightMsgs, cfg.maxInflightBytes);
    const { hardState, confState } = cfg.storage.initialState();
    this.tracker.reset(confState, this.raftLog.lastIndex() + 1);
    const fresh =
      this.raftLog.lastIndex() === 0 &&
      hardState.term === 0 &&
      confState.voters.length === 0 &&
      confState.learners.length === 0;
    if (fresh && cfg.peers.length > 0) {
      this.bootstrap(cfg.peers);
    } else {
      this.loadState(hardState);
      if (cfg.applied > 0)
        this.raftLog.applied = Math.max(this.raftLog.applied, Math.min(cfg.applied, this.raftLog.committed));
      this.replayConfChanges();
      this.becomeFollower(this.term, NONE);
    }
  }

  /** A brand-new cluster: one committed AddVoter entry per peer, identical on every member. */
  private bootstrap(peers: NodeId[]): void {
    const ents: Entry[] = peers.map((id, k) => ({
      term: 1,
      index: k + 1,
      type: EntryType.ConfChange,
      data: encodeConfChange({ type: ConfChangeType.AddVoter, nodeId: id }),
    }));
    this.raftLog.append(ents);
    this.raftLog.committed = ents.length;
    this.becomeFollower(1, NONE);
    for (const id of peers) this.tracker.addVoter(id, this.raftLog.lastIndex() + 1);
  }

  private loadState(hs: HardState): void {
    if (hs.term === 0 && hs.vote === 0 && hs.commit === 0) return;
    if (hs.commit > this.raftLog.lastIndex()) {
      // Entries acknowledged as committed are missing: the log on disk lost data.
      throw new Error(`raft: stored commit ${hs.commit} is beyond the last stored entry ${this.raftLog.lastIndex()}`);
    }
    // A snapshot only holds committed entries, so a commit below it (a crash between saving
    // the snapshot and the hard state) is merely out of date.
    this.raftLog.committed = Math.max(hs.commit, this.raftLog.committed);
    this.term = hs.term;
    this.vote = hs.vote;
  }

  /**
   * The membership as of `applied`: the stored one (as of the snapshot) plus the ConfChange
   * entries up to `applied`, which the driver will not hand back (re-applying is idempotent).
   * Later committed changes come back in committedEntries and the driver applies them.
   */
  private replayConfChanges(): void {
    let lo = this.raftLog.firstIndex();
    const hi = this.raftLog.applied + 1;
    while (lo < hi) {
      const ents = this.raftLog.slice(lo, hi, 64 * 1024 * 1024);
      for (const e of ents)
        if (e.type === EntryType.ConfChange) this.applyConfChangeToTracker(decodeConfChange(e.data));
      lo += ents.length;
    }
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.raftLog.committed };
  }

  promotable(): boolean {
    return this.tracker.isVoter(this.id) && this.raftLog.unstable.snapshot === undefined;
  }

  // ---- sending ----

  private send(init: MessageInit): void {
    const t = init.type;
    let term = init.term;
    if (term === undefined) {
      // Forwarded proposals and reads carry no term: any leader may take them.
      term = t === MessageType.Prop || t === MessageType.ReadIndex || t === MessageType.TransferLeader ? 0 : this.term;
    }
    this.msgs.push({
      type: t,
      from: init.from ?? this.id,
      to: init.to,
      term,
      logTerm: init.logTerm ?? 0,
      index: init.index ?? 0,
      entries: init.entries ?? NO_ENTRIES,
      commit: init.commit ?? 0,
      reject: init.reject ?? false,
      rejectHint: init.rejectHint ?? 0,
      hintTerm: init.hintTerm ?? 0,
      snapshot: init.snapshot,
      context: init.context,
    });
  }

  /** Sends what the leader owes since the last flush (batched App messages). */
  flush(): void {
    if (this.bcastPending) {
      this.bcastPending = false;
      this.commitPending = false;
      if (this.state === StateRole.Leader) this.bcastAppend();
    }
  }

  private sendAppend(to: NodeId): void {
    this.maybeSendAppend(to, true);
  }

  /** Raft §5.3: sends the entries after pr.next (or a snapshot if they are compacted). */
  private maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.tracker.progress.get(to);
    if (!pr || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.raftLog.termOrNone(prevIndex);
    let ents: Entry[] | undefined;
    if (prevTerm >= 0) {
      try {
        ents = this.raftLog.entriesFrom(pr.next, this.cfg.maxSizePerMsg);
      } catch (e) {
        if (!(e instanceof CompactedError) && !(e instanceof LogUnavailableError)) throw e;
      }
    }
    if (prevTerm < 0 || ents === undefined) return this.maybeSendSnapshot(to, pr);
    if (ents.length === 0 && !sendIfEmpty) return false;
    if (pr.state === ProgressState.Replicate) {
      if (ents.length > 0) {
        const last = ents[ents.length - 1].index;
        pr.next = last + 1;
        let bytes = 0;
        for (let k = 0; k < ents.length; k++) bytes += ents[k].data.length;
        pr.inflights.add(last, bytes);
      }
    } else {
      pr.msgAppFlowPaused = true;
    }
    this.send({
      type: MessageType.App,
      to,
      index: prevIndex,
      logTerm: prevTerm,
      entries: ents,
      commit: this.raftLog.committed,
    });
    return true;
  }

  private maybeSendSnapshot(to: NodeId, pr: Progress): boolean {
    if (!pr.recentActive) return false;
    const snap = this.raftLog.snapshot();
    if (snap.metadata.index === 0) throw new Error(`raft: ${to} needs a snapshot but none exists`);
    this.log.debug(`raft ${this.id}: sending snapshot ${snap.metadata.index} to ${to}`);
    pr.becomeSnapshot(snap.metadata.index);
    this.send({ type: MessageType.Snap, to, snapshot: snap });
    return true;
  }

  private bcastAppend(): void {
    for (const id of this.tracker.progress.keys()) if (id !== this.id) this.sendAppend(id);
  }

  private bcastHeartbeat(ctx?: Uint8Array): void {
    for (const [id, pr] of this.tracker.progress) {
      if (id === this.id) continue;
      // Never tell a follower to commit beyond what it is known to hold.
      this.send({
        type: MessageType.Heartbeat,
        to: id,
        commit: Math.min(pr.match, this.raftLog.committed),
        context: ctx,
      });
    }
  }

  // ---- role changes ----

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.leasedPreVote = undefined;
    this.randomizedElectionTimeout = this.cfg.electionTick + Math.floor(this.cfg.random() * this.cfg.electionTick);
    this.leadTransferee = NONE;
    this.tracker.resetVotes();
    const last = this.raftLog.lastIndex();
    for (const [id, pr] of this.tracker.progress) {
      pr.becomeProbe();
      // A leader that reports its writes learns its own match from the reports alone.
      pr.match = id === this.id && !this.cfg.leaderPersistReports ? last : 0;
      pr.next = last + 1;
      pr.recentActive = id === this.id;
    }
    this.pendingConfIndex = 0;
    this.uncommittedSize = 0;
    this.bcastPending = false;
    this.commitPending = false;
    this.readOnly.reset();
    this.pendingReadIndexMessages = [];
  }

  becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.lead = lead;
    this.state = StateRole.Follower;
  }

  private becomePreCandidate(): void {
    if (this.state === StateRole.Leader) throw new Error('raft: leader cannot become pre-candidate');
    // Raft thesis §9.6: a pre-election changes neither term nor vote.
    this.tracker.resetVotes();
    this.lead = NONE;
    this.state = StateRole.PreCandidate;
  }

  private becomeCandidate(): void {
    if (this.state === StateRole.Leader) throw new Error('raft: leader cannot become candidate');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.state = StateRole.Candidate;
  }

  private becomeLeader(): void {
    if (this.state === StateRole.Follower) throw new Error('raft: follower cannot become leader');
    this.reset(this.term);
    this.lead = this.id;
    this.state = StateRole.Leader;
    const self = this.tracker.progress.get(this.id);
    if (self) {
      self.becomeReplicate();
      self.recentActive = true;
    }
    // No conf change until everything before our term is applied (the one-at-a-time rule).
    this.pendingConfIndex = this.raftLog.lastIndex();
    // Raft §8: a no-op entry of our term commits everything before it (and enables reads).
    this.appendEntries([{ term: 0, index: 0, type: EntryType.Normal, data: EMPTY }], true);
    this.log.info(`raft ${this.id}: became leader at term ${this.term}`);
  }

  // ---- ticks ----

  tick(): void {
    if (this.state === StateRole.Leader) this.tickHeartbeat();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    const pv = this.leasedPreVote;
    if (pv && this.electionElapsed >= this.cfg.electionTick) {
      this.leasedPreVote = undefined;
      this.step(pv);
    }
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup(this.cfg.preVote ? 'pre' : 'elect');
    }
  }

  private tickHeartbeat(): void {
    if (this.commitPending) {
      this.commitPending = false;
      this.bcastAppend();
    }
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.cfg.electionTick) {
      this.electionElapsed = 0;
      if (this.cfg.checkQuorum) {
        // Raft thesis §6.2: a leader that cannot reach a quorum steps down.
        if (!this.tracker.quorumActive(this.id)) {
          this.log.warn(`raft ${this.id}: stepped down at term ${this.term}: no quorum active`);
          this.becomeFollower(this.term, NONE);
          return;
        }
        for (const [id, pr] of this.tracker.progress) if (id !== this.id) pr.recentActive = false;
      }
      if (this.leadTransferee !== NONE) this.leadTransferee = NONE; // transfer timed out
    }
    if (this.heartbeatElapsed >= this.cfg.heartbeatTick) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat(this.readOnly.lastPendingContext());
    }
  }

  // ---- elections ----

  private hasUnappliedConfChanges(): boolean {
    const lo = this.raftLog.applied + 1;
    const hi = this.raftLog.committed + 1;
    if (lo >= hi) return false;
    let i = Math.max(lo, this.raftLog.firstIndex());
    while (i < hi) {
      const ents = this.raftLog.slice(i, hi, 64 * 1024 * 1024);
      for (const e of ents) if (e.type === EntryType.ConfChange) return true;
      i += ents.length;
    }
    return false;
  }

  private hup(kind: CampaignKind): void {
    if (this.state === StateRole.Leader) return;
    if (!this.promotable()) return;
    if (this.hasUnappliedConfChanges()) {
      this.log.warn(`raft ${this.id}: not campaigning: committed membership changes are not applied yet`);
      return;
    }
    this.campaign(kind);
  }

  private campaign(kind: CampaignKind): void {
    let type: MessageType;
    let term: number;
    if (kind === 'pre') {
      this.becomePreCandidate();
      type = MessageType.PreVote;
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      type = MessageType.Vote;
      term = this.term;
    }
    this.tracker.recordVote(this.id, true);
    if (this.tracker.tallyVotes() === 'won') {
      if (kind === 'pre') this.campaign('elect');
      else this.becomeLeader();
      return;
    }
    const index = this.raftLog.lastIndex();
    const logTerm = this.raftLog.lastTerm();
    const context = kind === 'transfer' ? TRANSFER_CONTEXT : undefined;
    for (const id of this.tracker.voters) {
      if (id === this.id) continue;
      this.send({ type, to: id, term, index, logTerm, context });
    }
  }

  // ---- step ----

  /** Feeds one message. Local proposals that cannot be taken throw ProposalDroppedError. */
  step(m: Message): void {
    if (m.term === 0) {
      // local message or a forwarded proposal/read
    } else if (m.term > this.term) {
      if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
        const force = contextKey(m.context) === TRANSFER_KEY;
        const inLease = this.cfg.checkQuorum && this.lead !== NONE && this.electionElapsed < this.cfg.electionTick;
        // Thesis §4.2.3: while a leader is live, disruptive (pre)votes are ignored.
        if (!force && inLease) {
          if (m.type === MessageType.PreVote && this.state === StateRole.Follower) this.leasedPreVote = m;
          return;
        }
      }
      if (m.type === MessageType.PreVote) {
        // A pre-vote never changes our term.
      } else if (m.type === MessageType.PreVoteResp && !m.reject) {
        // Granted pre-votes carry the future term; the real election bumps it.
      } else if (m.type === MessageType.App || m.type === MessageType.Heartbeat || m.type === MessageType.Snap) {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, NONE);
      }
    } else if (m.term < this.term) {
      if (
        (this.cfg.checkQuorum || this.cfg.preVote) &&
        (m.type === MessageType.Heartbeat || m.type === MessageType.App)
      ) {
        // Tell a stale leader about our term, so that it steps down (it may be cut off by pre-vote).
        this.send({ type: MessageType.AppResp, to: m.from });
      } else if (m.type === MessageType.PreVote) {
        this.send({ type: MessageType.PreVoteResp, to: m.from, reject: true });
      }
      return;
    }

    switch (m.type) {
      case MessageType.Hup:
        this.hup(this.cfg.preVote ? 'pre' : 'elect');
        return;
      case MessageType.Vote:
      case MessageType.PreVote: {
        // Raft §5.2, §5.4.1: one vote per term, only for a log at least as up-to-date as ours.
        const canVote =
          this.vote === m.from ||
          (this.vote === NONE && this.lead === NONE) ||
          (m.type === MessageType.PreVote && m.term > this.term);
        if (canVote && this.raftLog.isUpToDate(m.index, m.logTerm)) {
          this.send({ type: voteRespType(m.type), to: m.from, term: m.term });
          if (m.type === MessageType.Vote) {
            this.electionElapsed = 0;
            this.vote = m.from;
          } else if (this.state === StateRole.PreCandidate && this.outranks(m)) {
            // Two pre-campaigns at once would both succeed and split the real vote: the
            // one with the shorter log (or, for equal logs, the lower id) stands back.
            this.becomeFollower(this.term, NONE);
          }
        } else {
          this.send({ type: voteRespType(m.type), to: m.from, reject: true });
        }
        return;
      }
    }
    switch (this.state) {
      case StateRole.Leader:
        this.stepLeader(m);
        return;
      case StateRole.Follower:
        this.stepFollower(m);
        return;
      default:
        this.stepCandidate(m);
    }
  }

  /** True if the sender of a (pre)vote request has a longer log than ours, or an equal one and a higher id. */
  private outranks(m: Message): boolean {
    const lt = this.raftLog.lastTerm();
    if (m.logTerm !== lt) return m.logTerm > lt;
    const li = this.raftLog.lastIndex();
    return m.index !== li ? m.index > li : m.from > this.id;
  }

  private stepLeader(m: Message): void {
    switch (m.type) {
      case MessageType.Beat:
        this.bcastHeartbeat(this.readOnly.lastPendingContext());
        return;
      case MessageType.Prop:
        this.leaderPropose(m);
        return;
      case MessageType.ReadIndex:
        this.leaderReadIndex(m);
        return;
      case MessageType.TransferLeader:
        this.leaderTransfer(m.from);
        return;
    }
    const pr = this.tracker.progress.get(m.from);
    if (!pr) return;
    switch (m.type) {
      case MessageType.AppResp:
        this.handleAppendResponse(m, pr);
        return;
      case MessageType.HeartbeatResp:
        this.handleHeartbeatResponse(m, pr);
        return;
      case MessageType.SnapStatus:
        if (pr.state !== ProgressState.Snapshot) return;
        if (m.reject) pr.pendingSnapshot = 0;
        pr.becomeProbe();
        // Wait for an answer (or the next heartbeat) before probing again.
        pr.msgAppFlowPaused = true;
        return;
      case MessageType.Unreachable:
        if (pr.state === ProgressState.Replicate) pr.becomeProbe();
        return;
    }
  }

  private leaderPropose(m: Message): void {
    const local = m.from === NONE || m.from === this.id;
    if (!this.tracker.progress.has(this.id)) throw new ProposalDroppedError(NONE, 'this node was removed');
    if (this.leadTransferee !== NONE)
      throw new ProposalDroppedError(this.leadTransferee, 'leadership transfer in progress');
    const last = this.raftLog.lastIndex();
    const ents: Entry[] = new Array(m.entries.length);
    for (let k = 0; k < m.entries.length; k++) {
      const e = m.entries[k];
      if (e.type === EntryType.ConfChange) {
        let refusal: Error | undefined;
        if (this.pendingConfIndex > this.raftLog.applied) refusal = new ConfChangePendingError();
        else {
          try {
            this.validateConfChange(decodeConfChange(e.data));
          } catch (err) {
            refusal = err as Error;
          }
        }
        if (refusal) {
          if (local) throw refusal;
          // A forwarded change we cannot take becomes a no-op; its proposer times out.
          this.log.warn(`raft ${this.id}: dropping membership change from ${m.from}: ${refusal.message}`);
          ents[k] = { term: 0, index: 0, type: EntryType.Normal, data: EMPTY };
          continue;
        }
        this.pendingConfIndex = last + k + 1;
      }
      ents[k] = { term: 0, index: 0, type: e.type, data: e.data };
    }
    if (!this.appendEntries(ents, false)) throw new ProposalDroppedError(this.id, 'too many uncommitted entries');
  }

  /** Fast path for a local proposal on the leader: one entry, no message object. */
  proposeLocal(type: EntryType, data: Uint8Array): void {
    if (this.state !== StateRole.Leader) {
      this.step({
        type: MessageType.Prop,
        from: this.id,
        to: NONE,
        term: 0,
        logTerm: 0,
        index: 0,
        entries: [{ term: 0, index: 0, type, data }],
        commit: 0,
        reject: false,
        rejectHint: 0,
        hintTerm: 0,
      });
      return;
    }
    if (!this.tracker.progress.has(this.id)) throw new ProposalDroppedError(NONE, 'this node was removed');
    if (this.leadTransferee !== NONE)
      throw new ProposalDroppedError(this.leadTransferee, 'leadership transfer in progress');
    if (type === EntryType.ConfChange) {
      if (this.pendingConfIndex > this.raftLog.applied) throw new ConfChangePendingError();
      this.pendingConfIndex = this.raftLog.lastIndex() + 1;
    }
    if (!this.appendEntries([{ term: 0, index: 0, type, data }], false)) {
      throw new ProposalDroppedError(this.id, 'too many uncommitted entries');
    }
  }

  /** Leader: stamps term and index on fresh entry objects, appends them, and owes the followers an App. */
  private appendEntries(ents: Entry[], force: boolean): boolean {
    let size = 0;
    for (let k = 0; k < ents.length; k++) size += ents[k].data.length;
    const max = this.cfg.maxUncommittedEntriesSize;
    if (!force && max > 0 && this.uncommittedSize > 0 && this.uncommittedSize + size > max) return false;
    this.uncommittedSize += size;
    const li = this.raftLog.lastIndex();
    for (let k = 0; k < ents.length; k++) {
      const e = ents[k] as { term: number; index: number };
      e.term = this.term;
      e.index = li + 1 + k;
    }
    const last = this.raftLog.append(ents);
    if (!this.cfg.leaderPersistReports) {
      this.tracker.progress.get(this.id)?.maybeUpdate(last);
      this.maybeCommit();
    }
    this.bcastPending = true;
    return true;
  }

  /**
   * With leaderPersistReports: the entries up to `index` (whose term was `term` when written)
   * are durable here. A leader counts them toward commit; anything else ignores the report,
   * as does a leader whose log no longer holds that entry.
   */
  persisted(index: number, term: number): void {
    if (this.state !== StateRole.Leader || index <= 0 || this.raftLog.termOrNone(index) !== term) return;
    const self = this.tracker.progress.get(this.id);
    if (self && self.maybeUpdate(index)) this.maybeCommit();
  }

  /** Raft §5.3/§5.4.2: commit the quorum's match index if it is from our term. */
  private maybeCommit(): boolean {
    const before = this.raftLog.committed;
    const ok = this.raftLog.maybeCommit(this.tracker.committedIndex(), this.term);
    if (ok && before !== this.raftLog.committed) {
      if (this.cfg.lazyCommitBroadcast) this.commitPending = true;
      else this.bcastPending = true;
      this.releasePendingReadIndexMessages();
    }
    return ok;
  }

  reduceUncommittedSize(ents: readonly Entry[]): void {
    if (this.uncommittedSize === 0) return;
    let s = 0;
    for (let k = 0; k < ents.length; k++) s += ents[k].data.length;
    this.uncommittedSize = s > this.uncommittedSize ? 0 : this.uncommittedSize - s;
  }

  private handleAppendResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    if (m.reject) {
      // Raft §5.3 with fast backtracking: skip a whole term of mismatches per round trip.
      let nextProbe = m.rejectHint;
      if (m.hintTerm > 0) nextProbe = this.raftLog.findConflictByTerm(m.rejectHint, m.hintTerm)[0];
      if (pr.maybeDecrTo(m.index, nextProbe)) {
        if (pr.state === ProgressState.Replicate) pr.becomeProbe();
        this.sendAppend(m.from);
      }
      return;
    }
    const oldPaused = pr.isPaused();
    // A probe answered at the match we already knew also ends probing.
    const probeDone = pr.state === ProgressState.Probe && pr.match === m.index;
    if (!pr.maybeUpdate(m.index) && !probeDone) return;
    if (pr.state === ProgressState.Probe) pr.becomeReplicate();
    else if (pr.state === ProgressState.Snapshot && pr.match + 1 >= this.raftLog.firstIndex()) {
      pr.becomeProbe();
      pr.becomeReplicate();
    } else if (pr.state === ProgressState.Replicate) pr.inflights.freeLE(m.index);
    // A paused follower gets an App now, unless a broadcast (sent at flush) will carry it.
    if (!this.maybeCommit() && oldPaused && !this.bcastPending) this.sendAppend(m.from);
    while (this.maybeSendAppend(m.from, false)) {
      // keep the pipeline full
    }
    if (m.from === this.leadTransferee && pr.match === this.raftLog.lastIndex()) this.sendTimeoutNow(m.from);
  }

  private handleHeartbeatResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    pr.msgAppFlowPaused = false;
    const prev = pr.next - 1;
    const prevTerm = this.raftLog.termOrNone(prev);
    if (pr.state === ProgressState.Replicate && pr.inflights.full() && pr.match < this.raftLog.lastIndex()) {
      // The window is full and may never drain if an App was lost: an empty App at the window's
      // end either confirms it or draws a rejection that sends us back to probing. If that
      // point is compacted already, probe at once (which leads to a snapshot).
      if (prevTerm >= 0) {
        this.send({
          type: MessageType.App,
          to: m.from,
          index: prev,
          logTerm: prevTerm,
          commit: this.raftLog.committed,
        });
      } else {
        pr.becomeProbe();
        this.sendAppend(m.from);
      }
    } else if (pr.match < this.raftLog.lastIndex() || pr.state === ProgressState.Probe) {
      this.sendAppend(m.from);
    }
    if (!m.context || m.context.length === 0) return;
    const acks = this.readOnly.recvAck(m.from, m.context);
    if (!acks) return;
    let n = 0;
    for (const id of this.tracker.voters) if (acks.has(id)) n++;
    if (n < this.tracker.quorum()) return;
    for (const rs of this.readOnly.advance(m.context)) this.respondToReadIndex(rs.req, rs.index);
  }

  // ---- reads (Raft thesis §6.4) ----

  private committedEntryInCurrentTerm(): boolean {
    return this.raftLog.termOrNone(this.raftLog.committed) === this.term;
  }

  private leaderReadIndex(m: Message): void {
    if (this.tracker.voters.length === 1 && this.tracker.isVoter(this.id)) {
      this.respondToReadIndex(m, this.raftLog.committed);
      return;
    }
    // A new leader does not know the commit index until an entry of its term commits.
    if (!this.committedEntryInCurrentTerm()) {
      this.pendingReadIndexMessages.push(m);
      return;
    }
    this.readIndexRound(m);
  }

  private readIndexRound(m: Message): void {
    this.readOnly.addRequest(this.raftLog.committed, m);
    this.readOnly.recvAck(this.id, m.context);
    this.bcastHeartbeat(m.context);
  }

  private releasePendingReadIndexMessages(): void {
    if (this.pendingReadIndexMessages.length === 0 || !this.committedEntryInCurrentTerm()) return;
    const msgs = this.pendingReadIndexMessages;
    this.pendingReadIndexMessages = [];
    for (const m of msgs) this.readIndexRound(m);
  }

  private respondToReadIndex(req: Message, index: number): void {
    if (req.from === NONE || req.from === this.id) {
      this.readStates.push({ index, context: req.context ?? EMPTY });
    } else {
      this.send({ type: MessageType.ReadIndexResp, to: req.from, index, context: req.context });
      // The follower serves the read once it has applied `index`: it must learn that commit now.
      if (this.commitPending) this.sendAppend(req.from);
    }
  }

  // ---- leadership transfer (Raft thesis §3.10) ----

  private leaderTransfer(transferee: NodeId): void {
    if (!this.tracker.isVoter(transferee)) return;
    if (this.leadTransferee !== NONE) {
      if (this.leadTransferee === transferee) return;
      this.leadTransferee = NONE;
    }
    if (transferee === this.id) return;
    this.electionElapsed = 0; // the transfer must finish within an election timeout
    this.leadTransferee = transferee;
    const pr = this.tracker.progress.get(transferee);
    if (pr && pr.match === this.raftLog.lastIndex()) this.sendTimeoutNow(transferee);
    else this.sendAppend(transferee);
  }

  private sendTimeoutNow(to: NodeId): void {
    this.send({ type: MessageType.TimeoutNow, to });
  }

  private stepCandidate(m: Message): void {
    const myResp = this.state === StateRole.PreCandidate ? MessageType.PreVoteResp : MessageType.VoteResp;
    switch (m.type) {
      case MessageType.Prop:
        throw new ProposalDroppedError(NONE, 'election in progress');
      case MessageType.App:
        this.becomeFollower(m.term, m.from);
        this.handleAppendEntries(m);
        return;
      case MessageType.Heartbeat:
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return;
      case MessageType.Snap:
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
      case myResp: {
        this.tracker.recordVote(m.from, !m.reject);
        const res = this.tracker.tallyVotes();
        if (res === 'won') {
          if (this.state === StateRole.PreCandidate) this.campaign('elect');
          else this.becomeLeader();
        } else if (res === 'lost') {
          this.becomeFollower(this.term, NONE);
        }
        return;
      }
    }
  }

  /** A message from the leader restarts the election timer and renews its lease. */
  private heardFromLeader(from: NodeId): void {
    this.electionElapsed = 0;
    this.lead = from;
    this.leasedPreVote = undefined;
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case MessageType.Prop:
        if (this.lead === NONE) throw new ProposalDroppedError(NONE, 'no leader');
        this.send({ type: MessageType.Prop, to: this.lead, entries: m.entries });
        return;
      case MessageType.App:
        this.heardFromLeader(m.from);
        this.handleAppendEntries(m);
        return;
      case MessageType.Heartbeat:
        this.heardFromLeader(m.from);
        this.handleHeartbeat(m);
        return;
      case MessageType.Snap:
        this.heardFromLeader(m.from);
        this.handleSnapshot(m);
        return;
      case MessageType.TransferLeader:
        if (this.lead === NONE) return;
        this.send({ type: MessageType.TransferLeader, from: m.from, to: this.lead });
        return;
      case MessageType.TimeoutNow:
        // Transfers skip pre-vote: the old leader asked for this election.
        this.hup('transfer');
        return;
      case MessageType.ReadIndex:
        if (this.lead === NONE) {
          this.log.debug(`raft ${this.id}: no leader; dropping read`);
          return;
        }
        this.send({ type: MessageType.ReadIndex, to: this.lead, context: m.context });
        return;
      case MessageType.ReadIndexResp:
        this.readStates.push({ index: m.index, context: m.context ?? EMPTY });
        return;
    }
  }

  private handleAppendEntries(m: Message): void {
    if (m.index < this.raftLog.committed) {
      this.send({ type: MessageType.AppResp, to: m.from, index: this.raftLog.committed });
      return;
    }
    const lastnewi = this.raftLog.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastnewi >= 0) {
      this.send({ type: MessageType.AppResp, to: m.from, index: lastnewi });
      return;
    }
    const hintIndex = Math.min(m.index, this.raftLog.lastIndex());
    const [rejectHint, hintTerm] = this.raftLog.findConflictByTerm(hintIndex, m.logTerm);
    this.send({ type: MessageType.AppResp, to: m.from, index: m.index, reject: true, rejectHint, hintTerm });
  }

  private handleHeartbeat(m: Message): void {
    this.raftLog.commitTo(m.commit);
    this.send({ type: MessageType.HeartbeatResp, to: m.from, context: m.context });
  }

  private handleSnapshot(m: Message): void {
    if (m.snapshot && this.restore(m.snapshot)) {
      this.send({ type: MessageType.AppResp, to: m.from, index: this.raftLog.lastIndex() });
    } else {
      this.send({ type: MessageType.AppResp, to: m.from, index: this.raftLog.committed });
    }
  }

  /** Raft §7: installs the leader's snapshot unless our log already holds it. */
  private restore(s: Snapshot): boolean {
    const { index, term, confState } = s.metadata;
    if (index <= this.raftLog.committed) return false;
    if (this.state !== StateRole.Follower) {
      this.becomeFollower(this.term + 1, NONE);
      return false;
    }
    if (this.raftLog.matchTerm(index, term)) {
      this.raftLog.commitTo(index);
      return false;
    }
    this.log.info(`raft ${this.id}: restoring snapshot at index ${index} term ${term}`);
    this.raftLog.restore(s);
    this.tracker.reset(confState, this.raftLog.lastIndex() + 1);
    return true;
  }

  // ---- membership ----

  /** Checks a change against the current membership before it is proposed. */
  validateConfChange(cc: ConfChange): void {
    if (cc.type === ConfChangeType.RemoveNode && this.tracker.isVoter(cc.nodeId) && this.tracker.voters.length === 1) {
      throw new InvalidConfChangeError(`cannot remove the last voter ${cc.nodeId}`);
    }
    if (cc.type === ConfChangeType.AddLearner && this.tracker.isVoter(cc.nodeId)) {
      throw new InvalidConfChangeError(`${cc.nodeId} is a voter; demotion to learner is not supported`);
    }
  }

  private applyConfChangeToTracker(cc: ConfChange): void {
    const next = this.raftLog.lastIndex() + 1;
    switch (cc.type) {
      case ConfChangeType.AddVoter:
        this.tracker.addVoter(cc.nodeId, next);
        break;
      case ConfChangeType.AddLearner:
        if (this.tracker.isVoter(cc.nodeId)) this.log.warn(`raft ${this.id}: ignoring demotion of voter ${cc.nodeId}`);
        else this.tracker.addLearner(cc.nodeId, next);
        break;
      case ConfChangeType.RemoveNode:
        this.tracker.remove(cc.nodeId);
        break;
    }
  }

  /** The driver applied a ConfChange entry: the membership changes now (idempotent). */
  applyConfChange(cc: ConfChange): ConfState {
    const isNew = !this.tracker.progress.has(cc.nodeId);
    this.applyConfChangeToTracker(cc);
    if (this.state === StateRole.Leader) {
      if (!this.tracker.progress.has(this.id)) {
        // We were removed: stop leading; the others elect a leader among themselves.
        this.becomeFollower(this.term, NONE);
      } else {
        if (this.leadTransferee !== NONE && !this.tracker.isVoter(this.leadTransferee)) this.leadTransferee = NONE;
        // A smaller quorum may commit more (maybeCommit then broadcasts); a new member is probed.
        this.maybeCommit();
        if (isNew && this.tracker.progress.has(cc.nodeId)) this.sendAppend(cc.nodeId);
      }
    }
    return this.tracker.confState();
  }
}
