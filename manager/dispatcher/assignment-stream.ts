/**
 * One session's assignments: follows the store (the node's tasks, services, secrets, configs,
 * and the networks, nodes and other tasks its network views show) and sends the node its full assignment set whenever that set changes, at most once per
 * commit. Full sets keep it simple and idempotent with the agent's setAssignments; the first
 * one goes out at start(), empty or not, so an agent that reconnects drops what is no longer
 * its. A watch that overflows or is reset starts over from a fresh view.
 */
import type { AssignmentsMessage } from '../../src/rpc';
import type { TaskObject } from '../../src/api';
import type { MemoryStore, ObjectEvent, Watcher } from '../../src/store';
import { createLogger, type Logger } from '../../src/util';
import { assignmentSet, assignmentSetKey, fullAssignmentChanges, type NodeAssignmentSet } from './assignment-set';
import { nodeIngressAddr } from '../internal-fields';
import { NetworkViews } from './network-views';

export interface AssignmentStreamOptions {
  store: MemoryStore;
  /** The session's node. */
  nodeId: string;
  /** Sends one message on the session. */
  send(msg: AssignmentsMessage): void;
  /** The network views every session shares (default: this stream's own). */
  networkViews?: NetworkViews;
  logger?: Logger;
}

export class AssignmentStream {
  private watcher: Watcher | undefined;
  private running = false;
  private pending: NodeJS.Immediate | undefined;
  private lastKey: string | undefined;
  private readonly log: Logger;
  private readonly views: NetworkViews;
  /** Messages sent since start (tests, logs). */
  sent = 0;

  constructor(private readonly o: AssignmentStreamOptions) {
    this.log = o.logger ?? createLogger('dispatcher.assignments');
    this.views = o.networkViews ?? new NetworkViews();
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
    // A node's underlay address is in the network views; its heartbeats and status are not.
    if (ev.kind === 'node')
      return (
        ev.action !== 'update' ||
        ev.object.Status?.Addr !== ev.oldObject?.Status?.Addr ||
        nodeIngressAddr(ev.object) !== (ev.oldObject && nodeIngressAddr(ev.oldObject))
      );
    if (ev.kind !== 'task') return true; // services, secrets, configs, networks: rare, the key decides
    const node = this.o.nodeId;
    const old = ev.oldObject as TaskObject | undefined;
    if (ev.object.NodeID === node || old?.NodeID === node) return true;
    // Another node's task matters when it is an endpoint on a network (the key decides whether one of ours).
    return !!ev.object.NetworksAttachments?.length;
  };

  private follow(): void {
    const { result, watcher } = this.o.store.viewAndWatch((tx) => assignmentSet(tx, this.o.nodeId, this.views), {
      kinds: ['task', 'service', 'secret', 'config', 'network', 'node'],
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
      if (this.running) this.sendIfChanged(this.o.store.view((tx) => assignmentSet(tx, this.o.nodeId, this.views)));
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
