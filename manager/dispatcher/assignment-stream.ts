/**
 * One session's assignments: follows the store (the node's tasks, services, secrets, configs)
 * and sends the node its full assignment set whenever that set changes, at most once per
 * commit. Full sets keep it simple and idempotent with the agent's setAssignments; the first
 * one goes out at start(), empty or not, so an agent that reconnects drops what is no longer
 * its. A watch that overflows or is reset starts over from a fresh view.
 */
import type { AssignmentsMessage } from '../../src/rpc';
import type { MemoryStore, ObjectEvent, Watcher } from '../../src/store';
import { createLogger, type Logger } from '../../src/util';
import { assignmentSet, assignmentSetKey, fullAssignmentChanges, type NodeAssignmentSet } from './assignment-set';

export interface AssignmentStreamOptions {
  store: MemoryStore;
  /** The session's node. */
  nodeId: string;
  /** Sends one message on the session. */
  send(msg: AssignmentsMessage): void;
  logger?: Logger;
}

export class AssignmentStream {
  private watcher: Watcher | undefined;
  private running = false;
  private pending: NodeJS.Immediate | undefined;
  private lastKey: string | undefined;
  private readonly log: Logger;
  /** Messages sent since start (tests, logs). */
  sent = 0;

  constructor(private readonly o: AssignmentStreamOptions) {
    this.log = o.logger ?? createLogger('dispatcher.assignments');
  }

  /** Sends the current set and follows the store. Idempotent. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.follow();
  }

  /** Stops following. Idempotent; nothing is sent after it returns. */
  stop(): void {
    this.running = false;
    if (this.pending) clearImmediate(this.pending);
    this.pending = undefined;
    this.watcher?.close();
    this.watcher = undefined;
  }

  private relevant = (ev: ObjectEvent): boolean => {
    if (ev.kind !== 'task') return true; // services, secrets, configs: rare, the key decides
    const node = this.o.nodeId;
    return ev.object.NodeID === node || (ev.oldObject as { NodeID?: string } | undefined)?.NodeID === node;
  };

  private follow(): void {
    const { result, watcher } = this.o.store.viewAndWatch((tx) => assignmentSet(tx, this.o.nodeId), {
      kinds: ['task', 'service', 'secret', 'config'],
      where: this.relevant,
    });
    this.watcher = watcher;
    this.sendIfChanged(result);
    void (async () => {
      try {
        for await (const ev of watcher) if (ev.kind === 'commit') this.schedule();
      } catch (err) {
        if (!this.running || this.watcher !== watcher) return;
        this.log.debug('assignments: watch ended, resyncing', { node: this.o.nodeId, err: (err as Error).message });
        this.follow();
      }
    })();
  }

  /** Commits already queued fold into one recomputation. */
  private schedule(): void {
    if (this.pending || !this.running) return;
    this.pending = setImmediate(() => {
      this.pending = undefined;
      if (this.running) this.sendIfChanged(this.o.store.view((tx) => assignmentSet(tx, this.o.nodeId)));
    });
  }

  private sendIfChanged(set: NodeAssignmentSet): void {
    const key = assignmentSetKey(set);
    if (key === this.lastKey) return;
    this.lastKey = key;
    this.sent++;
    this.o.send({ type: 'assignments', full: true, changes: fullAssignmentChanges(set) });
  }
}
