import assert from 'node:assert/strict';
import * as tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import {
  authorizedConnection,
  CertificateAuthority,
  CertificateRegistry,
  createCsr,
  tlsOptionsFor,
  type NodeCredentials,
  type NodeIdentity,
  type NodeRole,
  type PeerPolicy,
} from '../../../src/pki';

interface Outcome {
  readonly greeting?: string;
  readonly error?: Error;
}

/** A node's credentials from a CA. */
function credentials(
  ca: CertificateAuthority,
  nodeId: string,
  role: NodeRole,
  clusterId = 'cluster1',
): NodeCredentials & { serial: string } {
  const csr = createCsr();
  const issued = ca.issueNodeCertificate(csr.csrPem, { nodeId, role, clusterId, ipAddresses: ['127.0.0.1'] });
  return { key: csr.keyPem, cert: issued.certPem, ca: ca.certPem, serial: issued.serial };
}

/** A loopback mTLS server that greets authorized peers by node id and records refusals. */
class GreetingServer {
  readonly accepted: NodeIdentity[] = [];
  readonly refused: string[] = [];
  #server: tls.Server;

  constructor(node: NodeCredentials, policy: Partial<PeerPolicy>) {
    const options = tlsOptionsFor(node, policy);
    const resolved: PeerPolicy = { clusterId: 'cluster1', ...policy };
    this.#server = tls.createServer(
      options,
      authorizedConnection(
        resolved,
        (socket, peer) => {
          this.accepted.push(peer);
          socket.end(`hello ${peer.nodeId}`);
        },
        (err) => this.refused.push(err.message),
      ),
    );
    this.#server.on('tlsClientError', (err) => this.refused.push(`tls: ${err.message}`));
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return (this.#server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** Connects, reads until the server closes, and reports the greeting or the error. */
function dial(port: number, node: NodeCredentials, policy: Partial<PeerPolicy> = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    let data = '';
    let error: Error | undefined;
    const socket = tls.connect({ host: '127.0.0.1', port, ...tlsOptionsFor(node, policy) });
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('error', (err) => (error = err));
    socket.on('close', () =>
      resolve(error ? { error } : data ? { greeting: data } : { error: new Error('closed without greeting') }),
    );
  });
}

describe('pki: mutual TLS between nodes over loopback', () => {
  const { ca } = CertificateAuthority.create();
  const { ca: foreignCa } = CertificateAuthority.create();
  const manager = credentials(ca, 'manager1', 'manager');
  const worker = credentials(ca, 'worker1', 'worker');
  const registry = new CertificateRegistry();
  const servers: GreetingServer[] = [];

  const serve = async (node: NodeCredentials, policy: Partial<PeerPolicy>) => {
    const server = new GreetingServer(node, policy);
    servers.push(server);
    return { server, port: await server.start() };
  };

  after(async () => {
    for (const s of servers) await s.stop();
  });

  it('connects a worker to a manager with certificates from the swarm CA', async () => {
    const { server, port } = await serve(manager, { registry });
    const out = await dial(port, worker, { allowedRoles: ['manager'], registry });
    assert.equal(out.error, undefined);
    assert.equal(out.greeting, 'hello worker1');
    assert.equal(server.accepted.length, 1);
    assert.deepEqual(
      { nodeId: server.accepted[0]!.nodeId, role: server.accepted[0]!.role, clusterId: server.accepted[0]!.clusterId },
      { nodeId: 'worker1', role: 'worker', clusterId: 'cluster1' },
    );
  });

  it('refuses a client certificate from another CA during the handshake', async () => {
    const { server, port } = await serve(manager, { registry });
    const stranger = { ...credentials(foreignCa, 'worker9', 'worker'), ca: ca.certPem };
    const out = await dial(port, stranger);
    assert.ok(out.error, 'the connection fails');
    assert.equal(server.accepted.length, 0);
  });

  it('refuses a server certificate from another CA', async () => {
    const impostor = { ...credentials(foreignCa, 'manager9', 'manager'), ca: ca.certPem };
    const { server, port } = await serve(impostor, {});
    const out = await dial(port, worker, { allowedRoles: ['manager'] });
    assert.ok(out.error);
    assert.match(out.error.message, /certificate|unable to verify|self.signed/i);
    assert.equal(server.accepted.length, 0);
  });

  it('refuses a revoked certificate and a removed node', async () => {
    const revoked = credentials(ca, 'worker2', 'worker');
    const removed = credentials(ca, 'worker3', 'worker');
    const reg = new CertificateRegistry();
    reg.revokeSerial(revoked.serial);
    reg.removeNode('worker3');
    const { server, port } = await serve(manager, { registry: reg });
    const a = await dial(port, revoked);
    const b = await dial(port, removed);
    assert.ok(a.error, 'revoked serial refused');
    assert.ok(b.error, 'removed node refused');
    assert.equal(server.accepted.length, 0);
    assert.ok(
      server.refused.some((m) => /is revoked/.test(m)),
      server.refused.join('; '),
    );
    assert.ok(
      server.refused.some((m) => /node worker3 was removed/.test(m)),
      server.refused.join('; '),
    );
    // A fresh certificate for another node still gets in.
    assert.equal((await dial(port, worker)).greeting, 'hello worker1');
  });

  it('refuses a worker where a manager is required, on either side', async () => {
    // A worker's certificate serving a manager-only endpoint: the dialing node refuses it.
    const { port: workerPort } = await serve(worker, {});
    const out = await dial(workerPort, manager, { allowedRoles: ['manager'] });
    assert.ok(out.error);
    assert.match(out.error.message, /role worker is not allowed/);
    // A worker dialing a manager-only endpoint (raft): the server refuses it.
    const { server, port } = await serve(manager, { allowedRoles: ['manager'] });
    const w = await dial(port, worker);
    assert.ok(w.error);
    assert.ok(server.refused.some((m) => /role worker is not allowed/.test(m)));
    const peer = credentials(ca, 'manager2', 'manager');
    assert.equal((await dial(port, peer, { allowedRoles: ['manager'] })).greeting, 'hello manager2');
  });

  it('refuses a node of another cluster signed by the same CA, on either side', async () => {
    const { server, port } = await serve(manager, {});
    const other = credentials(ca, 'worker4', 'worker', 'cluster2');
    // Its own policy (cluster2, from its certificate) makes the dialing node refuse the server.
    const out = await dial(port, other);
    assert.ok(out.error);
    assert.match(out.error.message, /cluster cluster1 is not cluster2/);
    // Told to accept cluster1, it gets through the client check and the server refuses it.
    const forced = await dial(port, other, { clusterId: 'cluster1' });
    assert.ok(forced.error);
    assert.ok(
      server.refused.some((m) => /cluster cluster2 is not cluster1/.test(m)),
      server.refused.join('; '),
    );
    assert.equal(server.accepted.length, 0);
  });
});
