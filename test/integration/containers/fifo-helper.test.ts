import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FifoHelper } from '../../../worker/engine/containers/fifo-helper';

describe('FIFO helper (a long-lived sh running mkfifo)', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(path.join(tmpdir(), 'tsswarm-fifo-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('makes 0600 FIFOs, names with quotes and spaces included, and reports mkfifo failures', async () => {
    const h = new FifoHelper();
    const files = [path.join(dir, 'a'), path.join(dir, "it's a fifo")];
    await h.make(files);
    for (const f of files) {
      const st = statSync(f);
      assert.equal(st.isFIFO(), true);
      assert.equal(st.mode & 0o777, 0o600);
    }
    await assert.rejects(h.make([files[0]]), /mkfifo failed \(exit 1\): .*exists/i);
    await h.make([path.join(dir, 'b')]);
    h.close();
  });

  it('starts again after the shell dies', async () => {
    const h = new FifoHelper();
    await h.make([path.join(dir, 'c')]);
    process.kill((h as unknown as { child: { pid: number } }).child.pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
    await h.make([path.join(dir, 'd')]);
    assert.equal(statSync(path.join(dir, 'd')).isFIFO(), true);
    h.close();
  });

  it('close ends the shell; the next make starts another', async () => {
    const h = new FifoHelper();
    await h.make([path.join(dir, 'e')]);
    const child = (h as unknown as { child: { pid: number; exitCode: number | null; signalCode: string | null } })
      .child;
    h.close();
    await new Promise((r) => setTimeout(r, 100));
    assert.notEqual(child.exitCode ?? child.signalCode, null);
    await h.make([path.join(dir, 'f')]);
    assert.equal(statSync(path.join(dir, 'f')).isFIFO(), true);
    h.close();
  });
});
