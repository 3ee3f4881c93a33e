import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ShimGroups } from '../../../worker/engine/containers/shim-groups';
import { ShimStartHints } from '../../../worker/engine/containers/shim-start-hints';

/** Task creates through ShimStartHints, with stand-ins for Tasks.Create and containerd's bundles. */
describe('shim start hints', () => {
  let dir: string;
  let hints: ShimStartHints;
  const hintsDir = () => path.join(dir, 'hints');
  const hintOf = (id: string) => {
    const f = path.join(hintsDir(), id);
    return existsSync(f) ? readFileSync(f, 'utf8') : undefined;
  };
  /** What containerd leaves in a task's bundle once its shim is up. */
  const bundleAddress = (id: string, address: string) => {
    mkdirSync(path.join(dir, 'bundles', id), { recursive: true });
    writeFileSync(path.join(dir, 'bundles', id, 'address'), address);
  };
  const settle = () => new Promise((r) => setTimeout(r, 20));
  /** As ContainerService does: the create is in flight in its group until it settles. */
  const create = <T>(g: ShimGroups, id: string, make: () => Promise<T>): Promise<T> => {
    const p = hints.create(id, g, make);
    g.creating(id, p);
    return p;
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tsswarm-hints-'));
    mkdirSync(hintsDir());
    hints = new ShimStartHints(hintsDir(), path.join(dir, 'bundles'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A create that records the hint it finds, after the shim of `id` wrote its bundle address. */
  const creates: Array<{ id: string; hint: string | undefined }> = [];
  beforeEach(() => (creates.length = 0));
  const createOf =
    (id: string, address = 'unix:///run/containerd/s/abc') =>
    async () => {
      creates.push({ id, hint: hintOf(id) });
      bundleAddress(id, address);
      return { pid: 1 };
    };

  it("learns the group's address from its first task's bundle; the next member's create finds it as a hint, withdrawn after", async () => {
    const g = new ShimGroups(16, 0);
    g.join('a');
    await create(g, 'a', createOf('a'));
    await settle();
    assert.equal(g.addressOf('a'), 'unix:///run/containerd/s/abc');
    g.join('b');
    await create(g, 'b', createOf('b'));
    await settle();
    assert.deepEqual(creates, [
      { id: 'a', hint: undefined },
      { id: 'b', hint: 'unix:///run/containerd/s/abc\n' },
    ]);
    assert.equal(hintOf('b'), undefined);
  });

  it("makes a member that joins while the group's first create is in flight wait for it, then start through the hint", async () => {
    const g = new ShimGroups(16, 0, 1);
    g.join('a');
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const first = create(g, 'a', async () => {
      await held;
      return createOf('a')();
    });
    g.join('b');
    const second = create(g, 'b', createOf('b'));
    await settle();
    assert.deepEqual(creates, [], "b's create waits for a's");
    release();
    await Promise.all([first, second]);
    assert.deepEqual(creates, [
      { id: 'a', hint: undefined },
      { id: 'b', hint: 'unix:///run/containerd/s/abc\n' },
    ]);
  });

  it('creates again without the hint when the create through it fails (a dead shim), and forgets the address', async () => {
    const g = new ShimGroups(16, 0);
    g.join('a');
    await create(g, 'a', createOf('a'));
    await settle();
    g.join('b');
    let calls = 0;
    const task = await create(g, 'b', async () => {
      calls++;
      creates.push({ id: 'b', hint: hintOf('b') });
      if (calls === 1) throw new Error('connection refused');
      bundleAddress('b', 'unix:///run/containerd/s/abc');
      return { pid: 2 };
    });
    assert.deepEqual(task, { pid: 2 });
    assert.deepEqual(creates.slice(1), [
      { id: 'b', hint: 'unix:///run/containerd/s/abc\n' },
      { id: 'b', hint: undefined },
    ]);
    await settle();
    // The retry started the group's shim again: its address is learned anew.
    assert.equal(g.addressOf('b'), 'unix:///run/containerd/s/abc');
  });

  it('passes a failed create on when no hint was given, and learns nothing from it', async () => {
    const g = new ShimGroups(16, 0);
    g.join('a');
    await assert.rejects(
      create(g, 'a', async () => {
        throw new Error('runc create failed');
      }),
      /runc create failed/,
    );
    await settle();
    assert.equal(g.addressOf('a'), undefined);
    assert.equal(g.founding('a'), undefined);
  });

  it('takes no address that is not a unix socket path from a bundle', async () => {
    const g = new ShimGroups(16, 0);
    g.join('a');
    await create(g, 'a', createOf('a', 'tcp://127.0.0.1:1'));
    await settle();
    assert.equal(g.addressOf('a'), undefined);
  });
});
