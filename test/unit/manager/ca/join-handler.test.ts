import assert from 'node:assert/strict';
import { CertificateAuthority, createCsr, readNodeIdentity } from '../../../../src/pki';
import { MemoryStore } from '../../../../src/store';
import { handleJoin } from '../../../../manager/ca/join-handler';
import { initClusterObjects } from './init-objects';

describe('join handler', () => {
  async function setup() {
    const store = new MemoryStore();
    const { material } = CertificateAuthority.create();
    const tokens = await initClusterObjects(store, material);
    const added: string[] = [];
    const deps = {
      store,
      managers: () => [{ nodeId: 'm1', addr: '127.0.0.1:2377', raftId: 1 }],
      addManager: async (nodeId: string) => {
        added.push(nodeId);
        return { raftId: 42, peers: [{ raftId: 1, addr: '127.0.0.1:2377' }] };
      },
    };
    return { store, deps, tokens, added };
  }

  it('refuses a token that matches neither', async () => {
    const { deps, tokens } = await setup();
    const bad = tokens.worker.slice(0, -1) + (tokens.worker.endsWith('0') ? '1' : '0');
    await assert.rejects(
      handleJoin(deps, { token: bad, csr: createCsr().csrPem, hostname: 'h', advertiseAddr: '10.0.0.2:2377' }, ''),
      (err: Error & { httpStatus?: number }) => err.httpStatus === 400 && /valid join token/.test(err.message),
    );
  });

  it('a worker token gives a worker certificate and a Node object, no raft membership', async () => {
    const { store, deps, tokens, added } = await setup();
    const r = await handleJoin(
      deps,
      { token: tokens.worker, csr: createCsr().csrPem, hostname: 'h2', advertiseAddr: '10.0.0.2:2377' },
      '',
    );
    const id = readNodeIdentity(r.certificate);
    assert.equal(id.role, 'worker');
    assert.equal(id.nodeId, r.nodeId);
    assert.equal(id.clusterId, 'cluster1');
    assert.equal(r.raft, undefined);
    assert.deepEqual(added, []);
    const node = store.view((tx) => tx.get('node', r.nodeId))!;
    assert.equal(node.Spec.Role, 'worker');
    assert.equal(node.Description?.Hostname, 'h2');
    assert.equal(node.Status.Addr, '10.0.0.2');
  });

  it('a manager token gives a manager certificate and a raft id', async () => {
    const { deps, tokens, added } = await setup();
    const r = await handleJoin(
      deps,
      { token: tokens.manager, csr: createCsr().csrPem, hostname: 'h3', advertiseAddr: '10.0.0.3:2377' },
      '',
    );
    assert.equal(readNodeIdentity(r.certificate).role, 'manager');
    assert.equal(r.raft?.raftId, 42);
    assert.deepEqual(added, [r.nodeId]);
  });

  it('refuses a bad CSR with 400 and creates nothing', async () => {
    const { store, deps, tokens } = await setup();
    await assert.rejects(
      handleJoin(deps, { token: tokens.worker, csr: 'junk', hostname: 'h', advertiseAddr: '10.0.0.2:2377' }, ''),
      (err: Error & { httpStatus?: number }) => err.httpStatus === 400,
    );
    assert.equal(
      store.view((tx) => tx.find('node').length),
      0,
    );
  });
});
