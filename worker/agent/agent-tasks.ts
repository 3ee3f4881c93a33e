/**
 * A node's tasks for the life of its swarm membership: the TaskManager (containers of the
 * local ContainerService) and the TaskSession bridge to whichever agent session is open.
 * It outlives agent sessions and role switches; a daemon stop leaves the containers running
 * (the next start re-adopts them), leaving the swarm removes them.
 */
import type { LogsAgentMessage, TaskStatusMessage } from '../../src/rpc';
import { createLogger, type Logger } from '../../src/util';
import { LogsStreamer, type LogContainers } from './logs-streamer';
import { TaskSession } from './task-session';
import { TaskManager, type EngineEventSource, type TaskContainers, type TaskImages, type TaskNetworks } from './tasks';

export interface AgentTasksOptions {
  containers: TaskContainers;
  images: TaskImages;
  /** The engine's event stream: the tasks' health checks are heard there. */
  events?: EngineEventSource;
  /** The overlay networks of the tasks' containers; without it NetworksAttachments are not wired. */
  networks?: TaskNetworks;
  /** This node's swarm ID. */
  nodeId: string;
  dataRoot: string;
  /** Sends on the open session; false (or nothing sent) when there is none. */
  send(msg: TaskStatusMessage): void;
  /** Sends log messages on the open session; without it task logs cannot be asked of this node. */
  sendLogs?(msg: LogsAgentMessage): void;
  /** Where task logs are read; default `containers` when it has a logs() (the ContainerService). */
  logs?: LogContainers;
  /** Bytes waiting in the session's send buffer: log streams pause while it is large. */
  backlog?(): number;
  /** Status batching, ms (TaskManager's batchMs). Default 0. */
  batchMs?: number;
  logger?: Logger;
}

export class AgentTasks {
  readonly manager: TaskManager;
  private readonly session: TaskSession;
  private readonly logs: LogsStreamer | undefined;
  private ready: Promise<void> | undefined;
  private readonly log: Logger;

  constructor(private readonly o: AgentTasksOptions) {
    this.log = o.logger ?? createLogger('agent.tasks');
    this.manager = new TaskManager({
      containers: o.containers,
      images: o.images,
      nodeId: o.nodeId,
      dataRoot: o.dataRoot,
      batchMs: o.batchMs,
      events: o.events,
      networks: o.networks,
      logger: this.log,
    });
    this.session = new TaskSession({ tasks: this.manager, send: (m) => o.send(m), logger: this.log });
    const logSource =
      o.logs ??
      (typeof (o.containers as Partial<LogContainers>).logs === 'function'
        ? (o.containers as unknown as LogContainers)
        : undefined);
    const sendLogs = o.sendLogs?.bind(o);
    if (logSource && sendLogs)
      this.logs = new LogsStreamer({
        containers: logSource,
        send: sendLogs,
        backlog: o.backlog ? () => o.backlog!() : undefined,
        logger: this.log.child('logs'),
      });
  }

  /** Finds the containers an earlier run left and follows the task statuses. Idempotent. */
  start(): Promise<void> {
    this.ready ??= this.manager.start().then(() => this.session.start());
    return this.ready;
  }

  /**
   * Takes a dispatcher message; returns whether it was a task message. Messages wait for
   * start() in the order they came.
   */
  onMessage(msg: { type: string }): boolean {
    if (msg.type === 'logs-subscribe' || msg.type === 'logs-cancel') {
      if (this.logs) return this.logs.onMessage(msg);
      const id = (msg as { subscriptionId?: string }).subscriptionId ?? '';
      if (msg.type === 'logs-subscribe')
        this.o.sendLogs?.({ type: 'logs-end', subscriptionId: id, error: 'this node cannot read task logs' });
      return true;
    }
    if (msg.type !== 'assignments') return false;
    void this.start()
      .then(() => this.session.onMessage(msg))
      .catch((err) => this.log.warn('assignments not taken', { err: (err as Error).message }));
    return true;
  }

  /** A session is open: it hears every task's status. */
  connected(): void {
    void this.start()
      .then(() => this.session.connected())
      .catch(() => undefined);
  }

  /** The session closed. */
  disconnected(): void {
    this.session.disconnected();
    this.logs?.stopAll();
  }

  /** Stops following; containers keep running. Idempotent. */
  async stop(): Promise<void> {
    this.session.stop();
    this.logs?.stopAll();
    await this.ready?.catch(() => undefined);
    this.ready = undefined;
    await this.manager.stop();
  }

  /** Leaving the swarm: every task's container is stopped and removed, then stop(). */
  async removeAll(): Promise<void> {
    await this.start().catch(() => undefined);
    this.session.stop();
    this.manager.setAssignments([], [], []);
    await this.manager.settled();
    this.ready = undefined;
    await this.manager.stop();
  }
}
