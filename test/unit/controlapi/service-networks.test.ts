import assert from 'node:assert/strict';
import { ingressNetworkObject, newNetworkObject } from '../../../manager/allocator';
import { cliSpec, Harness } from './harness';

describe('service networks', () => {
  let h: Harness;
  let app = '';
  before(async () => {
    h = await new Harness().start();
    await h.store.update((tx) => {
      tx.create('network', ingressNetworkObject());
      app = tx.create(
        'network',
        newNetworkObject({ Name: 'app' }, { subnet: '10.0.1.0/24', gateway: '10.0.1.1', vni: 4097 }),
      ).ID;
    });
  });
  after(() => h.stop());

  const withNets = (name: string, targets: string[]) =>
    cliSpec(name, 1, {
      TaskTemplate: { ...cliSpec(name).TaskTemplate, Networks: targets.map((Target) => ({ Target, Aliases: ['x'] })) },
    });

  it('maps a network name to its ID and keeps the aliases', async () => {
    const r = await h.call('POST', '/services/create', withNets('a', ['app']));
    assert.equal(r.status, 201);
    const s = (await h.call('GET', `/services/${r.body.ID}`)).body;
    assert.deepEqual(s.Spec.TaskTemplate.Networks, [{ Target: app, Aliases: ['x'] }]);
  });

  it("keeps Docker's predefined node-local networks by name", async () => {
    const r = await h.call('POST', '/services/create', withNets('l', ['bridge']));
    assert.equal(r.status, 201, JSON.stringify(r.body));
  });

  it('refuses a network the swarm does not have (404) and the ingress network (400)', async () => {
    assert.deepEqual(await h.call('POST', '/services/create', withNets('b', ['nope'])), {
      status: 404,
      body: { message: 'network nope not found' },
    });
    const r = await h.call('POST', '/services/create', withNets('c', ['ingress']));
    assert.equal(r.status, 400);
    assert.match(r.body.message, /cannot be explicitly attached to the ingress network "ingress"/);
  });
});
