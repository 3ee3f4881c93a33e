import assert from 'node:assert/strict';
import {
  TaskRejectedError,
  configTarget,
  secretTarget,
  stopGraceSeconds,
  taskContainerConfig,
  taskContainerName,
  taskLabels,
  type AssignedTask,
} from '../../../worker/agent/tasks';

function task(o: Partial<AssignedTask> = {}): AssignedTask {
  return {
    ID: 'mhfvidrsbaiqpa95x6zxwe10i',
    Version: { Index: 1 },
    CreatedAt: '',
    UpdatedAt: '',
    ServiceID: 'x74ot26ttqvp5h49wb1i1xd2g',
    ServiceAnnotations: { Name: 'web' },
    Slot: 5,
    NodeID: 'wzxgg6enztzhms3n7x1wi6o2i',
    Spec: { ContainerSpec: { Image: 'busybox:latest', Args: ['sleep', '3600'] } },
    Status: { State: 'assigned' },
    DesiredState: 'running',
    ...o,
  };
}

describe('task container naming, labels and spec conversion', () => {
  it('names a replicated task <service>.<slot>.<task id>, a global one <service>.<node id>.<task id>', () => {
    assert.equal(taskContainerName(task()), 'web.5.mhfvidrsbaiqpa95x6zxwe10i');
    assert.equal(
      taskContainerName(task({ Slot: undefined })),
      'web.wzxgg6enztzhms3n7x1wi6o2i.mhfvidrsbaiqpa95x6zxwe10i',
    );
    assert.equal(
      taskContainerName(task({ ServiceAnnotations: undefined })),
      'x74ot26ttqvp5h49wb1i1xd2g.5.mhfvidrsbaiqpa95x6zxwe10i',
    );
  });

  it('labels the container as Docker does (GET_containers_json_service_web.json)', () => {
    assert.deepEqual(taskLabels(task(), 'other-node'), {
      'com.docker.swarm.node.id': 'wzxgg6enztzhms3n7x1wi6o2i',
      'com.docker.swarm.service.id': 'x74ot26ttqvp5h49wb1i1xd2g',
      'com.docker.swarm.service.name': 'web',
      'com.docker.swarm.task': '',
      'com.docker.swarm.task.id': 'mhfvidrsbaiqpa95x6zxwe10i',
      'com.docker.swarm.task.name': 'web.5.mhfvidrsbaiqpa95x6zxwe10i',
    });
  });

  it('keeps the spec labels and the stack namespace; the swarm labels win', () => {
    const l = taskLabels(
      task({
        ServiceAnnotations: { Name: 'app_web', Labels: { 'com.docker.stack.namespace': 'app' } },
        Spec: { ContainerSpec: { Image: 'x', Labels: { tier: 'front', 'com.docker.swarm.task.id': 'forged' } } },
      }),
      'n',
    );
    assert.equal(l.tier, 'front');
    assert.equal(l['com.docker.stack.namespace'], 'app');
    assert.equal(l['com.docker.swarm.task.id'], 'mhfvidrsbaiqpa95x6zxwe10i');
  });

  it('converts the ContainerSpec: Command is the entrypoint, Args the command, restart policy "no"', () => {
    const { body } = taskContainerConfig(
      task({
        Spec: {
          ContainerSpec: {
            Image: 'busybox',
            Command: ['/bin/sh', '-c'],
            Args: ['echo hi'],
            Env: ['A=1'],
            Dir: '/tmp',
            User: '1000:1000',
            Hostname: 'h1',
            TTY: true,
            StopSignal: 'SIGINT',
            StopGracePeriod: 2_500_000_000,
            Hosts: ['10.0.0.1 db db.local'],
            DNSConfig: { Nameservers: ['10.0.0.53'] },
            ReadOnly: true,
            Healthcheck: { Test: ['CMD', 'true'], Interval: 1e9 },
            Mounts: [
              { Type: 'bind', Source: '/srv', Target: '/data', ReadOnly: true },
              { Type: 'volume', Source: 'vol', Target: '/vol' },
              { Type: 'tmpfs', Target: '/scratch' },
            ],
          },
          Resources: { Limits: { NanoCPUs: 500_000_000, MemoryBytes: 64 << 20, Pids: 100 } },
        },
      }),
      { nodeId: 'n', files: [{ source: '/var/lib/t/secrets/0-s', target: '/run/secrets/x' }] },
    );
    assert.deepEqual(body.Entrypoint, ['/bin/sh', '-c']);
    assert.deepEqual(body.Cmd, ['echo hi']);
    assert.deepEqual(body.Env, ['A=1']);
    assert.equal(body.WorkingDir, '/tmp');
    assert.equal(body.User, '1000:1000');
    assert.equal(body.Hostname, 'h1');
    assert.equal(body.Tty, true);
    assert.equal(body.StopSignal, 'SIGINT');
    assert.equal(body.StopTimeout, 3);
    assert.deepEqual(body.Healthcheck, { Test: ['CMD', 'true'], Interval: 1e9 });
    const hc = body.HostConfig as Record<string, unknown>;
    assert.deepEqual(hc.RestartPolicy, { Name: 'no' });
    assert.equal(hc.NanoCpus, 500_000_000);
    assert.equal(hc.Memory, 64 << 20);
    assert.equal(hc.PidsLimit, 100);
    assert.equal(hc.ReadonlyRootfs, true);
    assert.deepEqual(hc.ExtraHosts, ['db:10.0.0.1']);
    assert.deepEqual(hc.Dns, ['10.0.0.53']);
    assert.deepEqual(hc.Mounts, [
      { Type: 'bind', Source: '/srv', Target: '/data', ReadOnly: true },
      { Type: 'volume', Source: 'vol', Target: '/vol' },
      { Type: 'tmpfs', Target: '/scratch' },
      { Type: 'bind', Source: '/var/lib/t/secrets/0-s', Target: '/run/secrets/x', ReadOnly: true },
    ]);
  });

  it('Args alone keep the image entrypoint', () => {
    const { body } = taskContainerConfig(task(), { nodeId: 'n' });
    assert.equal(body.Entrypoint, undefined);
    assert.deepEqual(body.Cmd, ['sleep', '3600']);
    assert.equal(body.StopTimeout, 10);
  });

  it('turns Privileges (seccomp, no-new-privileges) into the engine SecurityOpt', () => {
    const hc = (privileges: NonNullable<AssignedTask['Spec']['ContainerSpec']>['Privileges']) =>
      taskContainerConfig(task({ Spec: { ContainerSpec: { Image: 'x', Privileges: privileges } } }), { nodeId: 'n' })
        .body.HostConfig as Record<string, unknown>;
    assert.equal(hc(undefined).SecurityOpt, undefined);
    assert.equal(hc({ Seccomp: { Mode: 'default' } }).SecurityOpt, undefined);
    const profile = '{"defaultAction":"SCMP_ACT_ALLOW"}';
    assert.deepEqual(
      hc({ Seccomp: { Mode: 'custom', Profile: Buffer.from(profile).toString('base64') }, NoNewPrivileges: true })
        .SecurityOpt,
      [`seccomp=${profile}`, 'no-new-privileges=true'],
    );
    assert.deepEqual(hc({ Seccomp: { Mode: 'unconfined' } }).SecurityOpt, ['seccomp=unconfined']);
  });

  it('publishes host-mode ports like -p and leaves ingress ones to the mesh', () => {
    const { body } = taskContainerConfig(
      task({
        Endpoint: {
          Spec: {
            Ports: [
              { Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'host' },
              { Protocol: 'udp', TargetPort: 53, PublishMode: 'host' },
              { Protocol: 'tcp', TargetPort: 443, PublishedPort: 443, PublishMode: 'ingress' },
            ],
          },
        },
      }),
      { nodeId: 'n' },
    );
    assert.deepEqual((body.HostConfig as Record<string, unknown>).PortBindings, {
      '80/tcp': [{ HostIp: '', HostPort: '8080' }],
      '53/udp': [{ HostIp: '', HostPort: '' }],
    });
    assert.deepEqual(body.ExposedPorts, { '80/tcp': {}, '53/udp': {} });
  });

  it('rejects a task without an image or with a mount type it cannot make', () => {
    assert.throws(() => taskContainerConfig(task({ Spec: {} }), { nodeId: 'n' }), TaskRejectedError);
    assert.throws(() => taskContainerConfig(task({ Spec: { ContainerSpec: {} } }), { nodeId: 'n' }), TaskRejectedError);
    assert.throws(
      () =>
        taskContainerConfig(
          task({ Spec: { ContainerSpec: { Image: 'x', Mounts: [{ Type: 'npipe', Target: '/p' }] } } }),
          {
            nodeId: 'n',
          },
        ),
      /type "npipe" is not supported/,
    );
  });

  it('stop grace: the spec nanoseconds in seconds, 10 s by default', () => {
    assert.equal(stopGraceSeconds(task()), 10);
    assert.equal(
      stopGraceSeconds(task({ Spec: { ContainerSpec: { Image: 'x', StopGracePeriod: 500_000_000 } } })),
      0.5,
    );
  });

  it('puts secrets under /run/secrets and configs under /, unless File.Name is absolute', () => {
    assert.equal(secretTarget({ SecretName: 'db', File: { Name: 'db' } }), '/run/secrets/db');
    assert.equal(secretTarget({ SecretName: 'db', File: { Name: '/etc/db.key' } }), '/etc/db.key');
    assert.equal(secretTarget({ SecretName: 'db' }), '/run/secrets/db');
    assert.equal(configTarget({ ConfigName: 'nginx', File: { Name: 'nginx.conf' } }), '/nginx.conf');
    assert.equal(
      configTarget({ ConfigName: 'nginx', File: { Name: '/etc/nginx/nginx.conf' } }),
      '/etc/nginx/nginx.conf',
    );
  });
});
