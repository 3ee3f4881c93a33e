/**
 * This node's part in a swarm: init, join, leave, and the switch between worker and manager.
 * Every node runs an Agent (its session to the leader's dispatcher); a manager also runs a
 * Manager (store, raft, cluster port). The daemon is the one place where the two meet. State
 * lives under `<data-root>/swarm/`, so a restart resumes the node's role.
 */
import { promises as fs } from 'node:fs';
import { randomInt } from 'node:crypto';
import * as os from 'node:os';
import { UnavailableError, type NodeRole } from '../../src/api';
import {
  CertificateAuthority,
  createCsr,
  createRenewalRequest,
  generateNodeId,
  loadNodeCredentials,
  needsRenewal,
  parseJoinToken,
  pickRenewalFraction,
  saveNodeCredentials,
  type NodeCredentials,
} from '../../src/pki';
import {
  callManager,
  fetchTrustedRootCa,
  postPinned,
  RPC_PATHS,
  type JoinResponse,
  type ManagerPeer,
  type RaftJoinResponse,
  type RenewResponse,
} from '../../src/rpc';
import { KINDS } from '../../src/store';
import type { Logger } from '../../src/util';
import {
  AlreadyInSwarmError,
  clusterOf,
  initCluster,
  Manager,
  ManagerLeaveError,
  NotInSwarmError,
  publicCluster,
  WorkerNodeError,
  type InitRequest,
  type JoinApiRequest,
  type StoredNode,
  type SwarmControl,
} from '../../manager';
import { Agent, AgentTasks, localNodeDescription } from '../agent';
import type { EngineEventSource, TaskContainers, TaskImages, TaskNetworks } from '../agent/tasks';
import { resolveAdvertiseAddr, resolveListenAddr, withClusterPort } from './swarm-addresses';
import { loadSwarmState, removeSwarmState, saveSwarmState, swarmPaths, type SwarmState } from './swarm-state';

export interface SwarmNodeOptions {
  dataRoot: string;
  logger: Logger;
  /** Raft tick in ms (default 100) and election ticks (default 10); tests may shorten them. */
  raftTickMs?: number;
  raftElectionTicks?: number;
  /** How often the certificate is checked for renewal, ms. Default 10 minutes. */
  renewCheckMs?: number;
  /** The daemon's container and image services, to run the node's tasks (none: tasks are not run). */
  tasks?: { containers: TaskContainers; images: TaskImages; events?: EngineEventSource; networks?: TaskNetworks };
}

/** How long join waits for a new manager to catch up with the cluster. */
const JOIN_CATCH_UP_MS = 20_000;
/** How long a promotion or demotion waits for a certificate of the new role. */
const ROLE_RENEW_MS = 20_000;

export class SwarmNode implements SwarmControl {
  private state: SwarmState | undefined;
  private creds: NodeCredentials | undefined;
  private mgr: Manager | undefined;
  private agent: Agent | undefined;
  private tasks: AgentTasks | undefined;
  private busy: Promise<unknown> = Promise.resolve();
  private renewTimer: NodeJS.Timeout | undefined;
  private readonly renewFraction = pickRenewalFraction();
  private localState: 'inactive' | 'pending' | 'active' | 'error' = 'inactive';
  /** The role the dispatcher last told this node, ahead of the serial queue that acts on it. */
  private wantedRole: NodeRole | undefined;
  private lastError = '';

  constructor(private readonly o: SwarmNodeOptions) {}

  /** One membership change at a time (init, join, leave, promote, demote). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.busy.then(fn, fn);
    this.busy = next.catch(() => undefined);
    return next;
  }

  /** Resumes the role saved in the data root, if any. */
  async start(): Promise<void> {
    await this.serial(async () => {
      const state = await loadSwarmState(this.o.dataRoot);
      if (!state) return;
      this.state = state;
      this.creds = await loadNodeCredentials(swarmPaths(this.o.dataRoot).certs);
      if (state.role === 'manager' && state.raftId) {
        const peers = new Map(state.managers.map((m) => [m.raftId, m.addr] as [number, string]));
        peers.set(state.raftId, state.advertiseAddr);
        await this.startManager(false, peers);
      }
      this.startAgent(state.managers.map((m) => m.addr).concat(state.role === 'manager' ? [state.advertiseAddr] : []));
      this.localState = 'active';
    });
  }

