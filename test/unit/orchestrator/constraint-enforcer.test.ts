import { strict as assert } from 'node:assert';
import { matchConstraints } from '../../../manager/orchestrator';
import type { NodeObject } from '../../../src/api';
import { Harness } from './harness';

describe('orchestrator: constraint enforcer', () => {
  let h: Harness;
  beforeEach(async () => {
    h = new Harness(['replicated', 'enforcer']).start();
    await h.addNode('a', { labels: { disk: 'ssd' } });
    await h.addNode('b', { labels: { disk: 'ssd' } });
  });
  afterEach(() => h.stop());

  async function db(): Promise<void> {
    await h.createService({
      Name: 'db',
      Mode: { Replicated: { Replicas: 2 } },
      TaskTemplate: { ContainerSpec: { Image: 'x' }, Placement: { Constraints: ['node.labels.disk == ssd'] } },
    });
    await h.agents({ nodes: ['a', 'b'] });
  }

  it('shuts down tasks on a node that lost a label, and the slot is refilled', async () => {
    await db();
    const onA = h.live('db').find((t) => t.NodeID === 'a')!;
    await h.editNode('a', (n) => (n.Spec.Labels = {}));
    assert.equal(h.tasks('db').find((t) => t.ID === onA.ID)!.DesiredState, 'shutdown');
    const refill = h.live('db').find((t) => t.Slot === onA.Slot)!;
    assert.notEqual(refill.ID, onA.ID);
    assert.equal(refill.NodeID, undefined, 'for the scheduler to place');
    assert.ok(
      h.live('db').find((t) => t.NodeID === 'b'),
      'b keeps its task',
    );
  });

  it('a role change that breaks node.role constraints', async () => {
    await h.createService({
      Name: 'w',
      TaskTemplate: { ContainerSpec: { Image: 'x' }, Placement: { Constraints: ['node.role==worker'] } },
    });
    await h.agents({ nodes: ['a'] });
    const t = h.live('w')[0];
    await h.editNode('a', (n) => (n.Spec.Role = 'manager'));
    assert.equal(h.tasks('w').find((x) => x.ID === t.ID)!.DesiredState, 'shutdown');
  });

  it('drain moves every task off the node; pause keeps them', async () => {
    await db();
    await h.editNode('b', (n) => (n.Spec.Availability = 'pause'));
    assert.equal(h.live('db').filter((t) => t.NodeID === 'b').length, 1);
    await h.editNode('a', (n) => (n.Spec.Availability = 'drain'));
    assert.equal(h.live('db').filter((t) => t.NodeID === 'a').length, 0);
    assert.equal(h.live('db').length, 2);
  });

  it('constraint matcher: keys, operators, case, missing labels, bad syntax', () => {
    const node = {
      ID: 'n1',
      Spec: { Role: 'manager', Availability: 'active', Labels: { Zone: 'East' } },
      Description: {
        Hostname: 'host1',
        Platform: { OS: 'linux', Architecture: 'x86_64' },
        Engine: { Labels: { gpu: 'yes' } },
      },
      Status: { State: 'ready' },
    } as unknown as NodeObject;
    assert.ok(matchConstraints(['node.id==n1', 'node.hostname==HOST1', 'node.role==manager'], node));
    assert.ok(matchConstraints(['node.platform.os==linux', 'node.platform.arch==x86_64'], node));
    assert.ok(matchConstraints(['node.labels.Zone==east', 'engine.labels.gpu==yes', 'node.labels.none!=x'], node));
    assert.ok(!matchConstraints(['node.labels.none==x'], node));
    assert.ok(!matchConstraints(['node.role!=manager'], node));
    assert.ok(!matchConstraints(['bogus'], node), 'unparsable constraints match nothing');
    assert.ok(!matchConstraints(['node.color==red'], node), 'unknown keys match nothing');
    assert.ok(!matchConstraints(['node.color!=red'], node), 'unknown keys match nothing');
    assert.ok(matchConstraints([' node.labels.Zone != a b '], node));
  });
});
