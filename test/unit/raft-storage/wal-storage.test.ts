import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FatalStorageError, WalCorruptError, WalStorage } from '../../../src/raft/storage';
import { CompactedError, type Entry } from '../../../src/raft';

const SEG = 64 * 1024;
const cs = { voters: [1, 2, 3], learners: [] };

function ent(index: number, term = 1, size = 100): Entry {
  return { index, term, type: 0, data: Buffer.alloc(size, index % 251) };
}

function walFiles(dir: string): string[] {
  return fs
    .readdirSync(path.join(dir, 'wal'))
    .filter((n) => n.endsWith('.wal'))
    .sort()
    .map((n) => path.join(dir, 'wal', n));
}

/** Offset just past the last non-zero byte of a segment. */
function writtenEnd(file: string): number {
  const b = fs.readFileSync(file);
  let i = b.length;
  while (i > 0 && b[i - 1] === 0) i--;
  return i;
}

describe('raft storage: WalStorage', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raft-wal-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function fill(n: number, opts = { segmentBytes: SEG }): Promise<WalStorage> {
    const st = WalStorage.open(dir, opts);
    for (let i = 1; i <= n; i += 5) {
      const batch = [];
      for (let j = i; j < i + 5 && j <= n; j++) batch.push(ent(j));
      await st.save({ hardState: { term: 1, vote: 1, commit: Math.max(0, i - 1) }, entries: batch });
    }
    return st;
  }

  it('persists entries and hard state and reads them back after reopening', async () => {
    const st = await fill(50);
    assert.equal(st.lastIndex(), 50);
    await st.close();
    const re = WalStorage.open(dir, { segmentBytes: SEG });
    assert.equal(re.firstIndex(), 1);
    assert.equal(re.lastIndex(), 50);
    assert.deepEqual(re.initialState().hardState, { term: 1, vote: 1, commit: 45 });
    assert.deepEqual(
      re.entries(10, 13, Infinity).map((e) => e.index),
      [10, 11, 12],
    );
    assert.deepEqual(Buffer.from(re.entries(7, 8, 0)[0].data), Buffer.alloc(100, 7));
    assert.equal(re.term(50), 1);
    await re.close();
  });

  it('writes a commit-only hard state with the next record, or at close, never losing term and vote', async () => {
    const st = await fill(10);
    const walEnd = () => walFiles(dir).map(writtenEnd);
    const before = walEnd();
    await st.save({ hardState: { term: 1, vote: 1, commit: 8 }, entries: [] });
    assert.deepEqual(walEnd(), before, 'a commit-only change writes nothing by itself');
    assert.equal(st.hardState().commit, 8);
    await st.save({ hardState: { term: 2, vote: 3, commit: 9 }, entries: [] });
    await st.save({ hardState: { term: 2, vote: 3, commit: 10 }, entries: [] });
    // A crash now keeps the new term and vote with an older commit index.
    assert.deepEqual(WalStorage.open(dir, { segmentBytes: SEG }).initialState().hardState, {
      term: 2,
      vote: 3,
      commit: 9,
    });
    await st.close();
    const re = WalStorage.open(dir, { segmentBytes: SEG });
    assert.deepEqual(re.initialState().hardState, { term: 2, vote: 3, commit: 10 });
    await re.close();
  });

  it('drops committed entries outside the hot window from memory and reads them back from the WAL', async () => {
    const st = WalStorage.open(dir, { segmentBytes: SEG, hotEntries: 10 });
    for (let i = 1; i <= 1500; i += 50) {
      await st.save({
        hardState: { term: 1, vote: 1, commit: i + 49 },
        entries: Array.from({ length: 50 }, (_, k) => ent(i + k)),
      });
    }
    assert.ok(st.segmentCount() > 1);
    for (const i of [1, 499, 777, 1499])
      assert.deepEqual(Buffer.from(st.entries(i, i + 1, Infinity)[0].data), Buffer.alloc(100, i % 251), `entry ${i}`);
    assert.equal(st.entries(1, 1501, 1000).length, 10);
    await st.close();
  });

  it('stops for good after a failed write or fsync', async () => {
    const st = await fill(5);
    // Pull the file out from under the WAL: the next write fails (EBADF), as a dying disk would.
    const wal = (st as unknown as { wal: { fd: number } }).wal;
    fs.closeSync(wal.fd);
    await assert.rejects(st.save({ hardState: { term: 1, vote: 1, commit: 5 }, entries: [ent(6)] }), FatalStorageError);
    await assert.rejects(st.save({ entries: [ent(6)] }), FatalStorageError);
    assert.equal(st.lastIndex(), 5, 'nothing of the failed batch becomes visible');
    wal.fd = fs.openSync(path.join(dir, 'wal', fs.readdirSync(path.join(dir, 'wal'))[0]), 'r');
    await st.close();
  });

  it('overwrites a conflicting tail, also across a restart', async () => {
    const st = await fill(20);
    await st.save({ hardState: { term: 2, vote: 2, commit: 10 }, entries: [ent(15, 2), ent(16, 2)] });
    assert.equal(st.lastIndex(), 16);
    await st.close();
    const re = WalStorage.open(dir, { segmentBytes: SEG });
    assert.equal(re.lastIndex(), 16);
    assert.equal(re.term(15), 2);
    assert.equal(re.term(14), 1);
    await re.close();
  });

  it('rolls over to new preallocated segments', async () => {
    const st = await fill(2000);
    assert.ok(st.segmentCount() > 2, `segments ${st.segmentCount()}`);
    await st.close();
    const re = WalStorage.open(dir, { segmentBytes: SEG });
    assert.equal(re.lastIndex(), 2000);
    assert.deepEqual(re.initialState().hardState.term, 1);
    await re.close();
  });

  it('write() makes entries readable at once and flush() durable, across segment cuts while a flush is in flight', async () => {
    const st = WalStorage.open(dir, { segmentBytes: SEG });
    await st.save({ hardState: { term: 1, vote: 1, commit: 0 }, entries: [] });
    const flushes: Promise<void>[] = [];
    for (let i = 1; i <= 2000; i++) {
      await st.write({ entries: [ent(i, 1)], hardState: { term: 1, vote: 1, commit: i - 1 } });
      assert.equal(st.lastIndex(), i);
      flushes.push(st.flush());
    }
    await Promise.all(flushes);
    assert.ok(st.segmentCount() > 2, `segments ${st.segmentCount()}`);
    await assert.rejects(st.write({ entries: [], hardState: { term: 2, vote: 0, commit: 0 } }), /term or vote/);
    await st.close();
    const re = WalStorage.open(dir, { segmentBytes: SEG });
    assert.equal(re.lastIndex(), 2000);
    assert.equal(re.initialState().hardState.commit, 1999);
    await re.close();
  });

  it('cuts a torn tail (a half-written last record) on recovery and keeps appending', async () => {
    const st = await fill(20);
    await st.close();
    const file = walFiles(dir).pop()!;
    const end = writtenEnd(file);
    // Tear the last record: zero its second half, as if the write stopped midway.
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.alloc(200), 0, 200, end - 200);
    fs.closeSync(fd);
    const re = WalStorage.open(dir, { segmentBytes: SEG });
    assert.ok(re.lastIndex() < 20 && re.lastIndex() >= 15, `last ${re.lastIndex()}`);
    const last = re.lastIndex();
    await re.save({ entries: [ent(last + 1, 1)] });
    await re.close();
    const again = WalStorage.open(dir, { segmentBytes: SEG });
    assert.equal(again.lastIndex(), last + 1);
    await again.close();
  });

  it('cuts a tail record whose checksum is wrong', async () => {
    const st = await fill(20);
    await st.close();
    const file = walFiles(dir).pop()!;
    const end = writtenEnd(file);
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.from([0x5a]), 0, 1, end - 3);
    fs.closeSync(fd);
    const re = WalStorage.open(dir, { segmentBytes: SEG });
    // The damaged record is the last batch's hard state: its entries survive, the hard state
    // falls back to the batch before.
    assert.equal(re.lastIndex(), 20);
    assert.equal(re.initialState().hardState.commit, 10);
    await re.close();
  });

  it('refuses to start when a record in the middle is corrupted', async () => {
    const st = await fill(40);
    await st.close();
    const file = walFiles(dir).pop()!;
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.from([0xff, 0xee]), 0, 2, 300);
    fs.closeSync(fd);
    assert.throws(() => WalStorage.open(dir, { segmentBytes: SEG }), WalCorruptError);
  });

  it('refuses to start when a sealed segment is damaged', async () => {
    const st = await fill(2000);
    await st.close();
    const file = walFiles(dir)[0];
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.from([1, 2, 3]), 0, 3, 1000);
    fs.closeSync(fd);
    assert.throws(() => WalStorage.open(dir, { segmentBytes: SEG }), WalCorruptError);
  });

  it('writes snapshots atomically, compacts, releases covered segments and recovers', async () => {
    const st = await fill(2000);
    const before = st.segmentCount();
    await st.save({ hardState: { term: 1, vote: 1, commit: 2000 }, entries: [] });
    await st.createSnapshot(1500, cs, Buffer.from('state@1500'));
    assert.ok(st.segmentCount() < before, `${st.segmentCount()} < ${before}`);
    assert.equal(st.firstIndex(), 1501);
    assert.throws(() => st.entries(1400, 1501, Infinity), CompactedError);
    assert.equal(st.term(1500), 1);
    await st.close();
    const snaps = fs.readdirSync(path.join(dir, 'snap'));
    assert.equal(snaps.filter((n) => n.endsWith('.tmp')).length, 0);
    const re = WalStorage.open(dir, { segmentBytes: SEG });
    assert.equal(re.firstIndex(), 1501);
    assert.equal(re.lastIndex(), 2000);
    assert.equal(Buffer.from(re.snapshot().data).toString(), 'state@1500');
    assert.deepEqual(re.initialState().confState, cs);
    await re.close();
  });

  it('recovers from a crash between writing a snapshot and trimming the log', async () => {
    const st = await fill(2000);
    await st.close();
    // Simulate the crash: the snapshot file is durable, the WAL marker and trim never happened,
    // and a temp file of a later snapshot was left behind.
    const other = path.join(dir, 'other');
    fs.mkdirSync(other);
    const st2 = WalStorage.open(other, { segmentBytes: SEG });
    await st2.save({ entries: Array.from({ length: 1200 }, (_, i) => ent(i + 1)) });
    await st2.createSnapshot(1200, cs, Buffer.from('state@1200'));
    await st2.close();
    for (const n of fs.readdirSync(path.join(other, 'snap')))
      fs.copyFileSync(path.join(other, 'snap', n), path.join(dir, 'snap', n));
    fs.writeFileSync(path.join(dir, 'snap', '00000000000007d0-0000000000000001.snap.tmp'), 'partial');
    const re = WalStorage.open(dir, { segmentBytes: SEG });
    assert.equal(re.firstIndex(), 1201);
    assert.equal(re.lastIndex(), 2000);
    assert.equal(re.snapshot().metadata.index, 1200);
    assert.ok(re.initialState().hardState.commit >= 1200);
    assert.ok(!fs.readdirSync(path.join(dir, 'snap')).some((n) => n.endsWith('.tmp')));
    // The trim happens at the next snapshot.
    await re.createSnapshot(1900, cs, Buffer.from('state@1900'));
    await re.close();
    const again = WalStorage.open(dir, { segmentBytes: SEG });
    assert.equal(again.firstIndex(), 1901);
    assert.equal(again.lastIndex(), 2000);
    await again.close();
  });

  it('installs a snapshot handed in a Ready', async () => {
    const st = await fill(10);
    await st.save({
      hardState: { term: 3, vote: 2, commit: 500 },
      entries: [],
      snapshot: { metadata: { index: 500, term: 3, confState: cs }, data: Buffer.from('leader-state') },
    });
    assert.equal(st.firstIndex(), 501);
    assert.equal(st.lastIndex(), 500);
    await st.save({ entries: [ent(501, 3)] });
    await st.close();
    const re = WalStorage.open(dir, { segmentBytes: SEG });
    assert.equal(re.snapshot().metadata.index, 500);
    assert.equal(re.lastIndex(), 501);
    assert.deepEqual(re.initialState().hardState, { term: 3, vote: 2, commit: 500 });
    await re.close();
  });
});
