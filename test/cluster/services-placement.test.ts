import assert from 'node:assert/strict';
import type { TaskObject } from '../../src/api/swarm-types';
import { requireLab } from '../support/lab';
import { eventually } from '../integration/swarm/swarm-daemons';
import { perHost, sleeper, startServiceSwarm, type ServiceSwarm } from './service-swarm';

/**
 * Where service tasks run, across lab hosts: h1 is the manager, h2 and h3 workers (the manager
 * runs tasks too, as Docker's does); h4 joins later. Real containers from busybox.
 */

interface Container {
  Id: string;
  Names: string[];
  State: string;
}

describe('cluster: where service tasks run (h1 manager, h2 and h3 workers, h4 joining)', function () {
  this.timeout(90_000);
  let sw: ServiceSwarm | undefined;
  const M = 'h1';

  /** The containers of the service on host h, running or not. */
  const containersOf = async (h: string, service: string) =>
    (await sw!.api(h, 'GET', '/containers/json?all=1'))
      .json<Container[]>()
      .filter((c) => c.Names[0]!.startsWith(`/${service}.`));

  const runningCount = (service: string, n: number) => sw!.untilRunning(M, service, n);

  before(async function () {
    this.timeout(240_000);
    requireLab(this);
    sw = await startServiceSwarm({ hosts: 4, managers: ['h1'], workers: ['h2', 'h3'] });
  });

  after(async function () {
    this.timeout(120_000);
    await sw?.stop();
  });

  it('6 replicas over 3 nodes run 2 on each, as containers on their hosts', async () => {
    await sw!.createService(M, { ...sleeper('spread'), Mode: { Replicated: { Replicas: 6 } } });
    const live = await runningCount('spread', 6);
    assert.deepEqual(perHost(sw!, live), { h1: 2, h2: 2, h3: 2 });
    for (const h of ['h1', 'h2', 'h3']) {
      const names = (await containersOf(h, 'spread')).filter((c) => c.State === 'running').map((c) => c.Names[0]);
      const want = live.filter((t) => sw!.hostOf(t.NodeID) === h).map((t) => `/spread.${t.Slot}.${t.ID}`);
      assert.deepEqual(names.sort(), want.sort(), `containers on ${h}`);
    }
    await sw!.removeService(M, 'spread');
  });

  it('constraints on node.labels, node.role and node.hostname choose the nodes', async () => {
    const zones: Record<string, string> = { h1: 'a', h2: 'a', h3: 'b' };
    for (const [h, zone] of Object.entries(zones))
      await sw!.updateNode(M, h, (s) => ({ ...s, Labels: { ...s.Labels, zone } }));
    const constrained = {
      'on-zone-b': 'node.labels.zone==b',
      'on-manager': 'node.role==manager',
      'on-h2': 'node.hostname==h2',
      'off-manager': 'node.role!=manager',
    };
    for (const [name, c] of Object.entries(constrained))
      await sw!.createService(M, {
        ...sleeper(name, { Placement: { Constraints: [c] } }),
        Mode: { Replicated: { Replicas: 2 } },
      });
    const where = async (name: string) => perHost(sw!, await runningCount(name, 2));
    assert.deepEqual(await where('on-zone-b'), { h3: 2 });
    assert.deepEqual(await where('on-manager'), { h1: 2 });
    assert.deepEqual(await where('on-h2'), { h2: 2 });
    assert.deepEqual(await where('off-manager'), { h2: 1, h3: 1 });
    for (const name of Object.keys(constrained)) await sw!.removeService(M, name);
  });

  it('a spread preference over node.labels.zone halves 4 replicas between zone a (h1, h2) and zone b (h3)', async () => {
    await sw!.createService(M, {
      ...sleeper('by-zone', { Placement: { Preferences: [{ Spread: { SpreadDescriptor: 'node.labels.zone' } }] } }),
      Mode: { Replicated: { Replicas: 4 } },
    });
    const on = perHost(sw!, await runningCount('by-zone', 4));
    assert.equal((on.h1 ?? 0) + (on.h2 ?? 0), 2, JSON.stringify(on));
    assert.equal(on.h3, 2, JSON.stringify(on));
    await sw!.removeService(M, 'by-zone');
  });

  it('MaxReplicas 1: 4 replicas on 3 nodes run one per node, the fourth pending with "no suitable node"', async () => {
    await sw!.createService(M, {
      ...sleeper('one-each', { Placement: { MaxReplicas: 1 } }),
      Mode: { Replicated: { Replicas: 4 } },
    });
    const live = await runningCount('one-each', 3);
    assert.deepEqual(perHost(sw!, live), { h1: 1, h2: 1, h3: 1 });
    const pending = await eventually(
      async () => {
        const p = (await sw!.tasks(M, 'one-each')).filter((t) => t.Status.State === 'pending');
        return p.length === 1 && !!p[0]!.Status.Err && p[0];
      },
      30_000,
      'a pending task with its reason',
    );
    assert.equal(pending.DesiredState, 'running');
    assert.equal(pending.NodeID ?? '', '');
    assert.match(pending.Status.Err!, /^no suitable node \(max replicas per node limit exceed/);
    await sw!.removeService(M, 'one-each');
  });

  it('a task that fits no node stays pending with the reason; a node labelled to fit takes it', async () => {
    await sw!.createService(M, sleeper('nowhere', { Placement: { Constraints: ['node.labels.spare==yes'] } }));
    const pending = await eventually(
      async () => {
        const [t] = await sw!.tasks(M, 'nowhere');
        return t?.Status.State === 'pending' && !!t.Status.Err && t;
      },
      30_000,
      'the task pending with its reason',
    );
    assert.equal(pending.Status.Err, 'no suitable node (scheduling constraints not satisfied on 3 nodes)');
    await sw!.updateNode(M, 'h3', (s) => ({ ...s, Labels: { ...s.Labels, spare: 'yes' } }));
    const [t] = await runningCount('nowhere', 1);
    assert.equal(t!.ID, pending.ID, 'the same task, scheduled once a node fits');
    assert.equal(sw!.hostOf(t!.NodeID), 'h3');
    await sw!.removeService(M, 'nowhere');
  });

  it('a global service runs one task per node, follows a node joining and leaves a drained node', async () => {
    await sw!.createService(M, { ...sleeper('everywhere'), Mode: { Global: {} } });
    assert.deepEqual(perHost(sw!, await runningCount('everywhere', 3)), { h1: 1, h2: 1, h3: 1 });

    await sw!.join('h4', 'worker');
    const four = await runningCount('everywhere', 4);
    assert.deepEqual(perHost(sw!, four), { h1: 1, h2: 1, h3: 1, h4: 1 });
    assert.equal((await containersOf('h4', 'everywhere')).filter((c) => c.State === 'running').length, 1);

    const onH2 = four.find((t) => sw!.hostOf(t.NodeID) === 'h2')!;
    await sw!.updateNode(M, 'h2', (s) => ({ ...s, Availability: 'drain' }));
    const done = await eventually(
      async () => {
        const all = await sw!.tasks(M, 'everywhere');
        const was = all.find((t) => t.ID === onH2.ID);
        const up = all.filter((t) => t.DesiredState === 'running');
        const stopped = was?.DesiredState === 'shutdown' && was.Status.State === 'shutdown';
        return stopped && up.length === 3 && up.every((t) => t.Status.State === 'running') && up;
      },
      60_000,
      "h2's task shut down and 3 running elsewhere",
    );
    assert.deepEqual(perHost(sw!, done as TaskObject[]), { h1: 1, h3: 1, h4: 1 });
    await eventually(
      async () => (await containersOf('h2', 'everywhere')).every((c) => c.State !== 'running'),
      30_000,
      "h2's container stopped",
    );
    await sw!.removeService(M, 'everywhere');
  });
});
