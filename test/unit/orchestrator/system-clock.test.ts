import assert from 'node:assert/strict';
import { systemClock } from '../../../manager/orchestrator/clock';

describe('orchestrator: systemClock', () => {
  it('a timer never fires before its time by now(), wherever in a millisecond it was set', async () => {
    for (let i = 0; i < 200; i++) {
      const spin = process.hrtime.bigint();
      while (process.hrtime.bigint() - spin < BigInt((i * 7919) % 1_000_000));
      const set = Date.now();
      const waited = await new Promise<number>((resolve) => systemClock.setTimer(2, () => resolve(Date.now() - set)));
      assert.ok(waited >= 2, `timer ${i} fired after ${waited} ms`);
    }
  });

  it('clearTimer cancels it, also after it re-armed', async () => {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    let fired = 0;
    const spin = Date.now();
    while (Date.now() - spin < 60);
    const h = systemClock.setTimer(100, () => fired++);
    // A turn later the loop's time is current again: 70 ms on, the first wait (40 ms by the
    // stale time) has ended and the timer waits out the rest.
    await sleep(1);
    await sleep(70);
    systemClock.clearTimer(h);
    await sleep(100);
    assert.equal(fired, 0);
  });
});
