/**
 * What the Docker API's swarm routes need from the node they run on: joining and leaving are
 * per-node actions (the daemon owns them), everything else is read from and written to the
 * local manager's store.
 */
import type { SwarmSpec } from '../../src/api';
import type { Manager } from '../manager';

export interface InitRequest {
  ListenAddr?: string;
  AdvertiseAddr?: string;
  ForceNewCluster?: boolean;
  Spec?: SwarmSpec;
  Availability?: 'active' | 'pause' | 'drain';
}

export interface JoinApiRequest {
  ListenAddr?: string;
  AdvertiseAddr?: string;
  RemoteAddrs: string[];
  JoinToken: string;
  Availability?: 'active' | 'pause' | 'drain';
}

export interface SwarmControl {
  /** Creates a swarm with this node as its first manager; resolves with the node ID once it is readable. */
  init(req: InitRequest): Promise<string>;
  join(req: JoinApiRequest): Promise<void>;
  leave(force: boolean): Promise<void>;
  /** This node's manager; throws NotInSwarmError or WorkerNodeError (503) otherwise. */
  manager(): Manager;
  /** This node's ID ('' outside a swarm). */
  localNodeId(): string;
}
