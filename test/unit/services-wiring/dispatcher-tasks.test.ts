import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { Dispatcher } from '../../../manager/dispatcher/dispatcher';
import { defaultSwarmSpec } from '../../../manager/cluster-defaults';
import type { NodeIdentity } from '../../../src/pki';
import type { AssignmentsMessage } from '../../../src/rpc';
import { MemoryStore } from '../../../src/store';
import { addService, addTask, editTask, quiet, until } from './fixtures';

/** A node's session to the dispatcher over a plain loopback WebSocket (the cluster port's TLS is not the point here). */
class Peer {
  readonly got: Array<{ type: string } & Record<string, unknown>> = [];
  constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => this.got.push(JSON.parse(d.toString())));
  }
  send(m: object) {
    this.ws.send(JSON.stringify(m));
  }
  assignments(): AssignmentsMessage[] {
    return this.got.filter((m) => m.type === 'assignments') as unknown as AssignmentsMessage[];
  }
}

describe('Dispatcher: assignments and task status on the session', () => {
  let store: MemoryStore;
  let d: Dispatcher;
  let server: http.Server;
  let port: number;
  const peers: Peer[] = [];

  beforeEach(async () => {
    store = new MemoryStore();
    await store.update((tx) => {
      tx.create('cluster', { ID: 'c', Spec: { ...defaultSwarmSpec(), Dispatcher: { HeartbeatPeriod: 1e9 } } } as never);
      for (const id of ['n1', 'n2'])
        tx.create('node', {
          ID: id,
          Spec: { Role: 'worker', Availability: 'active' },
          Status: { State: 'ready' },
        } as never);
    });
    await addService(store, 'web');
    d = new Dispatcher({
      store,
      isLeader: () => true,
      leaderAddr: () => '',
      managers: () => [],
      isRaftMember: () => false,
      logger: quiet,
    });
    d.startLeader();
    server = http.createServer();
    server.on('upgrade', (req, socket, head) => {
      const nodeId = new URL(req.url ?? '/', 'http://x').searchParams.get('node') ?? '';
      d.handleUpgrade(req, socket, head, { nodeId } as NodeIdentity);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
  });

  afterEach(async () => {
    for (const p of peers.splice(0)) p.ws.terminate();
    d.close();
    await new Promise((r) => server.close(r));
    store.close();
  });

  async function connect(node: string): Promise<Peer> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/tsswarm/v1/session?node=${node}`);
    const p = new Peer(ws);
    peers.push(p);
    await new Promise((r) => ws.once('open', r));
    p.send({ type: 'hello', description: { Hostname: node } });
    await until(() => p.got.some((m) => m.type === 'session'), 2000, 'session');
    return p;
  }

  const taskIds = (m: AssignmentsMessage | undefined) =>
    (m?.changes ?? []).flatMap((c) => (c.assignment.kind === 'task' ? [c.assignment.task.ID] : []));

  it('after the session message, the node gets its full set, and a new one when it changes', async () => {
    await addTask(store, 'a', 'n1');
    await addTask(store, 'b', 'n2', { Slot: 2 });
    const p = await connect('n1');
    await until(() => p.assignments().length === 1, 2000, 'first set');
    const types = p.got.map((m) => m.type);
    assert.ok(types.indexOf('session') < types.indexOf('assignments'), 'session first');
    assert.deepEqual(taskIds(p.assignments()[0]), ['a']);
    await editTask(store, 'a', (t) => (t.DesiredState = 'shutdown'));
    await until(() => p.assignments().length === 2, 2000, 'second set');
  });

  it("writes the node's task-status reports, and only for its own tasks", async () => {
    await addTask(store, 'a', 'n1');
    await addTask(store, 'b', 'n2', { Slot: 2 });
    const p = await connect('n1');
    p.send({
      type: 'task-status',
      updates: [
        {
          taskId: 'a',
          status: { State: 'running', Message: 'started', ContainerStatus: { ContainerID: 'c1', PID: 7 } },
        },
        { taskId: 'b', status: { State: 'running' } },
      ],
    });
    const get = (id: string) => store.view((tx) => tx.get('task', id))!;
    await until(() => get('a').Status.State === 'running', 2000, 'a running');
    assert.deepEqual(get('a').Status.ContainerStatus, { ContainerID: 'c1', PID: 7 });
    assert.equal(get('b').Status.State, 'assigned', "n1 cannot write n2's task");
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(p.assignments().length, 1, 'its own report does not come back as a new set');
  });

  it('a closed session stops its assignments', async () => {
    const p = await connect('n1');
    await until(() => p.assignments().length === 1);
    p.ws.close();
    await new Promise((r) => p.ws.once('close', r));
    await addTask(store, 'a', 'n1');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(p.assignments().length, 1);
  });
});
