/**
 * The dispatcher: every node's agent (managers' too) holds one WebSocket session to the
 * leader's dispatcher. The session brings the node's description (stored on its Node), marks
 * it ready, carries heartbeats at the cluster's HeartbeatPeriod, and tells the agent the
 * managers, its role and its removal. On the leader a timer marks down the nodes that missed
 * their heartbeats (swarmkit's grace: three periods). A non-leader answers a session with a
 * redirect to the leader and closes it.
 *
 * Once the node said hello, its session gets its assignments (an AssignmentStream: a full
 * set whenever it changes), and its `task-status` reports go to the store (TaskStatusWriter).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { NodeDescription, NodeObject, NodeRole } from '../../src/api';
import type { NodeIdentity } from '../../src/pki';
import type { AgentMessage, DispatcherMessage, ManagerPeer } from '../../src/rpc';
import type { MemoryStore, Watcher } from '../../src/store';
import type { Logger } from '../../src/util';
import { heartbeatPeriodMs } from '../cluster-defaults';
import { AssignmentStream } from './assignment-stream';
import { NetworkViews } from './network-views';
import { LogsBroker } from './logs-broker';
import { TaskStatusWriter } from './task-status-writer';
import type { StoredCluster, StoredNode } from '../internal-fields';

/** Heartbeats a node may miss before it is marked down. */
export const HEARTBEAT_GRACE = 3;

export interface DispatcherDeps {
  readonly store: MemoryStore;
  isLeader(): boolean;
  leaderAddr(): string;
  managers(): ManagerPeer[];
  /** Whether a raft id is a current voter or learner. */
  isRaftMember(raftId: number): boolean;
  readonly logger: Logger;
  /** Clock, ms; default Date.now (tests feed their own). */
  now?: () => number;
}

interface Session {
  readonly id: string;
  readonly nodeId: string;
  readonly ws: WebSocket;
  lastBeat: number;
  role: NodeRole;
  assignments?: AssignmentStream;
}

