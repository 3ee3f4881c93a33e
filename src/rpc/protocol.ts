/**
 * The cluster wire protocol between nodes, on each manager's cluster port (2377 by default):
 * one TLS listener, where ALPN picks raft ('tsswarm-raft') or HTTP/1.1 (JSON endpoints and the
 * agent's WebSocket session under /tsswarm/v1/). Only GET /ca and POST /join are reachable
 * without a node certificate; everything else needs one that passes authorizePeer.
 */
import type { NodeDescription, NodeAvailability, NodeRole } from '../api';
import type { LogsAgentMessage, LogsDispatcherMessage } from './logs-messages';
import type { AssignmentsMessage, TaskStatusMessage } from './task-messages';

/** ALPN protocol of raft streams. */
export const ALPN_RAFT = 'tsswarm-raft';
/** ALPN protocol of the JSON endpoints and the session upgrade. */
export const ALPN_HTTP = 'http/1.1';
/** Default cluster port, as Docker's. */
export const DEFAULT_CLUSTER_PORT = 2377;

/** Paths of the cluster endpoints. */
export const RPC_PATHS = {
  /** GET, no certificate: the root CA PEM (text/plain). The joining node checks it against its token. */
  ca: '/tsswarm/v1/ca',
  /** POST, no certificate: JoinRequest -> JoinResponse. */
  join: '/tsswarm/v1/join',
  /** POST, node certificate: RenewRequest -> RenewResponse (a certificate for the node's current role). */
  renew: '/tsswarm/v1/renew',
  /** POST, manager certificate, served by the leader: RaftJoinRequest -> RaftJoinResponse. */
  raftJoin: '/tsswarm/v1/raft/join',
  /** POST, manager certificate, served by the leader: RaftRemoveRequest -> {}. */
  raftRemove: '/tsswarm/v1/raft/remove',
  /**
   * GET, manager certificate, served by the leader: a service's or task's logs, for a manager
   * that is not the leader to pass on (?kind=service|task&id=... plus the Docker API's query;
   * the answer is the Docker API's).
   */
  logs: '/tsswarm/v1/logs',
  /** GET upgrade to WebSocket, node certificate: the agent session (SessionMessage frames). */
  session: '/tsswarm/v1/session',
} as const;

/** The paths a peer without a certificate may call. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set([RPC_PATHS.ca, RPC_PATHS.join]);

/** A manager as the session and join responses list it. */
export interface ManagerPeer {
  readonly nodeId: string;
  /** Cluster address, host:port. */
  readonly addr: string;
  /** Raft member id. */
  readonly raftId: number;
}

export interface JoinRequest {
  readonly token: string;
  readonly csr: string;
  readonly hostname: string;
  /** host:port of the node's cluster listener (managers) or its address (workers, port ignored). */
  readonly advertiseAddr: string;
  readonly availability?: NodeAvailability;
  readonly description?: NodeDescription;
}

export interface JoinResponse {
  readonly nodeId: string;
  readonly role: NodeRole;
  readonly clusterId: string;
  readonly certificate: string;
  readonly ca: string;
  readonly managers: readonly ManagerPeer[];
  /** For a manager: its raft id and every voter and learner with its address (itself included). */
  readonly raft?: RaftJoinResponse;
}

export interface RenewRequest {
  readonly csr: string;
}

export interface RenewResponse {
  readonly certificate: string;
  readonly role: NodeRole;
}

export interface RaftJoinRequest {
  readonly nodeId: string;
  readonly advertiseAddr: string;
}

export interface RaftJoinResponse {
  readonly raftId: number;
  readonly peers: readonly { readonly raftId: number; readonly addr: string }[];
}

export interface RaftRemoveRequest {
  readonly raftId: number;
}

/**
 * Frames of the agent session, JSON text, one message per frame. The agent speaks first
 * (`hello`), then sends `heartbeat` every `heartbeatPeriodMs`. Unknown types are ignored by
 * both ends, so later messages can be added without breaking older nodes. Task assignments
 * and task statuses are in task-messages.ts.
 */
export type AgentMessage =
  | { readonly type: 'hello'; readonly description: NodeDescription; readonly addr?: string }
  | { readonly type: 'heartbeat' }
  /** The statuses of the node's tasks that changed (all of them when a session opens). */
  | TaskStatusMessage
  /** Log lines of a subscription, and its end (logs-messages.ts). */
  | LogsAgentMessage;

export type DispatcherMessage =
  /** The session is open: its id, the period to heartbeat at and the managers. */
  | {
      readonly type: 'session';
      readonly sessionId: string;
      readonly heartbeatPeriodMs: number;
      readonly managers: readonly ManagerPeer[];
      readonly role: NodeRole;
    }
  | { readonly type: 'heartbeat-ack'; readonly heartbeatPeriodMs: number }
  /** The manager list changed. */
  | { readonly type: 'managers'; readonly managers: readonly ManagerPeer[] }
  /** The node's desired role changed (promote/demote): get a certificate for it and switch. */
  | { readonly type: 'role'; readonly role: NodeRole }
  /** This manager is not the leader; try `leaderAddr` (may be empty when no leader is known). */
  | { readonly type: 'redirect'; readonly leaderAddr: string }
  /** The node was removed from the swarm: stop. */
  | { readonly type: 'removed' }
  /** The tasks assigned to the node, with the secrets and configs they use (full set or changes). */
  | AssignmentsMessage
  /** A log subscription for some of the node's tasks, and its cancel (logs-messages.ts). */
  | LogsDispatcherMessage;
