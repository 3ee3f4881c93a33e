import { strict as assert } from 'node:assert';
import { NotLeaderError, TimeoutError } from '../../../src/raft';
import {
  CorruptDataError,
  MemoryStore,
  NO_LEADER_MESSAGE,
  ProposalFailedError,
  RaftProposer,
  StoreStateMachine,
  decodeBatch,
  encodeBatch,
} from '../../../src/store';
import { network } from './fixtures';

describe('store: StoreStateMachine and RaftProposer', () => {
  it('apply never throws: a malformed entry is refused in the result, deterministically', () => {
    const sm = new StoreStateMachine(new MemoryStore());
    const bad = [
      'garbage',
      '{"v":1,"t":"2026-01-01T00:00:00Z","m":[["x","task",{}]]}',
      '{"v":1,"t":"nope","m":[]}',
      '{"v":1,"t":"2026-01-01T00:00:00Z","m":[["c","widget",{"ID":"a","Spec":{}}]]}',
      '{"v":1,"t":"2026-01-01T00:00:00Z","m":[["u","task",-1,{"ID":"a","Spec":{}}]]}',
    ];
    bad.forEach((b, i) => {
      const r = sm.apply({ index: i + 1, term: 1, data: Buffer.from(b) });
      assert.ok(r.error instanceof CorruptDataError, b);
      assert.equal(r.index, i + 1);
    });
    assert.equal(sm.store.index, bad.length);
    // an entry at or below the applied index is ignored (replay after restore)
    const ok = encodeBatch({
      time: '2026-01-01T00:00:00.000Z',
      mutations: [{ op: 'create', kind: 'network', object: { ID: 'n', Spec: { Name: 'n' } } as never }],
    });
    assert.deepEqual(sm.apply({ index: 2, term: 1, data: ok }), { index: 2 });
    assert.deepEqual(sm.apply({ index: 9, term: 1, data: ok }), { index: 9 });
    assert.equal(sm.store.view((tx) => tx.get('network', 'n'))!.UpdatedAt, '2026-01-01T00:00:00.000Z');
    assert.deepEqual(Buffer.from(sm.snapshot()), Buffer.from(sm.store.snapshot()));
    const other = new StoreStateMachine(new MemoryStore());
    other.restore(sm.snapshot(), 9);
    assert.equal(other.store.index, 9);
  });

  it('batch encoding round-trips', () => {
    const b = {
      time: '2026-01-01T00:00:00.000Z',
      mutations: [
        { op: 'create', kind: 'network', object: { ID: 'n', Spec: { Name: 'n' } } },
        { op: 'update', kind: 'network', expected: 4, object: { ID: 'n', Spec: { Name: 'm' } } },
        { op: 'delete', kind: 'task', id: 't', expected: null },
        { op: 'delete', kind: 'task', id: 'u', expected: 0 },
      ],
    } as never;
    assert.deepEqual(decodeBatch(encodeBatch(b)), b);
  });

  it('RaftProposer passes the apply result through and maps raft errors to 503', async () => {
    const ok = new RaftProposer({ propose: async () => ({ index: 7 }) });
    assert.deepEqual(await ok.propose(Buffer.from('x')), { index: 7 });
    const noLeader = new RaftProposer({ propose: () => Promise.reject(new NotLeaderError(0)) });
    const e1 = await noLeader.propose(Buffer.from('x')).catch((e) => e);
    assert.ok(e1 instanceof ProposalFailedError);
    assert.equal(e1.httpStatus, 503);
    assert.equal(e1.message, NO_LEADER_MESSAGE);
    assert.ok(e1.cause instanceof NotLeaderError);
    const slow = new RaftProposer({ propose: () => Promise.reject(new TimeoutError('proposal', 10)) });
    await assert.rejects(slow.propose(Buffer.from('x')), ProposalFailedError);
    // through a store: the typed error reaches the writer
    const s = new MemoryStore({ proposer: noLeader });
    await assert.rejects(
      s.update((tx) => tx.create('network', network('n'))),
      ProposalFailedError,
    );
  });
});