  localNodeId(): string {
    return this.state?.nodeId ?? '';
  }

  manager(): Manager {
    if (!this.state) throw new NotInSwarmError();
    if (!this.mgr) throw new WorkerNodeError();
    return this.mgr;
  }

  init(req: InitRequest): Promise<string> {
    return this.serial(async () => {
      if (this.state) {
        if (req.ForceNewCluster && this.mgr) return this.forceNewCluster();
        throw new AlreadyInSwarmError();
      }
      const listenAddr = resolveListenAddr(req.ListenAddr);
      const advertiseAddr = resolveAdvertiseAddr(req.AdvertiseAddr, listenAddr);
      const clusterId = generateNodeId();
      const nodeId = generateNodeId();
      const raftId = randomInt(1, 0x7fff_ffff);
      const { ca, material } = CertificateAuthority.create();
      const csr = createCsr();
      const host = advertiseAddr.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
      const issued = ca.issueNodeCertificate(csr.csrPem, {
        nodeId,
        role: 'manager',
        clusterId,
        ipAddresses: /^[\d.]+$|:/.test(host) ? [host] : [],
      });
      const creds = { key: csr.keyPem, cert: issued.certPem, ca: material.certPem };
      const state: SwarmState = { nodeId, clusterId, role: 'manager', raftId, listenAddr, advertiseAddr, managers: [] };
      try {
        await this.persist(state, creds);
        await this.startManager(true, new Map([[raftId, advertiseAddr]]));
        await this.mgr!.waitReady();
        await initCluster(this.mgr!, {
          clusterId,
          nodeId,
          raftId,
          advertiseAddr,
          ca: material,
          certSerial: issued.serial,
          spec: req.Spec,
          availability: req.Availability,
          description: localNodeDescription(),
        });
      } catch (err) {
        await this.teardown();
        throw err;
      }
      this.startAgent([advertiseAddr]);
      this.localState = 'active';
      return nodeId;
    });
  }

  /**
   * `swarm init --force-new-cluster` on a manager that lost its quorum: the objects this
   * manager holds become the first batch of a new one-member raft cluster (same cluster, node
   * ids, CA and tokens; a new raft id; object versions start again). The other managers are
   * no longer raft members: they must leave and join again. The old raft data is kept aside.
   */
  private async forceNewCluster(): Promise<string> {
    const s = this.state!;
    const old = this.mgr!;
    const objects = old.store.view((tx) =>
      KINDS.flatMap((kind) =>
        tx.find(kind).map((o) => ({ kind, obj: structuredClone(o) as unknown as Record<string, unknown> })),
      ),
    );
    this.agent?.stop();
    this.agent = undefined;
    await old.stop();
    this.mgr = undefined;
    const raftDir = swarmPaths(this.o.dataRoot).raft;
    await fs.rename(raftDir, `${raftDir}.before-force-new-cluster-${Date.now()}`).catch(() => undefined);
    const raftId = randomInt(1, 0x7fff_ffff);
    s.raftId = raftId;
    s.managers = [];
    await saveSwarmState(this.o.dataRoot, s);
    await this.startManager(true, new Map([[raftId, s.advertiseAddr]]));
    await this.mgr!.waitReady();
    await this.mgr!.store.update((tx) => {
      for (const { kind, obj } of objects) {
        delete obj.Version;
        delete obj.CreatedAt;
        delete obj.UpdatedAt;
        if (kind === 'node') {
          const internal = { ...((obj.Internal as Record<string, unknown> | undefined) ?? {}) };
          if (obj.ID === s.nodeId) {
            internal.raftId = raftId;
            obj.ManagerStatus = { Reachability: 'reachable', Addr: s.advertiseAddr };
          } else delete internal.raftId;
          obj.Internal = internal;
        }
        tx.create(kind, obj as never);
      }
    });
    this.startAgent([s.advertiseAddr]);
    this.localState = 'active';
    return s.nodeId;
  }

