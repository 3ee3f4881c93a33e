import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { IpBatch } from '../../../worker/network/ip-batch';
import { createNetns, deleteNetns, netnsExists } from '../../../worker/network/netns';
import { runCommand } from '../../../worker/network/run-command';

describe('ip -batch helper (real iproute2)', function () {
  before(function () {
    if (process.platform !== 'linux' || process.getuid?.() !== 0) this.skip();
  });

  const name = () => `tswib-${randomBytes(4).toString('hex')}`;

  it('tells each line of a request apart: failures with what ip said, successes as null', async () => {
    const b = new IpBatch();
    try {
      const ns = name();
      const r = await b.run([
        ['netns', 'add', ns],
        ['netns', 'add', ns],
        ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up'],
        ['netns', 'delete', ns],
      ]);
      assert.equal(r.length, 4);
      assert.equal(r[0], null);
      assert.match(r[1] ?? '', /exists/i);
      assert.equal(r[2], null);
      assert.equal(r[3], null);
      // Requests may overlap; each gets its own lines.
      const [a, c] = await Promise.all([b.run([['netns', 'delete', ns]]), b.run([['link', 'show', 'dev', 'lo']])]);
      assert.match(a[0] ?? '', /No such file/);
      assert.deepEqual(c, [null]);
    } finally {
      b.close();
    }
  });

  it('starts again after the helper dies, failing only the requests under way', async () => {
    const b = new IpBatch();
    try {
      assert.deepEqual(await b.run([['link', 'show', 'dev', 'lo']]), [null]);
      const pid = (b as unknown as { child: { pid: number } }).child.pid;
      process.kill(pid, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(await b.run([['link', 'show', 'dev', 'lo']]), [null]);
    } finally {
      b.close();
    }
  });

  it('refuses arguments a batch line cannot carry', () => {
    assert.throws(() => new IpBatch().run([['netns', 'add', 'a b']]), /cannot carry/);
  });

  it('createNetns gives a namespace with lo up; deleteNetns takes it and a missing one away', async () => {
    const ns = name();
    await createNetns(ns);
    try {
      assert.equal(await netnsExists(ns), true);
      const lo = await runCommand('ip', ['-n', ns, '-o', 'link', 'show', 'lo']);
      assert.match(lo.stdout, /[<,]UP[,>]/);
    } finally {
      await deleteNetns(ns);
    }
    assert.equal(await netnsExists(ns), false);
    await deleteNetns(ns);
  });
});
