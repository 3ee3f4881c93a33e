/**
 * ReconcileLoop: the shape every orchestrator component shares. start() takes a view and a
 * watch at one point (viewAndWatch), lets the subclass mark what it must look at, and
 * reconciles once per commit of the change feed; commits that arrive while a reconcile runs
 * fold into one more pass (the debounce). Timers (restart delays, update monitors) call
 * wake(). A watch that overflows or is reset starts over from a fresh view. stop() is
 * idempotent and waits for the pass in flight.
 */
import {
  SequenceConflictError,
  type MemoryStore,
  type ObjectEvent,
  type ReadTx,
  type Watcher,
  type WatchFilter,
} from '../../src/store';
import { createLogger, type Logger } from '../../src/util';
import { systemClock, type Clock } from './clock';

/** How long a pass that failed (other than on a sequence conflict) waits before the next try. */
export const RETRY_AFTER_FAILURE_MS = 1000;

export interface ReconcileLoopOptions {
  store: MemoryStore;
  /** Default: the system clock. */
  clock?: Clock;
  logger?: Logger;
}

export abstract class ReconcileLoop {
  protected readonly store: MemoryStore;
  protected readonly clock: Clock;
  protected readonly log: Logger;
  private abort: AbortController | undefined;
  private watcher: Watcher | undefined;
  private loop: Promise<void> | undefined;
  private pass: Promise<void> | undefined;
  private again = false;
  private scheduled = false;
  private readonly timers = new Set<unknown>();

  constructor(name: string, opts: ReconcileLoopOptions) {
    this.store = opts.store;
    this.clock = opts.clock ?? systemClock;
    this.log = opts.logger ?? createLogger(`orchestrator.${name}`);
  }

  /** Whether the component runs. */
  get running(): boolean {
    return this.abort !== undefined;
  }

  /** Starts following the store. Idempotent. */
  start(): void {
    if (this.abort) return;
    this.abort = new AbortController();
    this.loop = this.follow(this.abort.signal);
  }

  /** Stops following and drops timers; resolves after the reconcile in flight. Idempotent. */
  async stop(): Promise<void> {
    const a = this.abort;
    if (!a) return;
    this.abort = undefined;
    a.abort();
    this.watcher?.close();
    for (const t of this.timers) this.clock.clearTimer(t);
    this.timers.clear();
    await this.loop;
    await this.pass;
    this.onStop();
  }

  /**
   * Resolves once nothing is left to do: no event queued, no pass running or scheduled.
   * Tests call it after each write they make on behalf of other components.
   */
  async settled(): Promise<void> {
    for (let quiet = 0; quiet < 3;) {
      await new Promise<void>((r) => setImmediate(r));
      const busy = this.pass !== undefined || this.scheduled || (this.watcher?.pending ?? 0) > 0;
      quiet = busy ? 0 : quiet + 1;
    }
  }

  /** Kinds and actions the component follows. */
  protected abstract watchFilter(): WatchFilter;
  /** Called with the starting view (and again after a resync): mark everything to check. */
  protected abstract init(tx: ReadTx): void;
  /** Called for each change: mark what it affects. */
  protected abstract onEvent(ev: ObjectEvent): void;
  /** One pass: look at what is marked and write (one store.update where possible). */
  protected abstract reconcile(): Promise<void>;
  /** Drops in-memory state after stop. */
  protected onStop(): void {}

  /** Asks for a pass soon (coalesced with any pass already asked for). */
  protected requestReconcile(): void {
    if (!this.abort) return;
    if (this.pass) {
      this.again = true;
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.runPass();
    });
  }

  /** Calls `fn` then asks for a pass, `ms` from now on the component's clock. */
  protected wakeAfter(ms: number, fn: () => void): void {
    if (!this.abort) return;
    const h = this.clock.setTimer(ms, () => {
      this.timers.delete(h);
      if (!this.abort) return;
      fn();
      this.requestReconcile();
    });
    this.timers.add(h);
  }

  private runPass(): void {
    if (!this.abort || this.pass) return;
    this.pass = (async () => {
      try {
        await this.reconcile();
      } catch (err) {
        // A conflict means someone wrote between our read and the apply: look again.
        if (err instanceof SequenceConflictError) this.again = true;
        else {
          // Anything else (no quorum for a moment, a proposal that timed out) clears on its own:
          // the marks are kept, so try again shortly rather than wait for the next change.
          this.log.error('reconcile failed', { err });
          this.wakeAfter(RETRY_AFTER_FAILURE_MS, () => undefined);
        }
      }
    })().finally(() => {
      this.pass = undefined;
      if (this.again) {
        this.again = false;
        this.requestReconcile();
      }
    });
  }

  private async follow(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const { watcher } = this.store.viewAndWatch((tx) => this.init(tx), this.watchFilter(), signal);
        this.watcher = watcher;
        this.requestReconcile();
        for await (const ev of watcher) {
          if (ev.kind === 'commit') {
            // Later commits already queued fold into the same pass.
            if (watcher.pending === 0) this.requestReconcile();
          } else this.onEvent(ev);
        }
        return;
      } catch (err) {
        if (signal.aborted) return;
        this.log.warn('watch lost, resyncing', { err });
      }
    }
  }
}
