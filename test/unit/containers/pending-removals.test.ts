import assert from 'node:assert/strict';
import { createLogger } from '../../../src/util';
import { PendingRemovals, RETRY_FIRST_MS } from '../../../worker/engine/containers/pending-removals';

const quiet = () => createLogger('test', () => undefined);
const tick = () => new Promise((r) => setImmediate(r));

describe('pending removals', () => {
  it('runs a failed cleanup again, at once when asked and later by itself', async () => {
    const p = new PendingRemovals(quiet());
    let runs = 0;
    p.add('c1', async () => {
      runs++;
      if (runs < 3) throw new Error('containerd is down');
    });
    await p.settled();
    assert.equal(runs, 1);
    assert.equal(p.size, 1, 'the failed cleanup waits to run again');
    p.retryNow();
    await p.settled();
    assert.equal(runs, 2);
    await new Promise((r) => setTimeout(r, RETRY_FIRST_MS * 2 + 200));
    await p.settled();
    assert.equal(runs, 3);
    assert.equal(p.size, 0);
    p.stop();
  });

  it('settles without waiting for retries, and stops retrying when stopped', async () => {
    const p = new PendingRemovals(quiet());
    let runs = 0;
    p.add('c1', async () => {
      runs++;
      throw new Error('still down');
    });
    await p.settled(1000);
    await tick();
    p.stop();
    p.retryNow();
    await p.settled();
    assert.equal(runs, 1);
    assert.equal(p.size, 0);
  });

  it('runs at most `lanes` cleanups at once, the others in turn', async () => {
    const p = new PendingRemovals(quiet(), 2);
    let running = 0;
    let most = 0;
    const done: string[] = [];
    for (const id of ['a', 'b', 'c', 'd', 'e']) {
      p.add(id, async () => {
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 10));
        running--;
        done.push(id);
      });
    }
    assert.equal(p.size, 5);
    await p.settled();
    assert.equal(most, 2);
    assert.deepEqual(done.sort(), ['a', 'b', 'c', 'd', 'e']);
    assert.equal(p.size, 0);
  });

  it('begins no cleanup while a start is in flight; those already running go on', async () => {
    const p = new PendingRemovals(quiet(), 2);
    const ran: string[] = [];
    let release!: () => void;
    const running = new Promise<void>((r) => (release = r));
    p.add('before', async () => {
      ran.push('before');
      await running;
    });
    let startDone!: () => void;
    const start = p.yieldTo(new Promise<string>((r) => (startDone = () => r('started'))));
    p.add('during', async () => {
      ran.push('during');
    });
    await tick();
    assert.deepEqual(ran, ['before']);
    release();
    await tick();
    assert.deepEqual(ran, ['before'], 'a freed lane waits for the start too');
    startDone();
    assert.equal(await start, 'started');
    await p.settled();
    assert.deepEqual(ran, ['before', 'during']);
  });

  it('lets cleanups go on after a start that failed', async () => {
    const p = new PendingRemovals(quiet());
    await assert.rejects(p.yieldTo(Promise.reject(new Error('runc failed'))), /runc failed/);
    let ran = false;
    p.add('c', async () => {
      ran = true;
    });
    await p.settled();
    assert.equal(ran, true);
  });
});
