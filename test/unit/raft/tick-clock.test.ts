import assert from 'node:assert/strict';
import { TickClock } from '../../../src/raft/node/tick-clock';

describe('raft TickClock', () => {
  it('runs one tick per period when the timer is on time', () => {
    const c = new TickClock(10, 10, 0);
    assert.equal(c.take(5), 0);
    assert.equal(c.take(10), 1);
    assert.equal(c.take(20), 1);
  });

  it('replays every tick of a late timer up to the bound, so a timeout lasts its wall time', () => {
    const c = new TickClock(10, 10, 0);
    assert.equal(c.take(75), 7);
    assert.equal(c.take(80), 1);
    // 1000 ms of timers firing 45 ms late each still add up to 100 ticks.
    const d = new TickClock(10, 10, 0);
    let n = 0;
    for (let t = 45; t <= 1000; t += 45) n += d.take(t);
    n += d.take(1000);
    assert.equal(n, 100);
  });

  it('forgets the ticks of a stall longer than the bound', () => {
    const c = new TickClock(10, 10, 0);
    assert.equal(c.take(2000), 10);
    assert.equal(c.take(2005), 0);
    assert.equal(c.take(2010), 1);
  });
});
