/**
 * Watcher: one consumer's change feed, an AsyncIterable over a bounded queue. The store pushes
 * into it synchronously while applying and never waits for the consumer. A consumer that lets
 * more than `queueLimit` events pile up is cut off: the queue is dropped and the next `next()`
 * rejects with WatchOverflowError (then the iteration is done); it must resync with
 * viewAndWatch. close(), return() and the AbortSignal end the iteration normally; a store
 * restore ends it with WatchResetError. close() may be called any number of times.
 */
import { WatchOverflowError } from './errors';
import { matchesWatch, type ObjectEvent, type StoreEvent, type WatchFilter } from './store-event';

type Waiter = { resolve: (r: IteratorResult<StoreEvent>) => void; reject: (e: Error) => void };

export class Watcher implements AsyncIterableIterator<StoreEvent> {
  private queue: StoreEvent[] = [];
  private head = 0;
  private waiter: Waiter | undefined;
  private done = false;
  private error: Error | undefined;
  private readonly limit: number;
  private readonly commits: boolean;
  private readonly onAbort = () => this.close();

  /** @internal the store creates watchers (store.watch). */
  constructor(
    private readonly filter: WatchFilter,
    defaultLimit: number,
    private readonly onClose: (w: Watcher) => void,
    private readonly signal?: AbortSignal,
  ) {
    this.limit = filter.queueLimit ?? defaultLimit;
    if (!Number.isInteger(this.limit) || this.limit < 1)
      throw new RangeError(`watch: queueLimit must be a positive integer, got ${this.limit}`);
    this.commits = filter.commits ?? true;
    if (signal?.aborted) this.close();
    else signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Whether the watcher takes no more events. */
  get closed(): boolean {
    return this.done;
  }

  /** Events waiting for the consumer. */
  get pending(): number {
    return this.queue.length - this.head;
  }

  /** @internal Offers one applied batch's events. */
  deliver(events: readonly ObjectEvent[], index: number): void {
    if (this.done) return;
    let mine: ObjectEvent[];
    try {
      mine = events.filter((e) => matchesWatch(this.filter, e));
    } catch (err) {
      // The filter is the consumer's code; it runs inside apply, which must not throw.
      return this.fail(err instanceof Error ? err : new Error(String(err)));
    }
    if (mine.length === 0) return;
    const batch: StoreEvent[] = mine;
    if (this.commits) batch.push({ kind: 'commit', action: 'commit', index, changes: mine.length });
    if (this.pending + batch.length > this.limit) return this.fail(new WatchOverflowError(this.limit));
    for (const e of batch) this.queue.push(e);
    this.wake();
  }

  /** Ends the iteration with `err` (thrown by the next next()) or quietly. */
  fail(err: Error): void {
    if (this.done) return;
    this.error = err;
    this.queue = [];
    this.head = 0;
    this.finish();
  }

  close(): void {
    if (this.done) return;
    this.queue = [];
    this.head = 0;
    this.finish();
  }

  next(): Promise<IteratorResult<StoreEvent>> {
    if (this.head < this.queue.length) {
      const value = this.queue[this.head++];
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.error) {
      const e = this.error;
      this.error = undefined;
      return Promise.reject(e);
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    if (this.waiter) return Promise.reject(new Error('watch: next() called again before the previous one settled'));
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  return(): Promise<IteratorResult<StoreEvent>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private finish(): void {
    this.done = true;
    this.signal?.removeEventListener('abort', this.onAbort);
    this.onClose(this);
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    if (!w) return;
    this.waiter = undefined;
    if (this.head < this.queue.length) w.resolve({ value: this.queue[this.head++], done: false });
    else if (this.error) {
      const e = this.error;
      this.error = undefined;
      w.reject(e);
    } else if (this.done) w.resolve({ value: undefined, done: true });
    else this.waiter = w;
  }
}
