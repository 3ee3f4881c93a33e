import assert from 'node:assert/strict';
import { requireLab } from '../support/lab';
import { eventually } from '../integration/swarm/swarm-daemons';
import { HOSTNAME_HTTPD, IMAGE, perHost, startServiceSwarm, type ServiceSwarm } from './service-swarm';

/**
 * The routing mesh across lab hosts: h1 manages, h2 and h3 work. A 2-replica busybox httpd
 * service publishing 8080:80 in ingress mode runs on h2 and h3; h1's address, where no task
 * runs, answers on 8080 from both backends, as do the others'; removing the service takes
 * the port away.
 */
describe('cluster: the ingress routing mesh (-p 8080:80 on every host)', function () {
  this.timeout(120_000);
  let sw: ServiceSwarm | undefined;
  const M = 'h1';

  before(async function () {
    this.timeout(240_000);
    requireLab(this);
    sw = await startServiceSwarm({ hosts: 3, managers: ['h1'], workers: ['h2', 'h3'] });
  });

  after(async function () {
    this.timeout(120_000);
    await sw?.stop();
  });

  /** wget of http://<host h's address>:8080/ from host `from`'s namespace. */
  async function get(from: string, h: string): Promise<string> {
    const r = await sw!.lab.exec(from, ['/bin/sh', '-c', `wget -q -T 3 -O - http://${sw!.lab.host(h).address}:8080/`], {
      timeoutMs: 5_000,
    });
    if (r.code !== 0) throw new Error(`wget from ${from} to ${h}:8080: exit ${r.code}: ${r.stderr}`);
    return r.stdout.trim();
  }

  it('reaches both backends through the address of a host that runs no task', async () => {
    await sw!.createService(M, {
      Name: 'web',
      TaskTemplate: {
        ContainerSpec: {
          Image: IMAGE,
          Args: HOSTNAME_HTTPD,
          StopGracePeriod: 1_000_000_000,
        },
        Placement: { Constraints: ['node.hostname!=h1'] },
      },
      Mode: { Replicated: { Replicas: 2 } },
      EndpointSpec: { Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080 }] },
    });
    const web = await sw!.untilRunning(M, 'web', 2);
    assert.deepEqual(perHost(sw!, web), { h2: 1, h3: 1 });
    const seen = new Set<string>();
    await eventually(
      async () => {
        seen.add(await get('h2', 'h1'));
        return seen.size === 2;
      },
      60_000,
      "h1's 8080 reaches both backends",
    );
    for (const h of ['h2', 'h3']) await eventually(async () => !!(await get('h1', h)), 20_000, `${h}:8080 answers`);

    await sw!.removeService(M, 'web');
    await eventually(
      async () => {
        try {
          await get('h2', 'h1');
          return false;
        } catch {
          return true;
        }
      },
      30_000,
      "h1's 8080 is gone with the service",
    );
  });
});
