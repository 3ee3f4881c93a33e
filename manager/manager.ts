/**
 * A manager: the replicated store over raft-ts, the cluster port (raft, CA, joins, sessions),
 * the dispatcher and the raft membership. Reads are served from the local store (the API's
 * after syncForRead); writes go through raft (raft-ts forwards a follower's proposals to the
 * leader). Leadership starts and stops the leader-only parts (node-down marking, learner
 * promotion, the orchestrators, the allocator and the scheduler: LeaderComponents).
 */
import type { TLSSocket } from 'node:tls';
import { authorizePeer, CertificateRegistry, type NodeCredentials, type PeerPolicy } from '../src/pki';
import { RaftNode, StateRole } from '../src/raft';
import { ALPN_RAFT, callManager, ClusterServer, RPC_PATHS, type ManagerPeer, type RaftJoinResponse } from '../src/rpc';
import { MemoryStore, RaftProposer, StoreStateMachine, type Watcher } from '../src/store';
import { readNodeIdentity } from '../src/pki';
import type { Logger } from '../src/util';
import { networkUniqueKeys } from './allocator';
import { serveClusterRequest } from './cluster-endpoints';
import { serveLogsEndpoint } from './controlapi/logs-routes';
import { Dispatcher } from './dispatcher/dispatcher';
import { NoLeaderError } from './errors';
import { LeaderComponents } from './leader-components';
import type { ManagerView, StoredCluster, StoredNode } from './internal-fields';
import { RaftMembership } from './membership/raft-membership';

export interface ManagerOptions {
  nodeId: string;
  raftId: number;
  /** Folder of the raft WAL and snapshots. */
  raftDir: string;
  /** Cluster port listen address, host:port. */
  listenAddr: string;
  /** The address other nodes reach this manager's cluster port at, host:port. */
  advertiseAddr: string;
  credentials: NodeCredentials;
  /** True for `swarm init` (a new one-member cluster); false to join (or resume) one. */
  bootstrap: boolean;
  /** Known members' addresses by raft id (this one's included). */
  peers: ReadonlyMap<number, string>;
  /** Raft tick, ms; default 100. */
  tickMs?: number;
  /** Election timeout in ticks; default 10. */
  electionTicks?: number;
  logger: Logger;
}

export class Manager {
  readonly store: MemoryStore;
  readonly raft: RaftNode;
  readonly dispatcher: Dispatcher;
  readonly membership: RaftMembership;
  readonly leader: LeaderComponents;
  private readonly server: ClusterServer;
  private watcher: Watcher | undefined;
  private registryCache: { cluster: StoredCluster | undefined; policy: PeerPolicy } | undefined;
  private readonly clusterId: string;
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(readonly o: ManagerOptions) {
    this.clusterId = readNodeIdentity(o.credentials.cert).clusterId;
    // The proposer reads the node lazily: it only proposes once the constructor is done.
    this.store = new MemoryStore({
      proposer: new RaftProposer(() => this.raft),
      uniqueKeys: { network: networkUniqueKeys },
    });
    const managerPolicy = () => ({ ...this.policy(), allowedRoles: ['manager' as const] });
    this.raft = new RaftNode({
      id: o.raftId,
      dataDir: o.raftDir,
      peers: o.peers,
      bootstrap: o.bootstrap,
      stateMachine: new StoreStateMachine(this.store),
      tls: {
        key: o.credentials.key,
        cert: o.credentials.cert,
        ca: o.credentials.ca,
        alpn: ALPN_RAFT,
        checkServerIdentity: (_host, cert) => {
          try {
            authorizePeer({ raw: cert.raw }, managerPolicy());
            return undefined;
          } catch (err) {
            return err as Error;
          }
        },
      },
      tickMs: o.tickMs,
      electionTicks: o.electionTicks,
      onLeaderChange: (leader, role) => {
        o.logger.info('raft leader changed', { leader, role: StateRole[role], term: this.raft.status().term });
        this.leadershipChanged(role);
      },
      onFatal: (err) => o.logger.error('raft stopped', { err: err.message }),
    });
    this.membership = new RaftMembership({
      raft: this.raft,
      store: this.store,
      selfRaftId: o.raftId,
      selfAddr: o.advertiseAddr,
    });
    this.leader = new LeaderComponents({ store: this.store, logger: o.logger.child('leader') });
    this.dispatcher = new Dispatcher({
      store: this.store,
      isLeader: () => this.raft.isLeader(),
      leaderAddr: () => this.leaderAddr(),
      managers: () => this.managers(),
      isRaftMember: (raftId) => this.view().members.has(raftId),
      logger: o.logger.child('dispatcher'),
    });
    this.server = new ClusterServer({
      listen: o.listenAddr,
      credentials: o.credentials,
      handlers: {
        policy: () => this.policy(),
        onRaft: (socket: TLSSocket) => this.raft.acceptConnection(socket),
        onRequest: (req, res, peer) =>
          serveClusterRequest(
            {
              store: this.store,
              membership: this.membership,
              addManager: (nodeId, addr) => this.addManager(nodeId, addr),
              managers: () => this.managers(),
              logs: (req, res) => serveLogsEndpoint(this, req, res),
            },
            req,
            res,
            peer,
          ),
        onUpgrade: (req, socket, head, peer) => {
          if ((req.url ?? '').split('?')[0] !== RPC_PATHS.session) {
            socket.destroy();
            return;
          }
          this.dispatcher.handleUpgrade(req, socket, head, peer);
        },
      },
    });
  }

  /** Starts raft (recovering from the WAL), then the cluster port. Idempotent. */
  start(): Promise<void> {
    this.starting ??= (async () => {
      await this.raft.start();
      this.watchPeerAddresses();
      await this.server.start();
    })();
    return this.starting;
  }

