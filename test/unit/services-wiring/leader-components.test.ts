import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { LeaderComponents } from '../../../manager/leader-components';
import { MemoryStore } from '../../../src/store';
import { addNode, addService, quiet, until } from './fixtures';

describe('LeaderComponents', () => {
  let store: MemoryStore;
  let lc: LeaderComponents;

  beforeEach(() => {
    store = new MemoryStore();
    lc = new LeaderComponents({ store, logger: quiet, scheduler: { debounceMs: 5 } });
  });

  afterEach(async () => {
    await lc.stop();
    store.close();
  });

  const assigned = () =>
    store.view((tx) => tx.find('task', { serviceId: 'web' }).filter((t) => t.NodeID && t.Status.State === 'assigned'));

  it('a replicated service of 3 on 2 ready nodes gets 3 tasks assigned, spread 2/1', async () => {
    await addNode(store, 'n1');
    await addNode(store, 'n2');
    await addService(store, 'web', { Mode: { Replicated: { Replicas: 3 } } });
    lc.start();
    await until(() => assigned().length === 3, 5000, '3 assigned tasks');
    const perNode = new Map<string, number>();
    for (const t of assigned()) perNode.set(t.NodeID!, (perNode.get(t.NodeID!) ?? 0) + 1);
    assert.deepEqual([...perNode.values()].sort(), [1, 2]);
    assert.deepEqual(
      assigned()
        .map((t) => t.Slot)
        .sort(),
      [1, 2, 3],
    );
  });

  it('start and stop are idempotent; nothing is written after stop; a restart picks up', async () => {
    await addNode(store, 'n1');
    lc.start();
    lc.start();
    assert.equal(lc.started, true);
    await Promise.all([lc.stop(), lc.stop()]);
    await lc.stop();
    assert.equal(lc.started, false);
    await addService(store, 'web', { Mode: { Replicated: { Replicas: 2 } } });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(
      store.view((tx) => tx.find('task').length),
      0,
      'stopped components write nothing',
    );
    lc.start();
    await until(() => assigned().length === 2, 5000, '2 assigned tasks');
  });

  it('stop leaves no timers or watches behind: the process exits on its own', function () {
    this.timeout(20000);
    const dist = path.resolve(__dirname, '../../..');
    const script = `
      const { MemoryStore } = require(${JSON.stringify(path.join(dist, 'src/store'))});
      const { LeaderComponents } = require(${JSON.stringify(path.join(dist, 'manager/leader-components'))});
      (async () => {
        const store = new MemoryStore();
        await store.update((tx) => tx.create('node', { ID: 'n1', Spec: { Role: 'worker', Availability: 'active' },
          Description: { Hostname: 'n1' }, Status: { State: 'ready' } }));
        await store.update((tx) => tx.create('service', { ID: 'web', Spec: { Name: 'web',
          TaskTemplate: { ContainerSpec: { Image: 'busybox' } }, Mode: { Replicated: { Replicas: 2 } } } }));
        const lc = new LeaderComponents({ store });
        lc.start();
        for (let i = 0; i < 500; i++) {
          if (store.view((tx) => tx.find('task').filter((t) => t.NodeID).length) === 2) break;
          await new Promise((r) => setTimeout(r, 10));
        }
        await lc.stop();
        process.stdout.write('stopped ' + store.view((tx) => tx.find('task').length));
      })();`;
    const r = spawnSync(process.execPath, ['-e', script], {
      timeout: 15000,
      encoding: 'utf8',
      env: { ...process.env, TSSWARM_LOG_LEVEL: 'error' },
    });
    assert.equal(r.error, undefined, `the process did not exit: ${String(r.error)}`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'stopped 2');
  });
});
