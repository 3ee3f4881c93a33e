/**
 * The data raft-ts exchanges with its caller: log entries, messages, hard state, snapshots
 * and the Ready hand-off. Plain objects, so that the core stays pure and every driver
 * (WAL, transport, simulator) agrees on one shape.
 */

/** A member's id. 0 means "none". Ids are small positive integers chosen by the application. */
export type NodeId = number;

export const NONE: NodeId = 0;

export enum EntryType {
  /** An application command (or an empty no-op when data has length 0). */
  Normal = 0,
  /** A membership change; data is an encoded ConfChange. */
  ConfChange = 1,
}

export interface Entry {
  readonly term: number;
  readonly index: number;
  readonly type: EntryType;
  readonly data: Uint8Array;
}

export enum ConfChangeType {
  AddVoter = 0,
  RemoveNode = 1,
  AddLearner = 2,
}

/** One change to the membership. Applied one at a time, with a single change pending. */
export interface ConfChange {
  readonly type: ConfChangeType;
  readonly nodeId: NodeId;
  /** Opaque to raft: e.g. the member's address, for the transport. */
  readonly context?: Uint8Array;
}

export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

/** What must be on disk before any message that depends on it is sent (Raft §5.1, Figure 2). */
export interface HardState {
  readonly term: number;
  readonly vote: NodeId;
  readonly commit: number;
}

export interface SnapshotMetadata {
  readonly index: number;
  readonly term: number;
  readonly confState: ConfState;
}

export interface Snapshot {
  readonly metadata: SnapshotMetadata;
  readonly data: Uint8Array;
}

export enum MessageType {
  /** Local: start an election (not sent on the wire). */
  Hup = 0,
  /** Local: the leader sends heartbeats (not sent on the wire). */
  Beat = 1,
  /** Local: a proposal handed to step(). Followers forward it to the leader. */
  Prop = 2,
  App = 3,
  AppResp = 4,
  Vote = 5,
  VoteResp = 6,
  PreVote = 7,
  PreVoteResp = 8,
  Snap = 9,
  Heartbeat = 10,
  HeartbeatResp = 11,
  /** Local: a snapshot send finished or failed (reject=true). */
  SnapStatus = 12,
  /** Local: the transport could not reach `from`. */
  Unreachable = 13,
  TransferLeader = 14,
  TimeoutNow = 15,
  ReadIndex = 16,
  ReadIndexResp = 17,
}

export interface Message {
  readonly type: MessageType;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
  /** App: the term of the entry preceding `entries`. Resp messages: unused. */
  readonly logTerm: number;
  /** App: index preceding `entries`. AppResp: the index matched or rejected. */
  readonly index: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
  readonly reject: boolean;
  /** AppResp with reject: the follower's hint for fast backtracking (Raft §5.3, "optimization"). */
  readonly rejectHint: number;
  /** AppResp with reject: the term of the follower's entry at rejectHint. */
  readonly hintTerm: number;
  /** Snap: the snapshot being installed. */
  readonly snapshot?: Snapshot;
  /** ReadIndex / Heartbeat: an opaque request context echoed back. */
  readonly context?: Uint8Array;
}

/** A ReadIndex request that became safe to serve once the applied index reaches `index` (Raft §6.4). */
export interface ReadState {
  readonly index: number;
  readonly context: Uint8Array;
}

export enum StateRole {
  Follower = 0,
  PreCandidate = 1,
  Candidate = 2,
  Leader = 3,
}

/** Volatile state that the application may watch (not persisted). */
export interface SoftState {
  readonly leader: NodeId;
  readonly role: StateRole;
}

/**
 * What the core hands to its driver. The driver must, in this order: persist `hardState`,
 * `entries` and `snapshot` (fsync), then send `messages`, then apply `committedEntries`
 * (and install `snapshot` into the state machine), then call advance().
 */
export interface Ready {
  readonly softState?: SoftState;
  readonly hardState?: HardState;
  readonly readStates: readonly ReadState[];
  /** Entries to append to stable storage, contiguous, possibly overwriting a conflicting tail. */
  readonly entries: readonly Entry[];
  readonly snapshot?: Snapshot;
  /** Committed entries to apply to the state machine, in order. */
  readonly committedEntries: readonly Entry[];
  readonly messages: readonly Message[];
}