  private leadershipChanged(role: StateRole): void {
    if (role === StateRole.Leader) {
      this.dispatcher.startLeader();
      this.membership.startPromoting();
      this.leader.start();
    } else {
      this.dispatcher.stopLeader();
      this.membership.stopPromoting();
      void this.leader.stop();
    }
  }

  /** Keeps raft's routes in step with the managers' addresses in the store. */
  private watchPeerAddresses(): void {
    const { result, watcher } = this.store.viewAndWatch((tx) => tx.find('node') as StoredNode[], { kinds: ['node'] });
    const route = (n: StoredNode) => {
      const id = n.Internal?.raftId;
      if (id && id !== this.o.raftId && n.ManagerStatus?.Addr) this.raft.setPeerAddress(id, n.ManagerStatus.Addr);
    };
    result.forEach(route);
    this.watcher = watcher;
    void (async () => {
      try {
        for await (const ev of watcher)
          if (ev.kind === 'node' && ev.action !== 'delete') route(ev.object as StoredNode);
      } catch {
        if (!this.stopping) this.watchPeerAddresses();
      }
    })();
  }

  /** Who may talk to this manager: same cluster, not removed, not revoked. */
  policy(): PeerPolicy {
    const cluster = this.store.view((tx) => tx.find('cluster')[0]) as StoredCluster | undefined;
    if (this.registryCache && this.registryCache.cluster === cluster) return this.registryCache.policy;
    const registry = new CertificateRegistry(cluster?.Internal?.registry);
    const policy: PeerPolicy = { clusterId: this.clusterId, registry };
    this.registryCache = { cluster, policy };
    return policy;
  }

  /** The raft facts the API shows on nodes. */
  view(): ManagerView {
    const conf = this.raft.confState();
    return { leaderRaftId: this.raft.leaderId(), members: new Set([...conf.voters, ...conf.learners]) };
  }

  /** The raft members (voters and learners catching up) as ManagerPeers, from the store. */
  managers(): ManagerPeer[] {
    const conf = this.raft.confState();
    const voters = new Set([...conf.voters, ...conf.learners]);
    const out: ManagerPeer[] = [];
    this.store.view((tx) => {
      for (const n of tx.find('node') as StoredNode[]) {
        const raftId = n.Internal?.raftId;
        if (raftId && voters.has(raftId) && n.ManagerStatus?.Addr)
          out.push({ nodeId: n.ID, addr: n.ManagerStatus.Addr, raftId });
      }
    });
    return out.sort((a, b) => a.nodeId.localeCompare(b.nodeId));
  }

  /** The leader's cluster address, or '' when there is no leader. */
  leaderAddr(): string {
    const id = this.raft.leaderId();
    return id ? (this.membership.addresses().get(id) ?? '') : '';
  }

  private leaderOrThrow(): string {
    const addr = this.leaderAddr();
    if (!addr) throw new NoLeaderError();
    return addr;
  }

  /** Makes `nodeId` a raft learner, on the leader (forwarded when this manager is not it). */
  addManager(nodeId: string, advertiseAddr: string): Promise<RaftJoinResponse> {
    if (this.raft.isLeader()) return this.membership.addLearner(nodeId, advertiseAddr);
    return callManager(this.leaderOrThrow(), this.o.credentials, 'POST', RPC_PATHS.raftJoin, { nodeId, advertiseAddr });
  }

  /**
   * Removes raft member `raftId` (quorum already checked by the caller). The leader removing
   * itself first hands leadership to another voter, which then does the removal.
   */
  async removeMember(raftId: number): Promise<void> {
    if (this.raft.isLeader() && raftId === this.o.raftId) await this.transferAway();
    if (this.raft.isLeader()) return this.membership.remove(raftId, true);
    await callManager(this.leaderOrThrow(), this.o.credentials, 'POST', RPC_PATHS.raftRemove, { raftId });
  }

  private async transferAway(): Promise<void> {
    const st = this.raft.status();
    const other = [...this.raft.confState().voters]
      .filter((id) => id !== this.o.raftId)
      .sort((a, b) => (st.progress?.get(b)?.match ?? 0) - (st.progress?.get(a)?.match ?? 0))[0];
    if (!other) throw new NoLeaderError('no other manager to hand leadership to');
    this.raft.transferLeadership(other);
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      const leader = this.raft.leaderId();
      if (leader !== 0 && leader !== this.o.raftId) return;
    }
    throw new NoLeaderError('leadership transfer timed out');
  }

  /**
   * Resolves once this store holds every write committed before the call, so that a read on a
   * follower sees what another manager acknowledged (Docker's managers send their reads to the
   * leader for the same reason). On a follower it is a ReadIndex round; the leader's store
   * already holds everything it committed. Without a reachable leader: NoLeaderError (503).
   */
  async syncForRead(timeoutMs = 5000): Promise<void> {
    if (this.raft.isLeader()) return;
    try {
      await this.raft.readBarrier(timeoutMs);
    } catch (err) {
      throw new NoLeaderError((err as Error).message);
    }
  }

  /** Resolves once a leader is known and this store has caught up with it. */
  async waitReady(timeoutMs = 15000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.raft.leaderId() !== 0) {
        try {
          await this.raft.readBarrier(Math.max(100, Math.min(2000, deadline - Date.now())));
          return;
        } catch {
          /* retry below */
        }
      }
      if (Date.now() > deadline) throw new NoLeaderError('timed out waiting for a leader');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Stops the cluster port, the dispatcher and raft. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.starting?.catch(() => undefined);
      this.watcher?.close();
      this.membership.stopPromoting();
      await this.leader.stop();
      this.dispatcher.close();
      await this.server.stop();
      await this.raft.stop();
      this.store.close();
    })();
    return this.stopping;
  }
}
