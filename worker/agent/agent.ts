/**
 * The agent's session to the leader's dispatcher: one WebSocket over mutual TLS to a manager's
 * cluster port. It says hello with the node's description, heartbeats at the period the
 * dispatcher gives, follows redirects to the leader, and on any failure moves to the next
 * manager it knows (with a bounded backoff). The dispatcher's messages (the managers, a new
 * role, removal) reach the daemon through the callbacks; task assignments go to `tasks`
 * (AgentTasks), which sends the task statuses back on the open session.
 */
import WebSocket from 'ws';
import type { NodeDescription, NodeRole } from '../../src/api';
import type { NodeCredentials } from '../../src/pki';
import {
  RPC_PATHS,
  sessionTlsOptions,
  type AgentMessage,
  type DispatcherMessage,
  type ManagerPeer,
} from '../../src/rpc';
import type { Logger } from '../../src/util';

export interface AgentOptions {
  /** The node's current credentials (read at every connection, so a renewal takes effect). */
  credentials(): NodeCredentials;
  /** Managers' cluster addresses to start from. */
  managers: readonly string[];
  description(): NodeDescription;
  /** The node's own address to report (Status.Addr), if known. */
  addr?: string;
  logger: Logger;
  onManagers?(managers: readonly ManagerPeer[]): void;
  onRole?(role: NodeRole): void;
  onRemoved?(): void;
  /** The node's tasks: assignments in, a session opening and closing. */
  tasks?: {
    onMessage(m: DispatcherMessage): boolean;
    connected(): void;
    disconnected(): void;
  };
  /** Heartbeat period until the dispatcher says otherwise, ms. Default 5000. */
  heartbeatPeriodMs?: number;
  /** Backoff bounds between attempts, ms. Defaults 100 and 2000. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export class Agent {
  private ws: WebSocket | undefined;
  private running = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private addrs: string[];
  private next = 0;
  private preferred = '';
  private backoffMs: number;
  private connectedTo = '';
  private periodMs: number;

  constructor(private readonly o: AgentOptions) {
    this.addrs = [...new Set(o.managers)];
    this.periodMs = o.heartbeatPeriodMs ?? 5000;
    this.backoffMs = o.minBackoffMs ?? 100;
  }

  /** The manager address of the open session ('' when there is none). */
  get manager(): string {
    return this.connectedTo;
  }

  /** Bytes queued on the open session's socket, not yet sent (0 without a session). */
  get bufferedAmount(): number {
    return this.ws?.bufferedAmount ?? 0;
  }

  /** Sends on the open session; false when there is none (the next one resyncs). */
  send(m: AgentMessage): boolean {
    const ws = this.ws;
    if (!ws || !this.connectedTo || ws.readyState !== ws.OPEN) return false;
    ws.send(JSON.stringify(m));
    return true;
  }

  /** Starts connecting. Idempotent. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.connect();
  }

  private pick(): string | undefined {
    if (this.preferred) {
      const p = this.preferred;
      this.preferred = '';
      return p;
    }
    if (this.addrs.length === 0) return undefined;
    const a = this.addrs[this.next % this.addrs.length];
    this.next++;
    return a;
  }

  private connect(): void {
    if (!this.running) return;
    const addr = this.pick();
    if (!addr) return this.later();
    let ws: WebSocket;
    try {
      ws = new WebSocket(`wss://${addr}${RPC_PATHS.session}`, {
        ...sessionTlsOptions(this.o.credentials()),
        handshakeTimeout: 5000,
      });
    } catch (err) {
      this.o.logger.debug('session: cannot connect', { addr, err: (err as Error).message });
      return this.later();
    }
    this.ws = ws;
    ws.on('open', () => {
      ws.send(JSON.stringify({ type: 'hello', description: this.o.description(), addr: this.o.addr }));
    });
    ws.on('message', (data) => this.onMessage(ws, addr, data.toString()));
    // The cluster port refuses the upgrade with 403 when this node was removed (or its
    // certificate revoked): there is nothing to retry.
    ws.on('unexpected-response', (_req, res) => {
      ws.terminate();
      if (res.statusCode === 403 && this.running) this.o.onRemoved?.();
    });
    ws.on('error', (err) => this.o.logger.debug('session error', { addr, err: err.message }));
    ws.on('close', () => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      this.connectedTo = '';
      this.o.tasks?.disconnected();
      if (this.heartbeat) clearInterval(this.heartbeat);
      this.heartbeat = undefined;
      this.later();
    });
  }

  private later(): void {
    if (!this.running || this.retry) return;
    const wait = this.backoffMs;
    this.backoffMs = Math.min(this.o.maxBackoffMs ?? 2000, this.backoffMs * 2);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.connect();
    }, wait);
  }

  private onMessage(ws: WebSocket, addr: string, text: string): void {
    let m: DispatcherMessage;
    try {
      m = JSON.parse(text) as DispatcherMessage;
    } catch {
      return;
    }
    switch (m.type) {
      case 'redirect':
        if (m.leaderAddr) this.preferred = m.leaderAddr;
        this.backoffMs = this.o.minBackoffMs ?? 100;
        ws.close();
        return;
      case 'session':
        this.connectedTo = addr;
        this.backoffMs = this.o.minBackoffMs ?? 100;
        this.setManagers(m.managers);
        this.setPeriod(ws, m.heartbeatPeriodMs);
        this.o.onRole?.(m.role);
        this.o.tasks?.connected();
        return;
      case 'heartbeat-ack':
        if (m.heartbeatPeriodMs !== this.periodMs) this.setPeriod(ws, m.heartbeatPeriodMs);
        return;
      case 'managers':
        this.setManagers(m.managers);
        return;
      case 'role':
        this.o.onRole?.(m.role);
        return;
      case 'removed':
        this.o.onRemoved?.();
        return;
      case 'assignments':
      case 'logs-subscribe':
      case 'logs-cancel':
        this.o.tasks?.onMessage(m);
        return;
      default:
        return; // later types
    }
  }

  private setManagers(managers: readonly ManagerPeer[]): void {
    if (managers.length > 0) this.addrs = managers.map((p) => p.addr);
    this.o.onManagers?.(managers);
  }

  private setPeriod(ws: WebSocket, ms: number): void {
    this.periodMs = ms > 0 ? ms : this.periodMs;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'heartbeat' }));
    }, this.periodMs);
  }

  /** Closes the session and stops reconnecting. Idempotent. */
  stop(): void {
    this.running = false;
    if (this.retry) clearTimeout(this.retry);
    this.retry = undefined;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    const ws = this.ws;
    this.ws = undefined;
    this.connectedTo = '';
    this.o.tasks?.disconnected();
    ws?.terminate();
  }
}
