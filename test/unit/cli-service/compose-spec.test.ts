import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { composeToStack, interpolate, shellSplit } from '../../../cli/compose-spec';

const COMPOSE = `
version: "3.8"
services:
  web:
    image: 127.0.0.1:5000/busybox:latest
    command: httpd -f -p 80
    environment:
      A: "1"
      B:
    labels: [c=d]
    ports: ["8081:80", {target: 53, published: 53, protocol: udp, mode: host}]
    networks: [front]
    secrets: [dbpass]
    configs: [{source: webconf, target: /etc/web.conf}]
    healthcheck: {test: ["CMD", "true"], interval: 10s, retries: 2}
    deploy:
      replicas: 2
      labels: {tier: web}
      placement: {constraints: [node.role==worker], preferences: [{spread: node.labels.zone}], max_replicas_per_node: 1}
      resources: {limits: {cpus: "0.5", memory: 50M}}
      restart_policy: {condition: on-failure, delay: 5s, max_attempts: 3}
      update_config: {parallelism: 1, delay: 2s, order: start-first}
  agent:
    image: agent:\${TAG:-1.0}
    entrypoint: ["/agent", "--x"]
    deploy: {mode: global}
networks:
  front: {}
secrets:
  dbpass: {file: ./dbpass.txt}
configs:
  webconf: {file: ./web.conf}
`;

describe('cli: compose file to stack specs', () => {
  const plan = composeToStack(interpolate(parse(COMPOSE), {}) as never, 'st');
  const web = plan.services.find((s) => s.Name === 'st_web')!;
  const agent = plan.services.find((s) => s.Name === 'st_agent')!;

  it('names and labels everything with the stack namespace', () => {
    assert.deepEqual(web.Labels, {
      tier: 'web',
      'com.docker.stack.image': '127.0.0.1:5000/busybox:latest',
      'com.docker.stack.namespace': 'st',
    });
    assert.deepEqual(web.TaskTemplate.ContainerSpec?.Labels, { c: 'd', 'com.docker.stack.namespace': 'st' });
    assert.deepEqual(
      plan.networks.map((n) => n.name),
      ['st_default', 'st_front'],
    );
    assert.deepEqual(plan.networks[1]!.labels, { 'com.docker.stack.namespace': 'st' });
    assert.deepEqual(plan.secrets, [
      {
        key: 'dbpass',
        name: 'st_dbpass',
        external: false,
        file: './dbpass.txt',
        labels: { 'com.docker.stack.namespace': 'st' },
      },
    ]);
    assert.equal(plan.configs[0]!.name, 'st_webconf');
  });

  it('container, ports, networks, secrets, configs, healthcheck', () => {
    const c = web.TaskTemplate.ContainerSpec!;
    assert.deepEqual(c.Args, ['httpd', '-f', '-p', '80']);
    assert.deepEqual(c.Env, ['A=1', 'B']);
    assert.deepEqual(web.EndpointSpec?.Ports, [
      { Protocol: 'tcp', TargetPort: 80, PublishedPort: 8081, PublishMode: 'ingress' },
      { Protocol: 'udp', TargetPort: 53, PublishedPort: 53, PublishMode: 'host' },
    ]);
    assert.deepEqual(web.TaskTemplate.Networks, [{ Target: 'st_front', Aliases: ['web'] }]);
    assert.deepEqual(c.Secrets, [
      { File: { Name: 'dbpass', UID: '0', GID: '0', Mode: 292 }, SecretID: '', SecretName: 'st_dbpass' },
    ]);
    assert.deepEqual(c.Configs?.[0]?.File?.Name, '/etc/web.conf');
    assert.equal(c.Configs?.[0]?.ConfigName, 'st_webconf');
    assert.deepEqual(c.Healthcheck, { Test: ['CMD', 'true'], Interval: 10e9, Retries: 2 });
  });

  it('deploy: mode, replicas, placement, resources, restart and update config', () => {
    assert.deepEqual(web.Mode, { Replicated: { Replicas: 2 } });
    assert.deepEqual(web.TaskTemplate.Placement, {
      Constraints: ['node.role==worker'],
      Preferences: [{ Spread: { SpreadDescriptor: 'node.labels.zone' } }],
      MaxReplicas: 1,
    });
    assert.deepEqual(web.TaskTemplate.Resources, {
      Limits: { NanoCPUs: 5e8, MemoryBytes: 50 * 1024 * 1024 },
      Reservations: {},
    });
    assert.deepEqual(web.TaskTemplate.RestartPolicy, { Condition: 'on-failure', Delay: 5e9, MaxAttempts: 3 });
    assert.deepEqual(web.UpdateConfig, { Parallelism: 1, Delay: 2e9, Order: 'start-first' });
    assert.deepEqual(agent.Mode, { Global: {} });
    assert.equal(agent.TaskTemplate.ContainerSpec?.Image, 'agent:1.0');
    assert.deepEqual(agent.TaskTemplate.ContainerSpec?.Command, ['/agent', '--x']);
    assert.deepEqual(agent.TaskTemplate.Networks, [{ Target: 'st_default', Aliases: ['agent'] }]);
  });

  it('external networks keep their names; undefined secrets are refused; interpolation and splitting', () => {
    const p = composeToStack(
      { services: { a: { image: 'i', networks: ['ext'] } }, networks: { ext: { external: true } } },
      's',
    );
    assert.deepEqual(p.networks, [
      { name: 'ext', external: true, driver: 'overlay', labels: { 'com.docker.stack.namespace': 's' } },
    ]);
    assert.throws(
      () => composeToStack({ services: { a: { image: 'i', secrets: ['nope'] } } }, 's'),
      /undefined secret nope/,
    );
    assert.equal(interpolate('${A}-${B:-x}-$$', { A: 'a' }), 'a-x-$');
    assert.deepEqual(shellSplit(`sh -c "echo 'hi there'"`), ['sh', '-c', "echo 'hi there'"]);
  });
});
