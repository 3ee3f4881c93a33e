import assert from 'node:assert/strict';
import { b64, cliSpec, Harness } from './harness';

describe('controlapi: /secrets and /configs', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await new Harness().start();
  });
  afterEach(() => h.stop());

  it('secret create answers 201 {ID}; inspect and list never return Data', async () => {
    const r = await h.call('POST', '/secrets/create', { Name: 'st_dbpass', Labels: { a: '1' }, Data: b64('s3cret\n') });
    assert.equal(r.status, 201);
    assert.deepEqual(Object.keys(r.body), ['ID']);
    const s = (await h.call('GET', '/secrets/st_dbpass')).body;
    assert.equal(s.ID, r.body.ID);
    assert.deepEqual(s.Spec, { Name: 'st_dbpass', Labels: { a: '1' } });
    for (const k of ['ID', 'Version', 'CreatedAt', 'UpdatedAt']) assert.ok(k in s, k);
    const list = (await h.call('GET', '/secrets')).body;
    assert.ok(!JSON.stringify(list).includes(b64('s3cret\n')));
  });

  it('config inspect returns Data, as Docker does', async () => {
    const id = (await h.call('POST', '/configs/create', { Name: 'conf', Data: b64('listen 80\n') })).body.ID;
    const c = (await h.call('GET', `/configs/${id}`)).body;
    assert.equal(c.Spec.Data, b64('listen 80\n'));
  });

  it('refuses empty, oversized (500 KiB) and non-base64 data, and bad names', async () => {
    let r = await h.call('POST', '/secrets/create', { Name: 'big', Data: b64(Buffer.alloc(500 * 1024)) });
    assert.equal(r.status, 400);
    assert.match(r.body.message, /secret data must be larger than 0 and less than 512000 bytes/);
    r = await h.call('POST', '/secrets/create', { Name: 'ok', Data: b64(Buffer.alloc(500 * 1024 - 1)) });
    assert.equal(r.status, 201);
    r = await h.call('POST', '/secrets/create', { Name: 'empty', Data: '' });
    assert.equal(r.status, 400);
    r = await h.call('POST', '/secrets/create', { Name: 'x', Data: '!!!' });
    assert.equal(r.status, 400);
    r = await h.call('POST', '/secrets/create', { Name: '-bad', Data: b64('x') });
    assert.match(r.body.message, /invalid name, only 64/);
    r = await h.call('POST', '/configs/create', { Name: 'c', Data: b64(Buffer.alloc(900 * 1024)) });
    assert.equal(r.status, 201);
  });

  it('a taken name is 409', async () => {
    await h.call('POST', '/secrets/create', { Name: 'db', Data: b64('x') });
    const r = await h.call('POST', '/secrets/create', { Name: 'db', Data: b64('y') });
    assert.equal(r.status, 409);
    assert.equal(r.body.message, 'rpc error: code = AlreadyExists desc = secret db already exists');
  });

  it('filters: id, name (prefix), names (exact), label', async () => {
    const a = (await h.call('POST', '/secrets/create', { Name: 'st_a', Labels: { ns: 'st' }, Data: b64('x') })).body.ID;
    await h.call('POST', '/secrets/create', { Name: 'st_ab', Data: b64('x') });
    const names = async (f: Record<string, string[]>) =>
      ((await h.call('GET', `/secrets?filters=${h.filters(f)}`)).body as any[]).map((s) => s.Spec.Name).sort();
    assert.deepEqual(await names({ name: ['st_a'] }), ['st_a', 'st_ab']);
    assert.deepEqual(await names({ names: ['st_a'] }), ['st_a']);
    assert.deepEqual(await names({ label: ['ns=st'] }), ['st_a']);
    assert.deepEqual(await names({ id: [a] }), ['st_a']);
  });

  it('update: labels only, version checked, unchanged Data accepted', async () => {
    const id = (await h.call('POST', '/secrets/create', { Name: 'db', Data: b64('pw') })).body.ID;
    const s = (await h.call('GET', `/secrets/${id}`)).body;
    let r = await h.call('POST', `/secrets/${id}/update?version=${s.Version.Index}`, {
      Name: 'db',
      Labels: { new: 'yes' },
      Data: b64('pw'),
    });
    assert.equal(r.status, 200);
    const after = (await h.call('GET', `/secrets/${id}`)).body;
    assert.deepEqual(after.Spec.Labels, { new: 'yes' });
    r = await h.call('POST', `/secrets/${id}/update?version=${after.Version.Index}`, {
      Name: 'db',
      Data: b64('other'),
    });
    assert.equal(r.status, 400);
    assert.match(r.body.message, /only updates to Labels are allowed/);
    r = await h.call('POST', `/secrets/${id}/update?version=${after.Version.Index}`, { Name: 'renamed' });
    assert.match(r.body.message, /only updates to Labels are allowed/);
    r = await h.call('POST', `/secrets/${id}/update?version=${s.Version.Index}`, { Name: 'db' });
    assert.equal(r.status, 409);
    r = await h.call('POST', `/secrets/${id}/update`, { Name: 'db' });
    assert.equal(r.status, 400);
  });

  it('delete: 204, 404 when gone, 409 while a service uses it', async () => {
    const id = (await h.call('POST', '/secrets/create', { Name: 'db', Data: b64('pw') })).body.ID;
    const spec = cliSpec('app');
    spec.TaskTemplate.ContainerSpec.Secrets = [{ SecretID: id, SecretName: 'db', File: { Name: 'db' } }];
    await h.call('POST', '/services/create', spec);
    let r = await h.call('DELETE', `/secrets/${id}`);
    assert.equal(r.status, 409);
    assert.equal(r.body.message, 'secret db is in use by the following service: app');
    await h.call('DELETE', '/services/app');
    r = await h.call('DELETE', '/secrets/db');
    assert.equal(r.status, 204);
    r = await h.call('DELETE', '/secrets/db');
    assert.equal(r.status, 404);
    assert.equal(r.body.message, 'secret db not found');
  });

  it('configs in use are refused too', async () => {
    const id = (await h.call('POST', '/configs/create', { Name: 'conf', Data: b64('x') })).body.ID;
    for (const n of ['a1', 'a2']) {
      const spec = cliSpec(n);
      spec.TaskTemplate.ContainerSpec.Configs = [{ ConfigID: id, ConfigName: 'conf', File: { Name: '/c' } }];
      await h.call('POST', '/services/create', spec);
    }
    const r = await h.call('DELETE', `/configs/${id}`);
    assert.equal(r.status, 409);
    assert.equal(r.body.message, 'config conf is in use by the following services: a1, a2');
  });
});
