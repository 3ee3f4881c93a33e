/**
 * The log messages of the agent session: a manager asks the nodes that run some tasks for
 * their containers' logs (`logs-subscribe`), each node streams the lines back (`logs-data`)
 * and says when it is done (`logs-end`); a following subscription lasts until the manager
 * sends `logs-cancel`. JSON frames on the same WebSocket as the other session messages.
 */

/** What a subscription asks of each task's container log. */
export interface LogsSubscriptionOptions {
  readonly stdout: boolean;
  readonly stderr: boolean;
  /** Keep sending lines as the containers write them, until `logs-cancel`. */
  readonly follow: boolean;
  /** Lines from the end of each task's log, or 'all'. */
  readonly tail: number | 'all';
  /** Unix seconds (fractional allowed); 0 = from the start. */
  readonly since: number;
}

/** Dispatcher -> agent: stream these tasks' logs (the node's own tasks; others are ignored). */
export interface LogsSubscribeMessage {
  readonly type: 'logs-subscribe';
  readonly subscriptionId: string;
  readonly taskIds: readonly string[];
  readonly options: LogsSubscriptionOptions;
}

/** Dispatcher -> agent: stop the subscription (the client went away). Nothing more is sent for it. */
export interface LogsCancelMessage {
  readonly type: 'logs-cancel';
  readonly subscriptionId: string;
}

/** Agent -> dispatcher: one log line of one task (the line keeps its newline, as Docker's). */
export interface LogsDataMessage {
  readonly type: 'logs-data';
  readonly subscriptionId: string;
  readonly taskId: string;
  readonly stream: 'stdout' | 'stderr';
  /** RFC 3339 with nanoseconds, as the json-file log has it. */
  readonly timestamp: string;
  readonly line: string;
}

/**
 * Agent -> dispatcher. With `taskId`: that task's stream ended (with `error` when it could not
 * be read). Without it: the node sent all it will for the subscription (or, with `error`, it
 * could not serve it at all).
 */
export interface LogsEndMessage {
  readonly type: 'logs-end';
  readonly subscriptionId: string;
  readonly taskId?: string;
  readonly error?: string;
}

export type LogsDispatcherMessage = LogsSubscribeMessage | LogsCancelMessage;
export type LogsAgentMessage = LogsDataMessage | LogsEndMessage;