  join(req: JoinApiRequest): Promise<void> {
    return this.serial(async () => {
      if (this.state) throw new AlreadyInSwarmError();
      parseJoinToken(req.JoinToken);
      const remotes = req.RemoteAddrs.map(withClusterPort);
      const listenAddr = resolveListenAddr(req.ListenAddr);
      const advertiseAddr = resolveAdvertiseAddr(req.AdvertiseAddr, listenAddr);
      this.localState = 'pending';
      let resp: JoinResponse | undefined;
      let csr: { csrPem: string; keyPem: string } | undefined;
      let lastErr: unknown;
      for (const remote of remotes) {
        try {
          const caPem = await fetchTrustedRootCa(remote, req.JoinToken);
          csr = createCsr();
          resp = await postPinned<JoinResponse>(remote, caPem, RPC_PATHS.join, {
            token: req.JoinToken,
            csr: csr.csrPem,
            hostname: os.hostname(),
            advertiseAddr,
            ...(req.Availability ? { availability: req.Availability } : {}),
            description: localNodeDescription(),
          });
          break;
        } catch (err) {
          lastErr = err;
          if ((err as { httpStatus?: number }).httpStatus === 400) break; // a bad token is bad everywhere
        }
      }
      if (!resp || !csr) {
        this.localState = 'inactive';
        throw lastErr;
      }
      const creds = { key: csr.keyPem, cert: resp.certificate, ca: resp.ca };
      const managers = resp.managers.length ? [...resp.managers] : [];
      const state: SwarmState = {
        nodeId: resp.nodeId,
        clusterId: resp.clusterId,
        role: resp.role,
        ...(resp.raft ? { raftId: resp.raft.raftId } : {}),
        listenAddr,
        advertiseAddr,
        managers,
      };
      try {
        await this.persist(state, creds);
        if (resp.raft) await this.becomeRaftMember(resp.raft);
      } catch (err) {
        await this.teardown();
        this.localState = 'inactive';
        throw err;
      }
      this.startAgent(managers.length ? managers.map((m) => m.addr) : remotes);
      this.localState = 'active';
    });
  }

  leave(force: boolean): Promise<void> {
    return this.serial(async () => {
      const state = this.state;
      if (!state) throw new UnavailableError('This node is not part of a swarm');
      if (this.mgr) {
        const voters = this.mgr.raft.confState().voters;
        if (!force) {
          const left = voters.length - 1;
          throw new ManagerLeaveError(
            left <= 0
              ? 'You are attempting to leave the swarm on a node that is participating as a manager. Removing the last manager erases all current state of the swarm. Use `--force` to ignore this message.'
              : `You are attempting to leave the swarm on a node that is participating as a manager. Removing this node leaves ${left} managers out of ${voters.length}. Without a Raft quorum your swarm will be inaccessible. The only way to restore a swarm that has lost consensus is to reinitialize it with \`--force-new-cluster\`. Use \`--force\` to suppress this message.`,
          );
        }
        if (voters.length > 1 && state.raftId) {
          await this.mgr
            .removeMember(state.raftId)
            .catch((err) => this.o.logger.warn('leave: could not leave raft cleanly', { err: (err as Error).message }));
        }
      }
      await this.teardown();
    });
  }

  /** Stops agent and manager, removes the task containers and forgets the swarm. */
  private async teardown(): Promise<void> {
    this.agent?.stop();
    this.agent = undefined;
    await this.tasks?.removeAll().catch((err) => this.o.logger.warn('leave: task removal failed', { err }));
    this.tasks = undefined;
    await this.mgr?.stop();
    this.mgr = undefined;
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.renewTimer = undefined;
    this.state = undefined;
    this.creds = undefined;
    this.localState = 'inactive';
    await removeSwarmState(this.o.dataRoot);
  }

  private async persist(state: SwarmState, creds: NodeCredentials): Promise<void> {
    await saveNodeCredentials(swarmPaths(this.o.dataRoot).certs, creds);
    await saveSwarmState(this.o.dataRoot, state);
    this.state = state;
    this.creds = creds;
  }

  private async startManager(bootstrap: boolean, peers: Map<number, string>): Promise<void> {
    const s = this.state!;
    const m = new Manager({
      nodeId: s.nodeId,
      raftId: s.raftId!,
      raftDir: swarmPaths(this.o.dataRoot).raft,
      listenAddr: s.listenAddr,
      advertiseAddr: s.advertiseAddr,
      credentials: this.creds!,
      bootstrap,
      peers,
      tickMs: this.o.raftTickMs,
      electionTicks: this.o.raftElectionTicks,
      logger: this.o.logger.child('manager'),
    });
    try {
      await m.start();
    } catch (err) {
      await m.stop();
      throw err;
    }
    this.mgr = m;
  }

