import assert from 'node:assert/strict';
import { runSeed, SimFailure, type SimStats } from './simulation';

/**
 * Runs many seeded schedules (3 nodes on even seeds, 5 on odd ones). SIM_SEEDS sets how many
 * (default 10000, about a minute on two cores), SIM_SEED_BASE the first seed. A failure names the seed to replay with
 * `npm run sim -- --seed N`.
 */
describe('raft-ts simulation: safety and linearizability under faults', function () {
  this.timeout(0);
  const count = Number(process.env.SIM_SEEDS ?? 10000);
  const base = Number(process.env.SIM_SEED_BASE ?? 1);

  it(`holds every invariant over ${count} seeds`, () => {
    const totals = {
      puts: 0,
      putsAcked: 0,
      getsAnswered: 0,
      leaders: 0,
      crashes: 0,
      partitions: 0,
      confChanges: 0,
      snapshotsSent: 0,
    };
    const failures: string[] = [];
    for (let seed = base; seed < base + count; seed++) {
      let st: SimStats;
      try {
        st = runSeed(seed);
      } catch (e) {
        if (!(e instanceof SimFailure))
          throw new Error(`seed ${seed} crashed (replay: npm run sim -- --seed ${seed}): ${(e as Error).stack}`);
        failures.push(e.message);
        if (failures.length >= 5) break;
        continue;
      }
      for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += st[k];
    }
    assert.deepEqual(failures, [], `failing seeds:\n${failures.join('\n')}`);
    console.log(`      ${count} seeds: ${JSON.stringify(totals)}`);
    assert.ok(totals.putsAcked > count * 10, 'the simulated clusters make progress');
    assert.ok(totals.snapshotsSent > 0 && totals.confChanges > 0 && totals.crashes > 0, 'faults are exercised');
  });
});
