import type { LogStorage } from '../log-storage';
import type { NodeId } from '../types';
import { RaftConfigError } from './errors';

/** What a RawNode needs. Times are in ticks; the driver decides how long a tick is. */
export interface RaftConfig {
  id: NodeId;
  /** Read-only view of the persisted log. */
  storage: LogStorage;
  /** Ticks without a leader before a follower campaigns (randomized in [e, 2e)). e.g. 10 */
  electionTick: number;
  /** Ticks between leader heartbeats; must be < electionTick. e.g. 1 */
  heartbeatTick: number;
  /** Last applied index at restart; committed entries after it are handed out again. */
  applied?: number;
  /** Bytes of entry data per App message (default 1 MiB). */
  maxSizePerMsg?: number;
  /** Pipelined App messages per follower (default 256). */
  maxInflightMsgs?: number;
  /** Bytes in flight per follower (default 0 = unlimited). */
  maxInflightBytes?: number;
  /** Uncommitted bytes the leader accepts before dropping proposals (default 0 = unlimited). */
  maxUncommittedEntriesSize?: number;
  /** Bytes of committed entries per Ready (default 64 MiB). */
  maxCommittedSizePerReady?: number;
  /** Raft §9.6 pre-vote (default true). */
  preVote?: boolean;
  /** Leader steps down without a quorum; followers honour a leader lease (default true). */
  checkQuorum?: boolean;
  /**
   * Leader: a commit index that advanced without new entries to send waits for the next App
   * or tick instead of going out at once in empty Apps (default false). Clients are answered
   * by the leader as before; followers learn the commit up to a tick later, and a follower's
   * ReadIndex answer still brings it along. Saves a message round per commit when proposals
   * arrive one at a time.
   */
  lazyCommitBroadcast?: boolean;
  /**
   * The leader's own log counts toward a commit only once the driver reports it durable with
   * RawNode.persisted() (default false: it counts from the moment it is appended, and the
   * driver must then persist a Ready before taking the next). Lets a leader hand its entries
   * to storage without waiting for the fsync and commit on any majority of durable copies,
   * which may exclude its own (Raft thesis §10.2.1).
   */
  leaderPersistReports?: boolean;
  /** Randomness in [0,1) for election timeouts; the core has no other source. */
  random: () => number;
  /** Only for a brand-new cluster: the initial voters. Ignored when storage holds state. */
  peers?: NodeId[];
  logger?: { debug(m: string): void; info(m: string): void; warn(m: string): void };
}

/** RaftConfig with every default filled in. */
export interface ResolvedRaftConfig extends Required<Omit<RaftConfig, 'peers' | 'logger'>> {
  peers: NodeId[];
  logger: { debug(m: string): void; info(m: string): void; warn(m: string): void };
}

const NOP_LOGGER = { debug() {}, info() {}, warn() {} };

function posInt(field: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new RaftConfigError(field, `must be an integer >= ${min}, got ${String(v)}`);
  }
  return v;
}

/** Checks the config once and fills defaults; throws RaftConfigError naming the field. */
export function resolveConfig(cfg: RaftConfig): ResolvedRaftConfig {
  if (!cfg || typeof cfg !== 'object') throw new RaftConfigError('', 'must be an object');
  posInt('id', cfg.id, 1);
  if (!cfg.storage) throw new RaftConfigError('storage', 'is required');
  if (typeof cfg.random !== 'function') throw new RaftConfigError('random', 'must be a function returning [0,1)');
  const heartbeatTick = posInt('heartbeatTick', cfg.heartbeatTick, 1);
  const electionTick = posInt('electionTick', cfg.electionTick, 1);
  if (electionTick <= heartbeatTick) throw new RaftConfigError('electionTick', 'must be greater than heartbeatTick');
  const peers = cfg.peers ?? [];
  peers.forEach((p, i) => posInt(`peers[${i}]`, p, 1));
  return {
    id: cfg.id,
    storage: cfg.storage,
    electionTick,
    heartbeatTick,
    applied: posInt('applied', cfg.applied ?? 0, 0),
    maxSizePerMsg: posInt('maxSizePerMsg', cfg.maxSizePerMsg ?? 1024 * 1024, 0),
    maxInflightMsgs: posInt('maxInflightMsgs', cfg.maxInflightMsgs ?? 256, 1),
    maxInflightBytes: posInt('maxInflightBytes', cfg.maxInflightBytes ?? 0, 0),
    maxUncommittedEntriesSize: posInt('maxUncommittedEntriesSize', cfg.maxUncommittedEntriesSize ?? 0, 0),
    maxCommittedSizePerReady: posInt('maxCommittedSizePerReady', cfg.maxCommittedSizePerReady ?? 64 * 1024 * 1024, 1),
    preVote: cfg.preVote ?? true,
    checkQuorum: cfg.checkQuorum ?? true,
    lazyCommitBroadcast: cfg.lazyCommitBroadcast ?? false,
    leaderPersistReports: cfg.leaderPersistReports ?? false,
    random: cfg.random,
    peers,
    logger: cfg.logger ?? NOP_LOGGER,
  };
}
