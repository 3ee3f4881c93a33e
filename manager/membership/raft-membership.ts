/**
 * Raft membership changes on the leader, one at a time: a joining or promoted manager becomes a
 * learner (its address in the change's context), and the leader's promotion loop makes each
 * learner a voter once its log has caught up, so a new member never counts towards quorum
 * before it can vote. Removals (demote, node rm, leave) go through the quorum rules first.
 */
import { randomInt } from 'node:crypto';
import { ConfChangeType, ProgressState, StateRole, type RaftNode } from '../../src/raft';
import type { MemoryStore } from '../../src/store';
import { FailedPreconditionError, NoLeaderError } from '../errors';
import type { StoredNode } from '../internal-fields';
import { checkCanRemoveMember, type VoterState } from './quorum-rules';

export interface RaftMembershipDeps {
  readonly raft: RaftNode;
  readonly store: MemoryStore;
  readonly selfRaftId: number;
  readonly selfAddr: string;
}

/** How often the leader looks for learners to promote. */
const PROMOTE_EVERY_MS = 300;
/** Entries a replicating learner may trail the commit index by and still be promoted. */
const CATCH_UP_WINDOW = 64;

export class RaftMembership {
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly d: RaftMembershipDeps) {}

  /** Raft id -> address of every member, from the store (this node's from its options). */
  addresses(): Map<number, string> {
    const out = new Map<number, string>([[this.d.selfRaftId, this.d.selfAddr]]);
    this.d.store.view((tx) => {
      for (const n of tx.find('node') as StoredNode[]) {
        const id = n.Internal?.raftId;
        if (id && n.ManagerStatus?.Addr && id !== this.d.selfRaftId) out.set(id, n.ManagerStatus.Addr);
      }
    });
    return out;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private requireLeader(): void {
    if (!this.d.raft.isLeader()) throw new NoLeaderError('this manager is not the leader');
  }

  /**
   * Adds `nodeId` (at `addr`) as a learner: a fresh raft id goes on its Node object, then the
   * membership change is committed. Returns the id and the members to talk to.
   */
  addLearner(nodeId: string, addr: string): Promise<{ raftId: number; peers: { raftId: number; addr: string }[] }> {
    return this.serial(async () => {
      this.requireLeader();
      const conf = this.d.raft.confState();
      const taken = new Set([...conf.voters, ...conf.learners]);
      let raftId = 0;
      do raftId = randomInt(1, 0x7fff_ffff);
      while (taken.has(raftId));
      await this.d.store.update((tx) => {
        const n = tx.get('node', nodeId) as StoredNode | undefined;
        if (!n) throw new FailedPreconditionError(`node ${nodeId} not found`);
        const next = structuredClone(n) as StoredNode & { Internal: Record<string, unknown> };
        next.Internal = { ...(n.Internal ?? {}), raftId };
        next.ManagerStatus = { Reachability: 'unknown', Addr: addr };
        tx.update('node', next);
      });
      await this.d.raft.proposeConfChange({
        type: ConfChangeType.AddLearner,
        nodeId: raftId,
        context: Buffer.from(addr),
      });
      const addrs = this.addresses();
      addrs.set(raftId, addr);
      const after = this.d.raft.confState();
      const peers = [...after.voters, ...after.learners]
        .filter((id) => addrs.has(id))
        .map((id) => ({ raftId: id, addr: addrs.get(id)! }));
      return { raftId, peers };
    });
  }

  /** The voters, each reachable when it is the leader or its node is ready. */
  voterStates(): VoterState[] {
    const conf = this.d.raft.confState();
    const byRaft = new Map<number, StoredNode>();
    this.d.store.view((tx) => {
      for (const n of tx.find('node') as StoredNode[]) if (n.Internal?.raftId) byRaft.set(n.Internal.raftId, n);
    });
    return conf.voters.map((raftId) => ({
      raftId,
      reachable: raftId === this.d.selfRaftId || byRaft.get(raftId)?.Status.State === 'ready',
    }));
  }

  /** Removes a member after the quorum check (skipped with `force`). The leader itself cannot be removed here. */
  remove(raftId: number, force = false): Promise<void> {
    return this.serial(async () => {
      this.requireLeader();
      const conf = this.d.raft.confState();
      if (!conf.voters.includes(raftId) && !conf.learners.includes(raftId)) return;
      if (!force && conf.voters.includes(raftId)) checkCanRemoveMember(this.voterStates(), raftId);
      if (raftId === this.d.selfRaftId)
        throw new FailedPreconditionError('the leader cannot remove itself; transfer leadership first');
      await this.d.raft.proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: raftId });
    });
  }

  /** Starts the leader's learner promotion loop. Idempotent. */
  startPromoting(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.promoteCaughtUp(), PROMOTE_EVERY_MS);
  }

  /** Stops it. Idempotent. */
  stopPromoting(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Whether the Node that holds raft id `raftId` is still meant to be a manager. */
  private wantsManager(raftId: number): boolean {
    return this.d.store.view((tx) =>
      (tx.find('node') as StoredNode[]).some((n) => n.Internal?.raftId === raftId && n.Spec.Role === 'manager'),
    );
  }

  /**
   * One pass of the promotion loop: the first caught-up learner becomes a voter. A learner whose
   * Node is no longer a manager's (demoted or removed while it caught up, by a manager that did
   * not see it in raft yet) is taken out instead, so that the dispatcher can tell it its role.
   */
  async promoteCaughtUp(): Promise<void> {
    const raft = this.d.raft;
    if (!raft.isLeader()) return;
    const st = raft.status();
    if (st.role !== StateRole.Leader || !st.progress) return;
    for (const learner of raft.confState().learners) {
      if (!this.wantsManager(learner)) {
        await this.serial(async () => {
          if (!raft.isLeader() || !raft.confState().learners.includes(learner) || this.wantsManager(learner)) return;
          await raft.proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: learner });
        }).catch(() => undefined);
        return;
      }
      const pr = st.progress.get(learner);
      // Caught up: at the commit point, or replicating within a small window of it (under a
      // steady stream of writes the learner's match trails the commit by a few entries).
      const caughtUp =
        pr &&
        pr.match > 0 &&
        (pr.match >= st.commit || (pr.state === ProgressState.Replicate && st.commit - pr.match <= CATCH_UP_WINDOW));
      if (!caughtUp) continue;
      await this.serial(async () => {
        // Looked again once it is this change's turn: a removal queued ahead of it (a demotion,
        // `node rm`) may have taken the learner out, and promoting it then would add back a
        // voter that no longer runs raft (and that nobody routes to any more).
        if (!raft.isLeader() || !raft.confState().learners.includes(learner) || !this.wantsManager(learner)) return;
        await raft.proposeConfChange({ type: ConfChangeType.AddVoter, nodeId: learner });
      }).catch(() => undefined);
      return; // one change at a time; the next tick looks again
    }
  }
}
