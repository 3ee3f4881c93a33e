import assert from 'node:assert/strict';
import { newTask } from '../../../manager/orchestrator/new-task';
import { b64, cliSpec, Harness } from './harness';
import { missingKeys, sample } from './samples';

describe('controlapi: /services', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await new Harness().start();
  });
  afterEach(() => h.stop());

  async function create(spec: unknown, headers?: Record<string, string>) {
    const r = await h.call('POST', '/services/create', spec, headers);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.ID as string;
  }

  it('create answers 201 {ID, Warnings} and inspect shows Docker keys', async () => {
    const r = await h.call('POST', '/services/create', cliSpec('web', 5));
    assert.equal(r.status, 201);
    assert.deepEqual(Object.keys(r.body).sort(), ['ID', 'Warnings']);
    const got = await h.call('GET', `/services/${r.body.ID}`);
    assert.equal(got.status, 200);
    for (const k of ['ID', 'Version', 'CreatedAt', 'UpdatedAt', 'Spec', 'Endpoint']) assert.ok(k in got.body, k);
    assert.equal(got.body.Spec.TaskTemplate.ContainerSpec.Isolation, 'default');
    const ref = sample('GET_services.json');
    if (ref) {
      const list = await h.call('GET', '/services');
      assert.deepEqual(missingKeys(ref, list.body), []);
    }
  });

  it('a taken name is 409 with AlreadyExists, case-insensitively', async () => {
    await create(cliSpec('web'));
    const r = await h.call('POST', '/services/create', cliSpec('WEB'));
    assert.equal(r.status, 409);
    assert.equal(r.body.message, 'rpc error: code = AlreadyExists desc = name conflicts with an existing object');
  });

  it('validation names the field, with swarmkit words', async () => {
    let r = await h.call('POST', '/services/create', cliSpec('x', 'three' as never));
    assert.equal(r.status, 400);
    assert.match(r.body.message, /Mode\.Replicated\.Replicas/);
    r = await h.call('POST', '/services/create', { ...cliSpec('x'), Name: '' });
    assert.equal(r.body.message, 'rpc error: code = InvalidArgument desc = meta: name must be provided');
    const noImage = cliSpec('x');
    noImage.TaskTemplate.ContainerSpec.Image = '';
    r = await h.call('POST', '/services/create', noImage);
    assert.equal(r.status, 400);
    assert.match(r.body.message, /ContainerSpec: image reference must be provided/);
    r = await h.call('POST', '/services/create', { ...cliSpec('x'), Name: 'bad name' });
    assert.match(r.body.message, /name must be valid as a DNS name component/);
    const badConstraint = cliSpec('x');
    (badConstraint.TaskTemplate as { Placement?: object }).Placement = { Constraints: ['node.role=manager'] };
    r = await h.call('POST', '/services/create', badConstraint);
    assert.equal(r.status, 400);
    assert.equal(
      r.body.message,
      'rpc error: code = InvalidArgument desc = constraint expected one operator from ==, !=',
    );
    const dup = cliSpec('x', 1, {
      EndpointSpec: {
        Ports: [
          { TargetPort: 80, PublishedPort: 8080 },
          { TargetPort: 81, PublishedPort: 8080 },
        ],
      },
    });
    r = await h.call('POST', '/services/create', dup);
    assert.match(r.body.message, /EndpointSpec: duplicate published ports provided/);
  });

  it('keeps the healthcheck under Docker key Healthcheck (either spelling in) and checks it with swarmkit words', async () => {
    const hc = { Test: ['CMD-SHELL', 'true'], Interval: 200e6, Retries: 2, StartInterval: 100e6 };
    for (const key of ['Healthcheck', 'HealthCheck']) {
      const spec = cliSpec(key === 'Healthcheck' ? 'hca' : 'hcb');
      (spec.TaskTemplate.ContainerSpec as Record<string, unknown>)[key] = hc;
      const id = await create(spec);
      const c = (await h.call('GET', `/services/${id}`)).body.Spec.TaskTemplate.ContainerSpec;
      assert.deepEqual(c.Healthcheck, hc, key);
      assert.ok(!('HealthCheck' in c));
    }
    const cases: Array<[Record<string, number>, string]> = [
      [{ Interval: 10 }, 'ContainerSpec: Interval in HealthConfig cannot be less than 1ms'],
      [{ Timeout: -1 }, 'ContainerSpec: Timeout in HealthConfig cannot be less than 1ms'],
      [{ StartPeriod: 5 }, 'ContainerSpec: StartPeriod in HealthConfig cannot be less than 1ms'],
      [{ StartInterval: 5 }, 'ContainerSpec: StartInterval in HealthConfig cannot be less than 1ms'],
      [{ Retries: -1 }, 'ContainerSpec: Retries in HealthConfig cannot be negative'],
    ];
    for (const [bad, message] of cases) {
      const spec = cliSpec('badhc');
      (spec.TaskTemplate.ContainerSpec as Record<string, unknown>).Healthcheck = { Test: ['CMD', 'true'], ...bad };
      const r = await h.call('POST', '/services/create', spec);
      assert.equal(r.status, 400);
      assert.equal(r.body.message, `rpc error: code = InvalidArgument desc = ${message}`);
    }
  });

  it('reads Go-style bodies: case-insensitive keys, nulls, unknown keys (docker-py, dockerode)', async () => {
    const id = await create({
      Name: 'pysvc',
      TaskTemplate: { ContainerSpec: { Image: 'busybox', Command: ['sleep', '100'], Args: null } },
      Mode: { replicated: { Replicas: 2 } },
      Labels: {},
      version: 3,
    });
    const s = (await h.call('GET', `/services/${id}`)).body;
    assert.deepEqual(s.Spec.Mode, { Replicated: { Replicas: 2 } });
    assert.ok(!('Args' in s.Spec.TaskTemplate.ContainerSpec));
    assert.ok(!('version' in s.Spec));
  });

  it('Mode defaults to one replica; EndpointSpec ports get tcp/ingress and show in Endpoint.Ports', async () => {
    const id = await create({
      Name: 'p',
      TaskTemplate: { ContainerSpec: { Image: 'busybox' } },
      Mode: { Replicated: {} },
      EndpointSpec: { Ports: [{ TargetPort: 80, PublishedPort: 8080 }] },
    });
    const s = (await h.call('GET', `/services/${id}`)).body;
    assert.deepEqual(s.Spec.Mode, { Replicated: { Replicas: 1 } });
    assert.deepEqual(s.Endpoint.Ports, [
      { TargetPort: 80, PublishedPort: 8080, Protocol: 'tcp', PublishMode: 'ingress' },
    ]);
    assert.equal(s.Spec.EndpointSpec.Mode, 'vip');
    const ref = sample('GET_services_ID_published_overlay.json');
    if (ref) assert.deepEqual(missingKeys(ref.Endpoint.Spec, s.Endpoint.Spec), []);
  });

  it('insertDefaults=true fills Docker defaults as GET_services_ID.json', async () => {
    const id = await create(cliSpec('web', 5));
    const plain = (await h.call('GET', `/services/${id}?insertDefaults=false`)).body;
    assert.ok(!('UpdateConfig' in plain.Spec));
    const s = (await h.call('GET', `/services/${id}?insertDefaults=true`)).body;
    assert.deepEqual(s.Spec.UpdateConfig, {
      Parallelism: 1,
      FailureAction: 'pause',
      Monitor: 5e9,
      MaxFailureRatio: 0,
      Order: 'stop-first',
    });
    assert.deepEqual(s.Spec.RollbackConfig, s.Spec.UpdateConfig);
    assert.deepEqual(s.Spec.TaskTemplate.RestartPolicy, { Condition: 'any', Delay: 5e9, MaxAttempts: 0 });
    assert.equal(s.Spec.TaskTemplate.ContainerSpec.StopGracePeriod, 10e9);
    const ref = sample('GET_services_ID.json');
    if (ref) assert.deepEqual(missingKeys(ref.Spec, s.Spec), []);
  });

  it('a filled field is kept by insertDefaults', async () => {
    const id = await create(cliSpec('web', 1, { UpdateConfig: { Parallelism: 2, Order: 'start-first' } }));
    const s = (await h.call('GET', `/services/${id}?insertDefaults=1`)).body;
    assert.equal(s.Spec.UpdateConfig.Parallelism, 2);
    assert.equal(s.Spec.UpdateConfig.Order, 'start-first');
    assert.equal(s.Spec.UpdateConfig.FailureAction, 'pause');
  });

  it('list filters: id and name prefixes, label, mode; unknown filter 400', async () => {
    await create(cliSpec('web', 1, { Labels: { 'com.docker.stack.namespace': 'st' } }));
    const g = await create({ ...cliSpec('agent'), Mode: { Global: {} } });
    const names = async (f: Record<string, string[]>) =>
      ((await h.call('GET', `/services?filters=${h.filters(f)}`)).body as any[]).map((s) => s.Spec.Name).sort();
    assert.deepEqual(await names({ name: ['we'] }), ['web']);
    assert.deepEqual(await names({ id: [g.slice(0, 5)] }), ['agent']);
    assert.deepEqual(await names({ label: ['com.docker.stack.namespace=st'] }), ['web']);
    assert.deepEqual(await names({ label: ['com.docker.stack.namespace'] }), ['web']);
    assert.deepEqual(await names({ mode: ['global'] }), ['agent']);
    const legacy = await h.call('GET', `/services?filters=${encodeURIComponent('{"name":["ag"]}')}`);
    assert.equal(legacy.body.length, 1);
    const bad = await h.call('GET', `/services?filters=${h.filters({ colour: ['x'] })}`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.message, "Invalid filter 'colour'");
  });

  it('status=true counts running, desired and completed tasks', async () => {
    const id = await create(cliSpec('web', 3));
    const g = await create({ ...cliSpec('agent'), Mode: { Global: {} } });
    await h.store.update((tx) => {
      const task = (svc: string, state: string, desired = 'running', node = 'n1') =>
        tx.create('task', {
          Spec: {},
          ServiceID: svc,
          NodeID: node,
          Status: { State: state as never },
          DesiredState: desired as never,
        });
      task(id, 'running');
      task(id, 'running');
      task(id, 'starting');
      task(id, 'complete', 'shutdown');
      task(g, 'running');
      task(g, 'running', 'running', 'n2');
      task(g, 'shutdown', 'shutdown');
    });
    const list = (await h.call('GET', '/services?status=true')).body as any[];
    const byName = Object.fromEntries(list.map((s) => [s.Spec.Name, s.ServiceStatus]));
    // swarmkit counts completed tasks for jobs only.
    assert.deepEqual(byName.web, { RunningTasks: 2, DesiredTasks: 3, CompletedTasks: 0 });
    assert.deepEqual(byName.agent, { RunningTasks: 2, DesiredTasks: 2, CompletedTasks: 0 });
    const plain = (await h.call('GET', '/services')).body as any[];
    assert.ok(!('ServiceStatus' in plain[0]));
    const ref = sample('GET_services_status_true.json');
    if (ref) assert.deepEqual(missingKeys(ref, list), []);
  });

  it('update needs ?version= and refuses a stale one with 409 update out of sequence', async () => {
    const id = await create(cliSpec('web', 3));
    const s = (await h.call('GET', `/services/${id}`)).body;
    let r = await h.call('POST', `/services/${id}/update`, s.Spec);
    assert.equal(r.status, 400);
    assert.match(r.body.message, /version is required/);
    r = await h.call('POST', `/services/${id}/update?version=${s.Version.Index + 7}`, s.Spec);
    assert.equal(r.status, 409);
    assert.equal(r.body.message, 'update out of sequence');
    r = await h.call('POST', `/services/${id}/update?version=${s.Version.Index}`, {
      ...s.Spec,
      Mode: { Replicated: { Replicas: 5 } },
    });
    assert.equal(r.status, 200);
    const after = (await h.call('GET', `/services/web`)).body;
    assert.equal(after.Spec.Mode.Replicated.Replicas, 5);
    assert.equal(after.PreviousSpec.Mode.Replicated.Replicas, 3);
    assert.ok(after.Version.Index > s.Version.Index);
    r = await h.call('POST', `/services/${id}/update?version=${s.Version.Index}`, s.Spec);
    assert.equal(r.status, 409);
  });

  it('update clears UpdateStatus, keeps ForceUpdate, refuses a rename and a mode change', async () => {
    const id = await create(cliSpec('web', 3));
    await h.store.update((tx) => {
      const cur = structuredClone(tx.get('service', id)!);
      cur.UpdateStatus = { State: 'paused', Message: 'update paused' };
      tx.update('service', cur);
    });
    const s = (await h.call('GET', `/services/${id}`)).body;
    const spec = structuredClone(s.Spec);
    spec.TaskTemplate.ForceUpdate = 1;
    let r = await h.call('POST', `/services/${id}/update?version=${s.Version.Index}`, spec);
    assert.equal(r.status, 200);
    const after = (await h.call('GET', `/services/${id}`)).body;
    assert.equal(after.UpdateStatus, undefined);
    assert.equal(after.Spec.TaskTemplate.ForceUpdate, 1);
    r = await h.call('POST', `/services/${id}/update?version=${after.Version.Index}`, { ...spec, Name: 'other' });
    assert.match(r.body.message, /renaming services is not supported/);
    r = await h.call('POST', `/services/${id}/update?version=${after.Version.Index}`, {
      ...spec,
      Mode: { Global: {} },
    });
    assert.match(r.body.message, /service mode change is not allowed/);
  });

  it('rollback=previous swaps Spec and PreviousSpec and starts a rollback', async () => {
    const id = await create(cliSpec('web', 3));
    let s = (await h.call('GET', `/services/${id}`)).body;
    let r = await h.call('POST', `/services/${id}/update?version=${s.Version.Index}&rollback=previous`, s.Spec);
    assert.equal(r.status, 400);
    assert.match(r.body.message, /does not have a previous spec/);
    const next = structuredClone(s.Spec);
    next.TaskTemplate.ContainerSpec.Image = 'busybox:1.36';
    await h.call('POST', `/services/${id}/update?version=${s.Version.Index}`, next);
    s = (await h.call('GET', `/services/${id}`)).body;
    r = await h.call('POST', `/services/${id}/update?version=${s.Version.Index}&rollback=previous`, s.Spec);
    assert.equal(r.status, 200);
    const after = (await h.call('GET', `/services/${id}`)).body;
    assert.equal(after.Spec.TaskTemplate.ContainerSpec.Image, 'busybox:latest');
    assert.equal(after.PreviousSpec.TaskTemplate.ContainerSpec.Image, 'busybox:1.36');
    assert.equal(after.UpdateStatus.State, 'rollback_started');
    assert.equal(after.UpdateStatus.Message, 'manually requested rollback');
    assert.equal(after.UpdateStatus.StartedAt, '2026-01-01T00:00:00.000Z');
    const ref = sample('GET_services_ID_after_update_rollback.json');
    if (ref)
      assert.deepEqual(
        missingKeys({ PreviousSpec: {}, UpdateStatus: { State: 1, StartedAt: 1, Message: 1 } }, after),
        [],
      );
  });

  it('X-Registry-Auth is kept for the tasks, never shown, and carried by registryAuthFrom', async () => {
    const auth = b64(JSON.stringify({ username: 'alice', password: 's3cret' }));
    const id = await create(cliSpec('rb', 1), { 'X-Registry-Auth': auth });
    const stored = h.store.view((tx) => tx.get('service', id)!);
    assert.equal((stored.Spec.TaskTemplate.ContainerSpec as any).PullOptions.RegistryAuth, auth);
    const s = (await h.call('GET', `/services/${id}`)).body;
    assert.ok(!JSON.stringify(s).includes(auth));
    await h.call('POST', `/services/${id}/update?version=${s.Version.Index}&registryAuthFrom=spec`, s.Spec);
    const kept = h.store.view((tx) => tx.get('service', id)!);
    assert.equal((kept.Spec.TaskTemplate.ContainerSpec as any).PullOptions.RegistryAuth, auth);
    const r = await h.call(
      'POST',
      `/services/${id}/update?version=${kept.Version.Index}&registryAuthFrom=elsewhere`,
      s.Spec,
    );
    assert.equal(r.status, 400);
    assert.match(r.body.message, /unsupported registryAuthFrom value/);
  });

  it("GET /tasks leaves out a task's registry auth and internal fields without changing the stored task", async () => {
    const auth = b64(JSON.stringify({ username: 'alice', password: 's3cret' }));
    const id = await create(cliSpec('rt', 1), { 'X-Registry-Auth': auth });
    const svc = h.store.view((tx) => tx.get('service', id)!);
    const t = newTask(svc, { slot: 1 }, Date.parse('2026-01-01T00:00:00Z'));
    await h.store.update((tx) => tx.create('task', t));
    for (const path of ['/tasks', `/tasks/${t.ID}`]) {
      const body = JSON.stringify((await h.call('GET', path)).body);
      assert.ok(body.includes(t.ID));
      assert.ok(!body.includes(auth) && !body.includes('PullOptions'));
      assert.ok(!body.includes('ServiceAnnotations') && !body.includes('SpecVersion'));
    }
    const stored = h.store.view((tx) => tx.get('task', t.ID)!);
    assert.equal((stored.Spec.ContainerSpec as any).PullOptions.RegistryAuth, auth);
    assert.ok(stored.ServiceAnnotations && stored.SpecVersion);
  });

  it('resolves secret and config references; a missing one is 400 secret not found', async () => {
    const sec = (await h.call('POST', '/secrets/create', { Name: 'db', Data: b64('pw') })).body.ID;
    const cfg = (await h.call('POST', '/configs/create', { Name: 'conf', Data: b64('x') })).body.ID;
    const spec = cliSpec('app');
    spec.TaskTemplate.ContainerSpec.Secrets = [
      { SecretName: 'db', File: { Name: 'db', UID: '0', GID: '0', Mode: 292 } },
    ];
    spec.TaskTemplate.ContainerSpec.Configs = [{ ConfigID: cfg, ConfigName: 'conf', File: { Name: '/c' } }];
    const id = await create(spec);
    const s = (await h.call('GET', `/services/${id}`)).body;
    assert.equal(s.Spec.TaskTemplate.ContainerSpec.Secrets[0].SecretID, sec);
    assert.equal(s.Spec.TaskTemplate.ContainerSpec.Configs[0].ConfigID, cfg);
    const bad = cliSpec('app2');
    bad.TaskTemplate.ContainerSpec.Secrets = [{ SecretName: 'nope', SecretID: 'nope' }];
    const r = await h.call('POST', '/services/create', bad);
    assert.equal(r.status, 400);
    assert.equal(r.body.message, 'rpc error: code = InvalidArgument desc = secret not found: nope');
    const upd = structuredClone(s.Spec);
    upd.TaskTemplate.ContainerSpec.Configs = [{ ConfigName: 'gone', ConfigID: 'gone' }];
    const r2 = await h.call('POST', `/services/${id}/update?version=${s.Version.Index}`, upd);
    assert.match(r2.body.message, /config not found: gone/);
  });

  it('lookup by name, ID prefix; 404 and 400 ambiguous; delete', async () => {
    const id = await create(cliSpec('web'));
    assert.equal((await h.call('GET', `/services/web`)).body.ID, id);
    assert.equal((await h.call('GET', `/services/${id.slice(0, 4)}`)).body.ID, id);
    const nf = await h.call('GET', '/services/nope');
    assert.equal(nf.status, 404);
    assert.equal(nf.body.message, 'service nope not found');
    assert.equal((await h.call('DELETE', '/services/web')).status, 200);
    assert.equal((await h.call('GET', `/services/${id}`)).status, 404);
    assert.equal((await h.call('DELETE', '/services/web')).status, 404);
  });

  it('logs routes check the query and the target before streaming (400 without a stream, 404 unknown)', async () => {
    const id = await create(cliSpec('web'));
    const r = await h.call('GET', `/services/${id}/logs`);
    assert.equal(r.status, 400);
    assert.equal(r.body.message, 'Bad parameters: you must choose at least one stream');
    assert.equal((await h.call('GET', `/services/${id}/logs?stdout=1&tail=x`)).status, 400);
    assert.equal((await h.call('GET', '/services/nope/logs?stdout=1')).status, 404);
    assert.equal((await h.call('GET', '/tasks/x/logs?stdout=1')).status, 404);
  });
});
