import type { ConfState, NodeId } from '../types';
import { Progress } from './progress';

/**
 * The membership (voters and learners) and the leader's per-member progress, with quorum
 * arithmetic for commit (Raft §5.3) and elections (§5.2).
 */
export class ProgressTracker {
  voters: NodeId[] = [];
  learners: NodeId[] = [];
  readonly progress = new Map<NodeId, Progress>();
  readonly votes = new Map<NodeId, boolean>();
  private scratch: number[] = [];

  constructor(
    readonly maxInflight: number,
    readonly maxInflightBytes: number,
  ) {}

  isVoter(id: NodeId): boolean {
    return this.voters.includes(id);
  }

  isLearner(id: NodeId): boolean {
    return this.learners.includes(id);
  }

  quorum(): number {
    return (this.voters.length >> 1) + 1;
  }

  confState(): ConfState {
    return { voters: [...this.voters].sort((a, b) => a - b), learners: [...this.learners].sort((a, b) => a - b) };
  }

  addVoter(id: NodeId, next: number): void {
    this.learners = this.learners.filter((x) => x !== id);
    if (!this.voters.includes(id)) this.voters.push(id);
    const pr = this.progress.get(id);
    if (pr) pr.isLearner = false;
    else this.progress.set(id, this.newProgress(next, false));
  }

  addLearner(id: NodeId, next: number): void {
    if (this.voters.includes(id) || this.learners.includes(id)) return;
    this.learners.push(id);
    this.progress.set(id, this.newProgress(next, true));
  }

  remove(id: NodeId): void {
    this.voters = this.voters.filter((x) => x !== id);
    this.learners = this.learners.filter((x) => x !== id);
    this.progress.delete(id);
    this.votes.delete(id);
  }

  private newProgress(next: number, learner: boolean): Progress {
    const pr = new Progress(next, learner, this.maxInflight, this.maxInflightBytes);
    // A new member counts as active so that CheckQuorum does not depose the leader at once.
    pr.recentActive = true;
    return pr;
  }

  /** The largest index replicated on a quorum of voters (Raft §5.3). */
  committedIndex(): number {
    const n = this.voters.length;
    if (n === 0) return Number.MAX_SAFE_INTEGER;
    const a = this.scratch;
    a.length = n;
    for (let k = 0; k < n; k++) a[k] = this.progress.get(this.voters[k])?.match ?? 0;
    a.sort(descending);
    return a[this.quorum() - 1];
  }

  /** Whether a quorum of voters was heard from recently (CheckQuorum). */
  quorumActive(self: NodeId): boolean {
    let active = 0;
    for (const id of this.voters) {
      if (id === self || this.progress.get(id)?.recentActive) active++;
    }
    return active >= this.quorum();
  }

  resetVotes(): void {
    this.votes.clear();
  }

  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  /** 'won', 'lost' or 'pending' among the voters. */
  tallyVotes(): 'won' | 'lost' | 'pending' {
    let granted = 0;
    let rejected = 0;
    for (const id of this.voters) {
      const v = this.votes.get(id);
      if (v === true) granted++;
      else if (v === false) rejected++;
    }
    const q = this.quorum();
    if (granted >= q) return 'won';
    if (this.voters.length - rejected < q) return 'lost';
    return 'pending';
  }

  /** Sets the membership outright (restore from a snapshot or initial state). */
  reset(cs: ConfState, next: number): void {
    this.voters = [];
    this.learners = [];
    this.progress.clear();
    this.votes.clear();
    for (const id of cs.voters) this.addVoter(id, next);
    for (const id of cs.learners) this.addLearner(id, next);
  }
}

function descending(a: number, b: number): number {
  return b - a;
}
