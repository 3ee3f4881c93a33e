/**
 * The reconcile loops only the leader runs over the store: the replicated, global,
 * replicated-job and global-job orchestrators, the task allocator (new -> pending), the scheduler, the task reaper and the
 * constraint enforcer. Leadership starts them
 * and stops them (swarmkit's becomeLeader / the leadership-lost path). Stopping waits for
 * each loop's pass in flight, so a new leader's loops never race the old one's on this node.
 */
import type { MemoryStore } from '../src/store';
import { createLogger, type Logger } from '../src/util';
import { TaskAllocator } from './allocator';
import {
  ConstraintEnforcer,
  GlobalJobOrchestrator,
  GlobalOrchestrator,
  ReplicatedJobOrchestrator,
  ReplicatedOrchestrator,
  TaskReaper,
  type Clock,
} from './orchestrator';
import { Scheduler, type SchedulerOptions } from './scheduler';

export interface LeaderComponentsOptions {
  store: MemoryStore;
  /** The orchestrators' clock (restart delays, update monitors). Default: the system's. */
  clock?: Clock;
  /** Scheduler tuning (debounce, latency, batch size); default: its own defaults. */
  scheduler?: Omit<SchedulerOptions, 'store' | 'logger'>;
  logger?: Logger;
}

interface Component {
  start(): void;
  stop(): Promise<void>;
}

export class LeaderComponents {
  private running: Component[] | undefined;
  private stopping: Promise<void> | undefined;
  private readonly log: Logger;

  constructor(private readonly o: LeaderComponentsOptions) {
    this.log = o.logger ?? createLogger('leader');
  }

  /** Whether the components run. */
  get started(): boolean {
    return this.running !== undefined;
  }

  /**
   * Starts every component on fresh instances (they keep no state across a leadership
   * change). Idempotent. A start right after a stop() waits for nothing: the old instances
   * finish their passes on their own, their writes checked by the store's versions.
   */
  start(): void {
    if (this.running) return;
    const { store, clock } = this.o;
    const child = (n: string) => this.log.child(n);
    this.running = [
      new ReplicatedOrchestrator({ store, clock, logger: child('replicated') }),
      new GlobalOrchestrator({ store, clock, logger: child('global') }),
      new ReplicatedJobOrchestrator({ store, clock, logger: child('replicated-job') }),
      new GlobalJobOrchestrator({ store, clock, logger: child('global-job') }),
      new TaskAllocator({ store, clock, logger: child('allocator') }),
      new Scheduler({ ...this.o.scheduler, store, logger: child('scheduler') }),
      new TaskReaper({ store, clock, logger: child('reaper') }),
      new ConstraintEnforcer({ store, clock, logger: child('enforcer') }),
    ];
    for (const c of this.running) c.start();
  }

  /** Stops them all, awaiting each one's pass in flight. Idempotent; concurrent calls share one stop. */
  stop(): Promise<void> {
    const rs = this.running;
    if (!rs) return this.stopping ?? Promise.resolve();
    this.running = undefined;
    const p = (async () => {
      for (const c of rs) {
        try {
          await c.stop();
        } catch (err) {
          this.log.warn('a leader component did not stop cleanly', { err: (err as Error).message });
        }
      }
    })();
    this.stopping = p;
    void p.finally(() => {
      if (this.stopping === p) this.stopping = undefined;
    });
    return p;
  }
}
