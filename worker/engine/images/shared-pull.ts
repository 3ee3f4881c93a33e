import type { ProgressFn, ProgressMessage } from './progress';

export interface PullResult {
  id: string;
  name: string;
  digest: string;
}

/**
 * One pull followed by every caller that asked for the same image while it ran. Each caller's
 * progress display starts from what was shown so far: the last message of every layer line and
 * the messages without a line, in the order they came.
 */
export class SharedPull {
  readonly done: Promise<PullResult>;
  private resolve!: (r: PullResult) => void;
  private reject!: (e: unknown) => void;
  private readonly followers = new Set<ProgressFn>();
  /** By layer id (or a sequence number for lines without one); Map keeps first-seen order. */
  private readonly shown = new Map<string, ProgressMessage>();
  private unnamed = 0;

  constructor() {
    this.done = new Promise<PullResult>((res, rej) => ((this.resolve = res), (this.reject = rej)));
    this.done.catch(() => undefined); // every caller awaits it; none may leave it unhandled
  }

  settle(work: Promise<PullResult>): void {
    work.then(this.resolve, this.reject);
  }

  broadcast(m: ProgressMessage): void {
    const id = typeof m.id === 'string' ? `id:${m.id}` : `#${this.unnamed++}`;
    this.shown.set(id, m);
    for (const f of [...this.followers]) this.deliver(f, m);
  }

  /** Replays what was shown, then forwards what comes; the returned function stops forwarding. */
  follow(f: ProgressFn): () => void {
    this.followers.add(f);
    for (const m of this.shown.values()) if (this.followers.has(f)) this.deliver(f, m);
    return () => this.followers.delete(f);
  }

  /** A follower that throws (its client went away) is dropped; the pull goes on for the others. */
  private deliver(f: ProgressFn, m: ProgressMessage): void {
    try {
      f(m);
    } catch {
      this.followers.delete(f);
    }
  }
}