export class Dispatcher {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4 * 1024 * 1024 });
  private readonly sessions = new Map<string, Session>();
  private timer: NodeJS.Timeout | undefined;
  private watcher: Watcher | undefined;
  private leaderSince = 0;
  private lastManagers = '';
  private readonly now: () => number;
  private readonly statusWriter: TaskStatusWriter;
  /** The overlay network views, built once per store index for every session. */
  readonly networkViews = new NetworkViews();
  /** Log subscriptions to the nodes' sessions (leader only). */
  readonly logs = new LogsBroker((nodeId, m) => this.sendTo(nodeId, m));

  constructor(private readonly d: DispatcherDeps) {
    this.now = d.now ?? Date.now;
    this.statusWriter = new TaskStatusWriter({ store: d.store, logger: d.logger.child('status') });
  }

  /** The heartbeat period in force, ms. */
  periodMs(): number {
    const c = this.d.store.view((tx) => tx.find('cluster')[0]) as StoredCluster | undefined;
    return heartbeatPeriodMs(c?.Spec);
  }

  /** Node ids with a live session here. */
  connectedNodes(): string[] {
    return [...this.sessions.keys()];
  }

  /** Takes an authenticated upgrade on /tsswarm/v1/session. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, peer: NodeIdentity): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.open(ws, peer, req.socket.remoteAddress ?? ''));
  }

  /** Sends to a node's session once it said hello; false when there is none. */
  private sendTo(nodeId: string, m: DispatcherMessage): boolean {
    const s = this.sessions.get(nodeId);
    if (!s?.assignments || s.ws.readyState !== s.ws.OPEN) return false;
    s.ws.send(JSON.stringify(m));
    return true;
  }

  private send(ws: WebSocket, m: DispatcherMessage): void {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
  }

  private open(ws: WebSocket, peer: NodeIdentity, remote: string): void {
    ws.on('error', () => undefined);
    if (!this.d.isLeader()) {
      this.send(ws, { type: 'redirect', leaderAddr: this.d.leaderAddr() });
      ws.close(1000, 'not the leader');
      return;
    }
    const node = this.d.store.view((tx) => tx.get('node', peer.nodeId));
    if (!node) {
      this.send(ws, { type: 'removed' });
      ws.close(1008, 'node not in the swarm');
      return;
    }
    const s: Session = { id: randomUUID(), nodeId: peer.nodeId, ws, lastBeat: this.now(), role: this.toldRole(node) };
    const old = this.sessions.get(peer.nodeId);
    if (old) {
      old.assignments?.stop();
      old.ws.close(1000, 'replaced by a new session');
      this.logs.nodeClosed(peer.nodeId);
    }
    this.sessions.set(peer.nodeId, s);
    ws.on('close', () => {
      s.assignments?.stop();
      if (this.sessions.get(peer.nodeId) === s) {
        this.sessions.delete(peer.nodeId);
        this.logs.nodeClosed(peer.nodeId);
      }
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      let m: AgentMessage;
      try {
        m = JSON.parse(data.toString()) as AgentMessage;
      } catch {
        ws.close(1007, 'not JSON');
        return;
      }
      this.onMessage(s, m, remote);
    });
  }

  private onMessage(s: Session, m: AgentMessage, remote: string): void {
    if (this.sessions.get(s.nodeId) !== s) return;
    s.lastBeat = this.now();
    if (m.type === 'hello') {
      const addr = remote.replace(/^::ffff:/, '');
      void this.markReady(s.nodeId, m.description, m.addr || addr).then(
        () => {
          this.send(s.ws, {
            type: 'session',
            sessionId: s.id,
            heartbeatPeriodMs: this.periodMs(),
            managers: this.d.managers(),
            role: s.role,
          });
          this.startAssignments(s);
        },
        (err) => {
          this.d.logger.warn('session: could not mark the node ready', { node: s.nodeId, err: (err as Error).message });
          s.ws.close(1011, 'could not register the node');
        },
      );
    } else if (m.type === 'heartbeat') {
      this.send(s.ws, { type: 'heartbeat-ack', heartbeatPeriodMs: this.periodMs() });
      const n = this.d.store.view((tx) => tx.get('node', s.nodeId));
      if (n && n.Status.State !== 'ready') void this.markReady(s.nodeId, undefined, undefined).catch(() => undefined);
    } else if (m.type === 'task-status') {
      void this.statusWriter
        .apply(s.nodeId, m.updates ?? [])
        .catch((err) => this.d.logger.warn('task status not written', { node: s.nodeId, err: (err as Error).message }));
    } else if (m.type === 'logs-data' || m.type === 'logs-end') {
      this.logs.handle(s.nodeId, m);
    }
    // unknown types: ignored.
  }

  /** The session's assignments follow the store from now on (a hello again changes nothing). */
  private startAssignments(s: Session): void {
    if (s.assignments || this.sessions.get(s.nodeId) !== s) return;
    s.assignments = new AssignmentStream({
      store: this.d.store,
      nodeId: s.nodeId,
      send: (msg) => this.send(s.ws, msg),
      networkViews: this.networkViews,
      logger: this.d.logger.child('assignments'),
    });
    s.assignments.start();
    this.logs.nodeOpened(s.nodeId);
  }

  private async markReady(nodeId: string, description: NodeDescription | undefined, addr: string | undefined) {
    await this.d.store.update((tx) => {
      const n = tx.get('node', nodeId) as StoredNode | undefined;
      if (!n) return;
      const desc = description ? { ...description, TLSInfo: n.Description?.TLSInfo } : n.Description;
      const unchanged =
        n.Status.State === 'ready' &&
        (!addr || n.Status.Addr === addr) &&
        JSON.stringify(desc) === JSON.stringify(n.Description);
      if (unchanged) return; // fewer writes, fewer stale ?version= for clients
      const next = structuredClone(n) as NodeObject;
      next.Status = { State: 'ready', Addr: addr || n.Status.Addr || '' };
      if (description) next.Description = { ...description, TLSInfo: n.Description?.TLSInfo };
      tx.update('node', next);
    });
  }

  /** Starts the leader's parts: node-down marking and change pushes. Idempotent. */
  startLeader(): void {
    if (this.timer) return;
    this.leaderSince = this.now();
    this.timer = setInterval(() => void this.checkHeartbeats(), Math.max(100, Math.round(this.periodMs() / 2)));
    const w = this.d.store.watch({ kinds: ['node', 'cluster'] } as never);
    this.watcher = w;
    void (async () => {
      try {
        for await (const ev of w) {
          if (ev.kind === 'node') this.onNodeEvent(ev as never);
          if (ev.action === 'commit') this.pushManagers();
        }
      } catch {
        /* closed or overflowed: sessions resync on their next connection */
      }
    })();
  }

  /** Stops them and closes every session, so agents reconnect to the new leader. Idempotent. */
  stopLeader(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.watcher?.close();
    this.watcher = undefined;
    this.logs.closeAll('leadership changed');
    for (const s of this.sessions.values()) {
      s.assignments?.stop();
      s.ws.close(1012, 'leadership changed');
    }
    this.sessions.clear();
  }

  private onNodeEvent(ev: { action: string; object: StoredNode }): void {
    const s = this.sessions.get(ev.object.ID);
    if (!s) return;
    if (ev.action === 'delete') {
      s.assignments?.stop();
      this.send(s.ws, { type: 'removed' });
      s.ws.close(1000, 'node removed');
      this.sessions.delete(ev.object.ID);
      this.logs.nodeClosed(ev.object.ID);
    } else this.pushRole(s, ev.object);
  }

  /**
   * The role a node is told. A demoted manager hears 'worker' only once raft no longer counts it:
   * stopping its raft member before the removal commits could leave the removal without a
   * quorum (two managers going to one).
   */
  private toldRole(n: StoredNode): NodeRole {
    const raftId = n.Internal?.raftId;
    return n.Spec.Role === 'worker' && raftId && this.d.isRaftMember(raftId) ? 'manager' : n.Spec.Role;
  }

  private pushRole(s: Session, n: StoredNode): void {
    const role = this.toldRole(n);
    if (role === s.role) return;
    s.role = role;
    this.send(s.ws, { type: 'role', role });
  }

  private pushManagers(): void {
    const managers = this.d.managers();
    const key = JSON.stringify(managers);
    if (key === this.lastManagers) return;
    this.lastManagers = key;
    for (const s of this.sessions.values()) this.send(s.ws, { type: 'managers', managers });
  }

  /** Marks down the nodes whose session is gone or silent for HEARTBEAT_GRACE periods. */
  async checkHeartbeats(): Promise<void> {
    if (!this.d.isLeader()) return;
    const now = this.now();
    const limit = this.periodMs() * HEARTBEAT_GRACE;
    for (const s of [...this.sessions.values()]) {
      if (now - s.lastBeat > limit) {
        s.assignments?.stop();
        s.ws.terminate();
        this.sessions.delete(s.nodeId);
        this.logs.nodeClosed(s.nodeId);
      }
    }
    this.d.store.view((tx) => {
      for (const s of this.sessions.values()) {
        const n = tx.get('node', s.nodeId) as StoredNode | undefined;
        if (n) this.pushRole(s, n);
      }
    });
    if (now - this.leaderSince < limit) return; // a new leader gives every node a full grace first
    const down = this.d.store.view((tx) =>
      tx.find('node').filter((n) => n.Status.State !== 'down' && !this.sessions.has(n.ID)),
    );
    if (down.length === 0) return;
    await this.d.store
      .update((tx) => {
        for (const n of down) {
          const cur = tx.get('node', n.ID);
          if (!cur || this.sessions.has(n.ID)) continue;
          const next = structuredClone(cur);
          next.Status = { ...cur.Status, State: 'down', Message: 'heartbeat failure' };
          tx.update('node', next);
        }
      })
      .catch((err) => this.d.logger.warn('could not mark nodes down', { err: (err as Error).message }));
  }

  /** Closes everything. Idempotent. */
  close(): void {
    this.stopLeader();
    this.wss.close();
  }
}
