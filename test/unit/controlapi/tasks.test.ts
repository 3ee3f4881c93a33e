import assert from 'node:assert/strict';
import { cliSpec, Harness } from './harness';
import { missingKeys, sample } from './samples';

describe('controlapi: /tasks', () => {
  let h: Harness;
  let web: string;
  let db: string;
  beforeEach(async () => {
    h = await new Harness().start();
    web = (await h.call('POST', '/services/create', cliSpec('web', 2, { Labels: { tier: 'front' } }))).body.ID;
    db = (await h.call('POST', '/services/create', cliSpec('db', 1))).body.ID;
    await h.store.update((tx) => {
      tx.create('node', {
        ID: 'node1abc',
        Spec: { Role: 'manager', Availability: 'active' },
        Description: { Hostname: 'host-a' },
        Status: { State: 'ready' },
      });
      const webSvc = tx.get('service', web)!;
      const mk = (svc: string, slot: number, state: string, desired: string, spec: object) =>
        tx.create('task', {
          ID: `${svc.slice(0, 4)}task${slot}${state}`,
          Labels: {},
          Spec: spec,
          ServiceID: svc,
          Slot: slot,
          NodeID: 'node1abc',
          Status: { State: state as never, Timestamp: '2026-01-01T00:00:00Z', Message: 'started', PortStatus: {} },
          DesiredState: desired as never,
          ServiceAnnotations: { Name: svc === web ? 'web' : 'db' },
          SpecVersion: { Index: 1 },
        });
      mk(web, 1, 'running', 'running', structuredClone(webSvc.Spec.TaskTemplate));
      mk(web, 2, 'shutdown', 'shutdown', { ContainerSpec: { Image: 'old' } });
      mk(db, 1, 'running', 'running', { ContainerSpec: { Image: 'busybox' } });
    });
  });
  afterEach(() => h.stop());

  const ids = async (f: Record<string, string[]>) =>
    ((await h.call('GET', `/tasks?filters=${h.filters(f)}`)).body as any[]).map((t) => t.ID).sort();

  it('lists tasks in Docker shape, without internal fields', async () => {
    const all = (await h.call('GET', '/tasks')).body as any[];
    assert.equal(all.length, 3);
    for (const t of all) {
      assert.ok(!('ServiceAnnotations' in t) && !('SpecVersion' in t));
      assert.ok(t.Spec.ContainerSpec);
    }
    const ref = sample('GET_tasks_service_web.json');
    if (ref) {
      const r = structuredClone(ref[0]);
      delete r.Status.ContainerStatus;
      assert.deepEqual(
        missingKeys(
          r,
          all.find((t) => t.Status.State === 'running'),
        ),
        [],
      );
    }
  });

  it('service and node filters accept names, IDs and prefixes', async () => {
    assert.equal((await ids({ service: ['web'] })).length, 2);
    assert.equal((await ids({ service: [web] })).length, 2);
    assert.equal((await ids({ service: [db.slice(0, 5)] })).length, 1);
    assert.equal((await ids({ node: ['host-a'] })).length, 3);
    assert.equal((await ids({ node: ['node1'] })).length, 3);
    const r = await h.call('GET', `/tasks?filters=${h.filters({ service: ['nope'] })}`);
    assert.equal(r.status, 404);
    assert.equal(r.body.message, 'service nope not found');
  });

  it('desired-state, label (of the service), name, id and _up-to-date', async () => {
    assert.equal((await ids({ 'desired-state': ['running'] })).length, 2);
    assert.equal((await ids({ 'desired-state': ['shutdown'] })).length, 1);
    assert.equal((await ids({ label: ['tier=front'] })).length, 2);
    assert.equal((await ids({ name: ['web.1.'] })).length, 1);
    assert.equal((await ids({ id: [web.slice(0, 4)] })).length, 2);
    assert.equal((await ids({ service: [web], '_up-to-date': ['true'] })).length, 1);
    const bad = await h.call('GET', `/tasks?filters=${h.filters({ 'desired-state': ['sleeping'] })}`);
    assert.equal(bad.status, 400);
  });

  it('GET /tasks/{id} by ID and prefix; 404 otherwise', async () => {
    const id = `${web.slice(0, 4)}task1running`;
    assert.equal((await h.call('GET', `/tasks/${id}`)).body.ID, id);
    const nf = await h.call('GET', '/tasks/zzz');
    assert.equal(nf.status, 404);
    assert.equal(nf.body.message, 'task zzz not found');
  });
});
