/**
 * A leader's dispatcher over a store of two worker nodes (n1, n2), serving node sessions on a
 * plain loopback WebSocket: the cluster port's TLS is not the point of these tests.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { Dispatcher } from '../../../manager/dispatcher/dispatcher';
import { defaultSwarmSpec } from '../../../manager/cluster-defaults';
import type { NodeIdentity } from '../../../src/pki';
import type { AssignmentsMessage } from '../../../src/rpc';
import { MemoryStore } from '../../../src/store';
import { quiet, until } from './fixtures';

/** A node's end of its session: what it got, in order. */
export class Peer {
  readonly got: Array<{ type: string } & Record<string, unknown>> = [];
  constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => this.got.push(JSON.parse(d.toString())));
  }
  send(m: object) {
    this.ws.send(JSON.stringify(m));
  }
  of(type: string) {
    return this.got.filter((m) => m.type === type);
  }
  assignments(): AssignmentsMessage[] {
    return this.of('assignments') as unknown as AssignmentsMessage[];
  }
}

export interface DispatcherHarness {
  store: MemoryStore;
  d: Dispatcher;
  /** Opens n's session, says hello, and resolves once a message of type `awaited` came back. */
  connect(node: string, awaited?: string): Promise<Peer>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Writes before the dispatcher starts, beside the cluster and the two nodes. */
  seed?: (store: MemoryStore) => Promise<void>;
  isRaftMember?: (raftId: number) => boolean;
}

export async function startDispatcherHarness(o: HarnessOptions = {}): Promise<DispatcherHarness> {
  const store = new MemoryStore();
  await store.update((tx) => {
    tx.create('cluster', { ID: 'c', Spec: { ...defaultSwarmSpec(), Dispatcher: { HeartbeatPeriod: 1e9 } } } as never);
    for (const id of ['n1', 'n2'])
      tx.create('node', {
        ID: id,
        Spec: { Role: 'worker', Availability: 'active' },
        Status: { State: 'ready' },
      } as never);
  });
  await o.seed?.(store);
  const d = new Dispatcher({
    store,
    isLeader: () => true,
    leaderAddr: () => '',
    managers: () => [],
    isRaftMember: o.isRaftMember ?? (() => false),
    logger: quiet,
  });
  d.startLeader();
  const server = http.createServer();
  server.on('upgrade', (req, socket, head) => {
    const nodeId = new URL(req.url ?? '/', 'http://x').searchParams.get('node') ?? '';
    d.handleUpgrade(req, socket, head, { nodeId } as NodeIdentity);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  const peers: Peer[] = [];
  return {
    store,
    d,
    async connect(node, awaited = 'session') {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/tsswarm/v1/session?node=${node}`);
      const p = new Peer(ws);
      peers.push(p);
      await new Promise((r) => ws.once('open', r));
      p.send({ type: 'hello', description: { Hostname: node } });
      await until(() => p.got.some((m) => m.type === awaited), 2000, awaited);
      return p;
    },
    async close() {
      for (const p of peers.splice(0)) p.ws.terminate();
      d.close();
      await new Promise((r) => server.close(r));
      store.close();
    },
  };
}
