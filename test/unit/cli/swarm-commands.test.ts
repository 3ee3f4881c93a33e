import assert from 'node:assert/strict';
import { nodeRows } from '../../../cli/commands/node';
import { parseDuration } from '../../../cli/commands/swarm';

describe('tsswarm swarm and node commands', () => {
  it('parses Go durations into nanoseconds', () => {
    assert.equal(parseDuration('5s'), 5e9);
    assert.equal(parseDuration('1m30s'), 90e9);
    assert.equal(parseDuration('2160h'), 2160 * 3600e9);
    assert.equal(parseDuration('250ms'), 250e6);
    assert.throws(() => parseDuration('5'), /invalid duration/);
    assert.throws(() => parseDuration('abc'), /invalid duration/);
  });

  it('node ls rows: docker columns, the * on the current node, Leader/Reachable', () => {
    const meta = { Version: { Index: 1 } };
    const rows = nodeRows(
      [
        {
          ID: 'b',
          ...meta,
          Spec: { Role: 'worker', Availability: 'drain' },
          Description: { Hostname: 'h2', Engine: { EngineVersion: '25.0.0' } },
          Status: { State: 'ready' },
        },
        {
          ID: 'a',
          ...meta,
          Spec: { Role: 'manager', Availability: 'active' },
          Description: { Hostname: 'h1', Engine: { EngineVersion: '25.0.0' } },
          Status: { State: 'ready' },
          ManagerStatus: { Leader: true, Reachability: 'reachable', Addr: 'x' },
        },
      ],
      'a',
    );
    assert.deepEqual(rows, [
      ['a *', 'h1', 'Ready', 'Active', 'Leader', '25.0.0'],
      ['b', 'h2', 'Ready', 'Drain', '', '25.0.0'],
    ]);
  });
});
