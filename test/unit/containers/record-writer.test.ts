import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { RecordWriter } from '../../../worker/engine/containers/record-writer';

describe('container record writer', () => {
  let root: string;
  const fileOf = (id: string) => path.join(root, id, 'config.v2.json');

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'record-writer-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('leaves the newest state on disk when states are given faster than they are written', async () => {
    mkdirSync(path.join(root, 'a'));
    const w = new RecordWriter(fileOf);
    const writes = Array.from({ length: 50 }, (_, i) => w.write('a', JSON.stringify({ n: i })));
    await Promise.all(writes);
    assert.deepEqual(JSON.parse(readFileSync(fileOf('a'), 'utf8')), { n: 49 });
    assert.equal(existsSync(`${fileOf('a')}.tmp`), false);
  });

  it('resolves a write only once its state, or a newer one, is on disk', async () => {
    mkdirSync(path.join(root, 'a'));
    const w = new RecordWriter(fileOf);
    void w.write('a', '{"n":1}');
    await w.write('a', '{"n":2}');
    assert.equal(readFileSync(fileOf('a'), 'utf8'), '{"n":2}');
  });

  it('writes nothing, and does not fail, once the record directory is gone', async () => {
    const w = new RecordWriter(fileOf);
    await w.write('removed', '{}');
    assert.equal(existsSync(path.join(root, 'removed')), false);
  });

  it('keeps records apart and flushes them all', async () => {
    for (const id of ['a', 'b']) mkdirSync(path.join(root, id));
    const w = new RecordWriter(fileOf);
    void w.write('a', '"a"');
    void w.write('b', '"b"');
    await w.flushAll();
    assert.equal(readFileSync(fileOf('a'), 'utf8'), '"a"');
    assert.equal(readFileSync(fileOf('b'), 'utf8'), '"b"');
    await w.flush('a'); // nothing left: resolves at once
  });

  it('rejects the writes of a state that cannot be written, and writes the next one', async () => {
    mkdirSync(path.join(root, 'a'));
    mkdirSync(`${fileOf('a')}.tmp`); // the temporary file's name taken by a directory: EISDIR
    const w = new RecordWriter(fileOf);
    await assert.rejects(w.write('a', '{"n":1}'), { code: 'EISDIR' });
    rmSync(`${fileOf('a')}.tmp`, { recursive: true });
    await w.write('a', '{"n":2}');
    assert.equal(readFileSync(fileOf('a'), 'utf8'), '{"n":2}');
  });
});
