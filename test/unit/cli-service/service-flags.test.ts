import assert from 'node:assert/strict';
import { parseMount, parsePublish, parseSecretRef, parseBytes } from '../../../cli/service-flag-parsers';
import { applyServiceUpdate, buildServiceSpec } from '../../../cli/service-spec-flags';
import { serviceLsRows, servicePsRows } from '../../../cli/service-tables';
import { progressView } from '../../../cli/service-progress';
import { applyHealthFlags } from '../../../cli/health-flags';

describe('cli: service flags to spec', () => {
  it('create builds the body the docker CLI sends', () => {
    const s = buildServiceSpec('busybox', ['httpd', '-f'], {
      name: 'x',
      replicas: '3',
      publish: ['8080:80'],
      network: ['n'],
      env: ['A=1'],
      label: ['tier=web'],
    });
    assert.equal(s.Name, 'x');
    assert.deepEqual(s.Mode, { Replicated: { Replicas: 3 } });
    assert.deepEqual(s.Labels, { tier: 'web' });
    assert.deepEqual(s.TaskTemplate.ContainerSpec?.Args, ['httpd', '-f']);
    assert.deepEqual(s.TaskTemplate.ContainerSpec?.Env, ['A=1']);
    assert.deepEqual(s.TaskTemplate.Networks, [{ Target: 'n' }]);
    assert.deepEqual(s.EndpointSpec, {
      Mode: 'vip',
      Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'ingress' }],
    });
    assert.equal(s.TaskTemplate.Runtime, 'container');
    assert.deepEqual(buildServiceSpec('i', [], {}).Mode, { Replicated: {} });
  });

  it('global mode, restart, update, resources, health and container flags', () => {
    const s = buildServiceSpec('img', [], {
      mode: 'global',
      restartCondition: 'on-failure',
      restartDelay: '2s',
      restartMaxAttempts: '4',
      updateParallelism: '2',
      updateDelay: '10s',
      updateOrder: 'start-first',
      updateFailureAction: 'rollback',
      rollbackMonitor: '3s',
      limitCpu: '0.5',
      limitMemory: '64m',
      reserveMemory: '1g',
      stopGracePeriod: '30s',
      healthCmd: 'curl -f localhost',
      healthRetries: '3',
      user: 'nobody',
      workdir: '/app',
      hostname: 'h',
      entrypoint: '/bin/sh -c',
      constraint: ['node.role==manager'],
      placementPref: ['spread=node.labels.zone'],
    });
    assert.deepEqual(s.Mode, { Global: {} });
    assert.deepEqual(s.TaskTemplate.RestartPolicy, { Condition: 'on-failure', Delay: 2e9, MaxAttempts: 4 });
    assert.deepEqual(s.UpdateConfig, { Parallelism: 2, Delay: 10e9, Order: 'start-first', FailureAction: 'rollback' });
    assert.deepEqual(s.RollbackConfig, { Monitor: 3e9 });
    assert.deepEqual(s.TaskTemplate.Resources, {
      Limits: { NanoCPUs: 5e8, MemoryBytes: 64 * 1024 * 1024 },
      Reservations: { MemoryBytes: 1024 ** 3 },
    });
    const c = s.TaskTemplate.ContainerSpec!;
    assert.equal(c.StopGracePeriod, 30e9);
    assert.deepEqual(c.Healthcheck, { Test: ['CMD-SHELL', 'curl -f localhost'], Retries: 3 });
    assert.deepEqual([c.User, c.Dir, c.Hostname], ['nobody', '/app', 'h']);
    assert.deepEqual(c.Command, ['/bin/sh', '-c']);
    assert.deepEqual(s.TaskTemplate.Placement, {
      Constraints: ['node.role==manager'],
      Preferences: [{ Spread: { SpreadDescriptor: 'node.labels.zone' } }],
    });
    assert.throws(
      () => buildServiceSpec('i', [], { mode: 'global', replicas: '2' }),
      /replicas can only be used with replicated or replicated-job mode/,
    );
    assert.deepEqual(buildServiceSpec('i', [], { noHealthcheck: true }).TaskTemplate.ContainerSpec?.Healthcheck, {
      Test: ['NONE'],
    });
  });

  it('health flags: as the docker CLI maps them into ContainerSpec.Healthcheck', () => {
    const c = buildServiceSpec('i', [], {
      healthCmd: 'test -f /tmp/ok',
      healthInterval: '200ms',
      healthTimeout: '1s',
      healthRetries: '2',
      healthStartPeriod: '5s',
      healthStartInterval: '100ms',
    }).TaskTemplate.ContainerSpec!;
    assert.deepEqual(c.Healthcheck, {
      Test: ['CMD-SHELL', 'test -f /tmp/ok'],
      Interval: 200e6,
      Timeout: 1e9,
      StartPeriod: 5e9,
      StartInterval: 100e6,
      Retries: 2,
    });
    assert.equal(buildServiceSpec('i', [], {}).TaskTemplate.ContainerSpec?.Healthcheck, undefined);
    for (const f of [{ healthCmd: 'x' }, { healthStartPeriod: '1s' }, { healthStartInterval: '1s' }])
      assert.throws(
        () => buildServiceSpec('i', [], { noHealthcheck: true, ...f }),
        /--no-healthcheck conflicts with --health-\* options/,
      );
    assert.throws(() => buildServiceSpec('i', [], { healthInterval: '-1s' }), /duration cannot be negative/);
    assert.throws(() => buildServiceSpec('i', [], { healthRetries: '-1' }), /cannot be negative/);
  });

  it('health flags on update: change fields in place, replace NONE, --health-cmd "" drops the test', () => {
    const cur = buildServiceSpec('i', [], { healthCmd: 'a', healthRetries: '3', healthInterval: '1s' });
    const up = applyServiceUpdate(cur, { healthInterval: '2s' }).TaskTemplate.ContainerSpec!.Healthcheck;
    assert.deepEqual(up, { Test: ['CMD-SHELL', 'a'], Interval: 2e9, Retries: 3 });
    const none = applyServiceUpdate(cur, { noHealthcheck: true }).TaskTemplate.ContainerSpec!.Healthcheck;
    assert.deepEqual(none, { Test: ['NONE'] });
    assert.deepEqual(applyHealthFlags({ Test: ['NONE'] }, { healthRetries: '4' }), { Retries: 4 });
    assert.deepEqual(applyHealthFlags({ Test: ['CMD', 'x'], Retries: 2 }, { healthCmd: '' }), { Retries: 2 });
    assert.deepEqual(applyHealthFlags({ Retries: 2 }, { healthRetries: '0' }), {});
    const kept = { Test: ['CMD', 'x'] };
    assert.equal(applyHealthFlags(kept, {}), kept, 'no health flag: untouched');
  });

  it('publish, mount and secret syntaxes', () => {
    assert.deepEqual(parsePublish('published=8080,target=80,mode=host,protocol=udp'), {
      Protocol: 'udp',
      PublishMode: 'host',
      PublishedPort: 8080,
      TargetPort: 80,
    });
    assert.deepEqual(parsePublish('53:53/udp'), {
      Protocol: 'udp',
      TargetPort: 53,
      PublishedPort: 53,
      PublishMode: 'ingress',
    });
    assert.deepEqual(parsePublish('80'), { Protocol: 'tcp', TargetPort: 80, PublishMode: 'ingress' });
    assert.deepEqual(parseMount('type=bind,src=/a,dst=/b,readonly'), {
      Type: 'bind',
      Source: '/a',
      Target: '/b',
      ReadOnly: true,
    });
    assert.throws(() => parseMount('type=volume,source=v'), /target is required/);
    assert.deepEqual(parseSecretRef('source=db,target=pw,mode=0400'), {
      File: { Name: 'pw', UID: '0', GID: '0', Mode: 0o400 },
      SecretID: '',
      SecretName: 'db',
    });
    assert.equal(parseBytes('512m'), 512 * 1024 * 1024);
  });

  it('update: -add/-rm lists, image, replicas, force', () => {
    const cur = buildServiceSpec('busybox:1', [], {
      name: 'x',
      replicas: '2',
      env: ['A=1', 'B=2'],
      label: ['a=1'],
      constraint: ['node.role==worker'],
      publish: ['8080:80'],
      secret: ['s1'],
      mount: ['type=volume,source=v,target=/data'],
    });
    const s = applyServiceUpdate(cur, {
      image: 'busybox:2',
      replicas: '5',
      envAdd: ['A=9', 'C=3'],
      envRm: ['B'],
      labelAdd: ['b=2'],
      labelRm: ['a'],
      constraintRm: ['node.role==worker'],
      constraintAdd: ['node.labels.zone==a'],
      publishRm: ['80'],
      publishAdd: ['9090:90'],
      secretRm: ['s1'],
      secretAdd: ['s2'],
      mountRm: ['/data'],
      force: true,
    });
    const c = s.TaskTemplate.ContainerSpec!;
    assert.equal(c.Image, 'busybox:2');
    assert.deepEqual(s.Mode, { Replicated: { Replicas: 5 } });
    assert.deepEqual(c.Env, ['A=9', 'C=3']);
    assert.deepEqual(s.Labels, { b: '2' });
    assert.deepEqual(s.TaskTemplate.Placement?.Constraints, ['node.labels.zone==a']);
    assert.deepEqual(
      s.EndpointSpec?.Ports?.map((p) => p.TargetPort),
      [90],
    );
    assert.deepEqual(
      c.Secrets?.map((r) => r.SecretName),
      ['s2'],
    );
    assert.deepEqual(c.Mounts, []);
    assert.equal(s.TaskTemplate.ForceUpdate, 1);
    assert.equal(cur.TaskTemplate.ContainerSpec!.Image, 'busybox:1');
  });

  it('ls and ps rows, progress lines', () => {
    const svc: any = {
      ID: 'abcdefghijklmnop',
      Version: { Index: 1 },
      Spec: {
        Name: 'web',
        Mode: { Replicated: { Replicas: 2 } },
        TaskTemplate: { ContainerSpec: { Image: 'busybox:1@sha256:aa' } },
      },
      Endpoint: { Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'ingress' }] },
      ServiceStatus: { RunningTasks: 1, DesiredTasks: 2 },
    };
    assert.deepEqual(serviceLsRows([svc]), [
      ['abcdefghijkl', 'web', 'replicated', '1/2', 'busybox:1', '*:8080->80/tcp'],
    ]);
    const t = (id: string, slot: number, state: string, desired: string, ts: string): any => ({
      ID: id,
      ServiceID: svc.ID,
      Slot: slot,
      NodeID: 'n1',
      Version: { Index: 1 },
      Spec: { ContainerSpec: { Image: 'busybox:1' } },
      Status: { State: state, Timestamp: ts },
      DesiredState: desired,
    });
    const tasks = [
      t('old1', 1, 'shutdown', 'shutdown', '2026-01-01T00:00:00Z'),
      t('new1', 1, 'running', 'running', '2026-01-01T00:01:00Z'),
    ];
    const rows = servicePsRows(
      tasks,
      new Map([[svc.ID, svc]]),
      new Map([['n1', { Description: { Hostname: 'host-a' } } as any]]),
      {
        now: Date.parse('2026-01-01T00:01:05Z'),
      },
    );
    assert.deepEqual(rows[0], ['new1', 'web.1', 'busybox:1', 'host-a', 'Running', 'Running 5 seconds ago', '', '']);
    assert.equal(rows[1]![1], ' \\_ web.1');
    const v = progressView(svc, tasks, []);
    assert.equal(v.lines[0], 'overall progress: 1 out of 2 tasks');
    assert.match(v.lines[1]!, /^1\/2: running\s+\[=+>\]$/);
    assert.equal(v.lines[2], '2/2:');
  });
});
