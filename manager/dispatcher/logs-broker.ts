/**
 * The leader's log subscriptions (swarmkit's LogBroker, on the agent session): a subscription
 * names the tasks of each node; the broker sends each node a `logs-subscribe`, hands the
 * `logs-data` lines to the subscription's sink as they come (merged in arrival order, each
 * task's lines in its own order) and ends the sink once every node sent its final `logs-end`
 * or lost its session (a following subscription instead asks a node again once its session
 * reopens, from just after its last line). cancel() sends `logs-cancel` to the nodes still
 * streaming.
 */
import { randomUUID } from 'node:crypto';
import type { DispatcherMessage, LogsDataMessage, LogsEndMessage, LogsSubscriptionOptions } from '../../src/rpc';

export interface LogsSink {
  /** One line from a node. */
  data(nodeId: string, m: LogsDataMessage): void;
  /** Every node is done (or gone); `errors` are those the nodes reported, by node. Called once. */
  end(errors: ReadonlyMap<string, string>): void;
}

export interface LogsSubscription {
  readonly id: string;
  /** Stops the nodes' streams; the sink hears nothing more. Idempotent. */
  cancel(): void;
}

interface Sub {
  readonly id: string;
  readonly sink: LogsSink;
  readonly options: LogsSubscriptionOptions;
  readonly tasksByNode: ReadonlyMap<string, readonly string[]>;
  /** Nodes that have not sent their final logs-end. */
  readonly pending: Set<string>;
  /** Following: nodes whose session closed, asked again when it reopens. */
  readonly away: Set<string>;
  /** The latest line's time from each node, ms (where a node asked again resumes). */
  readonly lastMs: Map<string, number>;
  readonly errors: Map<string, string>;
  /** Not following: ends the nodes that stay silent this long (an agent that ignores logs-subscribe). */
  idle?: NodeJS.Timeout;
}

export class LogsBroker {
  private readonly subs = new Map<string, Sub>();

  /**
   * `send` delivers to the node's open session; false when it has none. Without follow, nodes
   * silent for `idleMs` (default 30 s) are taken as done, so a node that does not know the
   * log messages cannot hold the response open.
   */
  constructor(
    private readonly send: (nodeId: string, m: DispatcherMessage) => boolean,
    private readonly idleMs = 30_000,
  ) {}

  /** Live subscriptions (tests, diagnostics). */
  get size(): number {
    return this.subs.size;
  }

  /**
   * Asks each node for its tasks' logs. A node without a session counts as done. The sink may
   * end before this returns to the caller's next turn (no node to ask): it is called in a
   * microtask, never synchronously.
   */
  subscribe(
    tasksByNode: ReadonlyMap<string, readonly string[]>,
    options: LogsSubscriptionOptions,
    sink: LogsSink,
  ): LogsSubscription {
    const sub: Sub = {
      id: randomUUID(),
      sink,
      options,
      tasksByNode,
      pending: new Set(),
      away: new Set(),
      lastMs: new Map(),
      errors: new Map(),
    };
    this.subs.set(sub.id, sub);
    for (const [nodeId, taskIds] of tasksByNode) {
      if (taskIds.length === 0) continue;
      const sent = this.send(nodeId, {
        type: 'logs-subscribe',
        subscriptionId: sub.id,
        taskIds: [...taskIds],
        options,
      });
      if (sent) sub.pending.add(nodeId);
    }
    if (sub.pending.size === 0) queueMicrotask(() => this.finish(sub));
    else this.touch(sub);
    return { id: sub.id, cancel: () => this.cancel(sub) };
  }

  /** Takes an agent message; returns whether it was one of the broker's. */
  handle(nodeId: string, m: { type: string }): boolean {
    if (m.type === 'logs-data') {
      const d = m as LogsDataMessage;
      const sub = this.subs.get(d.subscriptionId);
      if (!sub?.pending.has(nodeId) || typeof d.line !== 'string') return true;
      this.touch(sub);
      const ms = Date.parse(d.timestamp);
      if (ms > (sub.lastMs.get(nodeId) ?? 0)) sub.lastMs.set(nodeId, ms);
      sub.sink.data(nodeId, d);
      return true;
    }
    if (m.type === 'logs-end') {
      const e = m as LogsEndMessage;
      const sub = this.subs.get(e.subscriptionId);
      if (!sub || !sub.pending.has(nodeId) || e.taskId) return true; // a task's end: the node's final one follows
      this.touch(sub);
      if (e.error) sub.errors.set(nodeId, e.error);
      sub.pending.delete(nodeId);
      if (sub.pending.size === 0) this.finish(sub);
      return true;
    }
    return false;
  }

  /**
   * The node's session closed: its part of every subscription is over, except that a
   * following subscription waits for the node to come back (nodeOpened).
   */
  nodeClosed(nodeId: string): void {
    for (const sub of [...this.subs.values()]) {
      if (!sub.pending.has(nodeId)) continue;
      if (sub.options.follow) {
        sub.away.add(nodeId);
        continue;
      }
      sub.pending.delete(nodeId);
      sub.errors.set(nodeId, 'the node disconnected');
      if (sub.pending.size === 0) this.finish(sub);
    }
  }

  /**
   * The node has a session again: following subscriptions it had left ask it again, from
   * just after the last line it sent (or as at first, when it had sent none).
   */
  nodeOpened(nodeId: string): void {
    for (const sub of this.subs.values()) {
      if (!sub.away.delete(nodeId)) continue;
      const last = sub.lastMs.get(nodeId);
      const options = last ? { ...sub.options, tail: 'all' as const, since: (last + 1) / 1000 } : sub.options;
      const taskIds = [...(sub.tasksByNode.get(nodeId) ?? [])];
      if (!this.send(nodeId, { type: 'logs-subscribe', subscriptionId: sub.id, taskIds, options }))
        sub.away.add(nodeId);
    }
  }

  /** Ends every subscription (leadership lost, manager stopping). */
  closeAll(reason: string): void {
    for (const sub of [...this.subs.values()]) {
      for (const n of sub.pending) {
        if (!sub.away.has(n)) this.send(n, { type: 'logs-cancel', subscriptionId: sub.id });
        sub.errors.set(n, reason);
      }
      sub.pending.clear();
      this.finish(sub);
    }
  }

  /** Restarts the silence timer of a subscription that does not follow. */
  private touch(sub: Sub): void {
    if (sub.options.follow) return;
    if (sub.idle) clearTimeout(sub.idle);
    sub.idle = setTimeout(() => {
      for (const n of sub.pending) {
        this.send(n, { type: 'logs-cancel', subscriptionId: sub.id });
        sub.errors.set(n, 'the node did not answer');
      }
      sub.pending.clear();
      this.finish(sub);
    }, this.idleMs);
    sub.idle.unref?.();
  }

  private cancel(sub: Sub): void {
    if (this.subs.get(sub.id) !== sub) return;
    this.subs.delete(sub.id);
    if (sub.idle) clearTimeout(sub.idle);
    for (const n of sub.pending) if (!sub.away.has(n)) this.send(n, { type: 'logs-cancel', subscriptionId: sub.id });
    sub.pending.clear();
  }

  private finish(sub: Sub): void {
    if (this.subs.get(sub.id) !== sub) return;
    this.subs.delete(sub.id);
    if (sub.idle) clearTimeout(sub.idle);
    sub.sink.end(sub.errors);
  }
}