  /**
   * Starts raft as a new member and waits until it votes and this store has caught up to its own
   * Node. The wait ends early when the managers no longer want this node as a manager (demoted
   * or removed while it was still a learner: the leader then takes the learner out before
   * promoting it, and it would never vote); the role change that follows is queued behind it.
   */
  private async becomeRaftMember(raft: RaftJoinResponse, stillWanted: () => boolean = () => true): Promise<void> {
    const s = this.state!;
    const peers = new Map(raft.peers.map((p) => [p.raftId, p.addr] as [number, string]));
    peers.set(raft.raftId, s.advertiseAddr);
    await this.startManager(false, peers);
    const m = this.mgr!;
    const deadline = Date.now() + JOIN_CATCH_UP_MS;
    // A join returns once this node votes: until then it does not count towards quorum, and
    // losing another manager right after `swarm join` would cost the cluster its leader.
    let member = false;
    for (;;) {
      const conf = m.raft.confState();
      const node = m.store.view((tx) => tx.get('node', s.nodeId)) as StoredNode | undefined;
      if (node && conf.voters.includes(raft.raftId)) return;
      if (conf.learners.includes(raft.raftId)) member = true;
      else if (member) throw new UnavailableError('this node left raft before it could vote');
      // Once the log holds this node's AddLearner, it also holds the Spec that asked for it
      // (written first): a Spec that is no longer a manager's is a demotion that came later.
      // Earlier, the store replaying the log may still show the node as the worker it was.
      if ((member && node?.Spec.Role !== 'manager') || !stillWanted())
        throw new UnavailableError('this node was demoted or removed before its raft member could vote');
      if (Date.now() > deadline)
        throw new UnavailableError('timed out waiting for the new manager to catch up with the swarm');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private startAgent(managers: string[]): void {
    const s = this.state!;
    this.agent?.stop();
    if (this.o.tasks && !this.tasks) {
      this.tasks = new AgentTasks({
        ...this.o.tasks,
        nodeId: s.nodeId,
        dataRoot: this.o.dataRoot,
        send: (m) => void this.agent?.send(m),
        sendLogs: (m) => void this.agent?.send(m),
        backlog: () => this.agent?.bufferedAmount ?? 0,
        logger: this.o.logger.child('tasks'),
      });
      void this.tasks.start().catch((err) => this.o.logger.warn('tasks did not start', { err }));
    }
    this.agent = new Agent({
      tasks: this.tasks,
      credentials: () => this.creds!,
      managers,
      description: () => localNodeDescription(),
      addr: s.advertiseAddr.replace(/:\d+$/, '').replace(/^\[|\]$/g, ''),
      logger: this.o.logger.child('agent'),
      onManagers: (list) => void this.rememberManagers(list),
      onRole: (role) => {
        this.wantedRole = role;
        void this.serial(() => this.switchRole(role)).catch((err) =>
          this.o.logger.warn('role change failed', { role, err: (err as Error).message }),
        );
      },
      onRemoved: () => void this.serial(() => this.teardown()).catch(() => undefined),
    });
    this.agent.start();
    if (!this.renewTimer) {
      this.renewTimer = setInterval(
        () => void this.serial(() => this.renewIfDue()).catch(() => undefined),
        this.o.renewCheckMs ?? 600_000,
      );
      this.renewTimer.unref();
    }
  }

  private async rememberManagers(list: readonly ManagerPeer[]): Promise<void> {
    const s = this.state;
    if (!s || list.length === 0 || JSON.stringify(list) === JSON.stringify(s.managers)) return;
    s.managers = [...list];
    await saveSwarmState(this.o.dataRoot, s).catch(() => undefined);
  }

  private managerAddrs(): string[] {
    const s = this.state!;
    const fromAgent = this.agent?.manager ? [this.agent.manager] : [];
    return [...new Set([...fromAgent, ...s.managers.map((m) => m.addr)])].filter(
      (a) => a !== s.advertiseAddr || this.mgr,
    );
  }

  /** Asks a manager for a certificate for the node's current role; returns the role. */
  private async renew(): Promise<NodeRole> {
    const csr = createRenewalRequest(this.state!.nodeId);
    let lastErr: unknown = new UnavailableError('no manager known');
    for (const addr of this.managerAddrs()) {
      try {
        const r = await callManager<RenewResponse>(addr, this.creds!, 'POST', RPC_PATHS.renew, { csr: csr.csrPem });
        const creds = { key: csr.keyPem, cert: r.certificate, ca: this.creds!.ca };
        await saveNodeCredentials(swarmPaths(this.o.dataRoot).certs, creds);
        this.creds = creds;
        return r.role;
      } catch (err) {
        lastErr = err;
      }
    }
    throw lastErr;
  }

  /**
   * Renews until the certificate carries `role`. The manager that answers may not have applied
   * the role change yet (a follower behind the leader that announced it), and a worker
   * certificate is refused on raft's port: the new member's replies would never reach the leader.
   */
  private async renewAs(role: NodeRole): Promise<void> {
    const deadline = Date.now() + ROLE_RENEW_MS;
    while ((await this.renew()) !== role) {
      if (Date.now() > deadline) throw new UnavailableError(`the managers did not grant the ${role} role in time`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  private async renewIfDue(): Promise<void> {
    if (this.creds && needsRenewal(this.creds.cert, new Date(), this.renewFraction)) await this.renew();
  }

  /** Promote or demote this node to the role the managers now want. */
  private async switchRole(role: NodeRole): Promise<void> {
    const s = this.state;
    if (!s || s.role === role) return;
    if (role === 'manager') {
      await this.renewAs('manager');
      const addr = this.managerAddrs()[0];
      if (!addr) throw new UnavailableError('no manager known');
      const raft = await callManager<RaftJoinResponse>(addr, this.creds!, 'POST', RPC_PATHS.raftJoin, {
        nodeId: s.nodeId,
        advertiseAddr: s.advertiseAddr,
      });
      s.role = 'manager';
      s.raftId = raft.raftId;
      await saveSwarmState(this.o.dataRoot, s);
      await this.becomeRaftMember(raft, () => this.wantedRole !== 'worker');
    } else {
      await this.mgr?.stop();
      this.mgr = undefined;
      await this.renewAs('worker');
      s.role = 'worker';
      delete s.raftId;
      await saveSwarmState(this.o.dataRoot, s);
      await fs.rm(swarmPaths(this.o.dataRoot).raft, { recursive: true, force: true });
    }
    this.startAgent(s.managers.map((m) => m.addr));
  }

  /** /info's Swarm section. */
  info(): Record<string, unknown> {
    const s = this.state;
    if (!s) {
      return {
        NodeID: '',
        NodeAddr: '',
        LocalNodeState: this.localState,
        ControlAvailable: false,
        Error: this.lastError,
        RemoteManagers: null,
      };
    }
    const out: Record<string, unknown> = {
      NodeID: s.nodeId,
      NodeAddr: s.advertiseAddr.replace(/:\d+$/, '').replace(/^\[|\]$/g, ''),
      LocalNodeState: this.localState,
      ControlAvailable: !!this.mgr,
      Error: '',
      RemoteManagers: s.managers.map((m) => ({ NodeID: m.nodeId, Addr: m.addr })),
    };
    if (this.mgr) {
      const m = this.mgr;
      const managers = m.managers();
      out.RemoteManagers = managers.map((p) => ({ NodeID: p.nodeId, Addr: p.addr }));
      const nodes = m.store.view((tx) => tx.find('node') as StoredNode[]);
      out.Nodes = nodes.length;
      out.Managers = nodes.filter((n) => n.Spec.Role === 'manager').length;
      const c = clusterOf(m.store);
      if (c) out.Cluster = publicCluster(c, false);
    }
    return out;
  }

  /** The /_ping Swarm header: inactive, pending, active/worker or active/manager. */
  pingState(): string {
    if (!this.state) return this.localState;
    return `active/${this.mgr ? 'manager' : 'worker'}`;
  }

  /** Stops agent and manager, keeping the state for the next start. Idempotent. */
  async stop(): Promise<void> {
    await this.busy.catch(() => undefined);
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.renewTimer = undefined;
    this.agent?.stop();
    this.agent = undefined;
    await this.tasks?.stop();
    this.tasks = undefined;
    await this.mgr?.stop();
    this.mgr = undefined;
  }
}
