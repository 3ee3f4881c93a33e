import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { buildBusyboxImage, dockerArchiveOf } from '../support/busybox-image';
import { requireLab, startLab, type Lab, type LabHost } from '../support/lab';
import { runCommand } from '../../worker/network/run-command';

const BUSYBOX = '/bin/busybox';

interface Inspect {
  Id: string;
  State: { Running: boolean; Pid: number; Status: string };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** PIDs whose command line mentions the text (processes of the lab are all started with its dir in their argv). */
function pidsMentioning(text: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(text)) out.push(Number(p));
    } catch {
      /* gone */
    }
  }
  return out;
}

describe('cluster: the lab (3 hosts as network namespaces, each with its own tsswarmd)', function () {
  this.timeout(120_000);
  let lab: Lab | undefined;
  let h1: LabHost, h2: LabHost, h3: LabHost;
  let archive: Buffer;

  before(async function () {
    requireLab(this);
    archive = await dockerArchiveOf(await buildBusyboxImage(), ['busybox:latest']);
    lab = await startLab(3);
    [h1, h2, h3] = lab.hosts;
  });

  after(async function () {
    await lab?.stop();
  });

  it('brings up h1..h3 with their own daemons, each answering /_ping and /info on its socket; up again is a no-op', async () => {
    assert.deepEqual(
      lab!.hosts.map((h) => [h.name, h.address]),
      [
        ['h1', '10.99.0.11'],
        ['h2', '10.99.0.12'],
        ['h3', '10.99.0.13'],
      ],
    );
    assert.equal(new Set(lab!.hosts.map((h) => h.pid)).size, 3);
    for (const h of lab!.hosts) {
      assert.ok(alive(h.pid), `${h.name}: tsswarmd ${h.pid} is not running`);
      const ping = await lab!.api(h, 'GET', '/_ping');
      assert.equal(ping.status, 200);
      assert.equal(ping.body, 'OK');
      const info = (await lab!.api(h, 'GET', '/info')).json<{ Name: string; DockerRootDir: string }>();
      assert.equal(info.Name, h.name);
      assert.equal(info.DockerRootDir, h.dataRoot);
    }
    // up.sh again with the same N is a no-op: the same daemons.
    const again = await startLab(3, { dir: lab!.dir, keep: true });
    assert.deepEqual(
      again.hosts.map((h) => h.pid),
      lab!.hosts.map((h) => h.pid),
    );
  });

  it('lets every host reach the others over the underlay', async () => {
    const pings = lab!.hosts.flatMap((from) =>
      lab!.hosts
        .filter((to) => to !== from)
        .map(async (to) => {
          const r = await lab!.exec(from, [BUSYBOX, 'ping', '-c', '1', '-W', '2', to.address]);
          assert.equal(r.code, 0, `${from.name} -> ${to.name} (${to.address}): ${r.stdout}${r.stderr}`);
        }),
    );
    await Promise.all(pings);
    // The underlay address is the host's, not the machine's.
    const addr = await lab!.exec(h1, ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']);
    assert.match(addr.stdout, /inet 10\.99\.0\.11\/24/);
  });

  it('runs a container on h1 (image loaded from a docker-archive) that reaches h3', async () => {
    const load = await lab!.api(h1, 'POST', '/images/load?quiet=1', archive);
    assert.equal(load.status, 200, load.body);
    const created = await lab!.api(h1, 'POST', '/containers/create', {
      Image: 'busybox:latest',
      Cmd: [BUSYBOX, 'ping', '-c', '1', '-W', '2', h3.address],
    });
    assert.equal(created.status, 201, created.body);
    const id = created.json<{ Id: string }>().Id;
    try {
      assert.equal((await lab!.api(h1, 'POST', `/containers/${id}/start`)).status, 204);
      const wait = await lab!.api(h1, 'POST', `/containers/${id}/wait`);
      assert.equal(wait.json<{ StatusCode: number }>().StatusCode, 0, 'ping from the container to h3 failed');
    } finally {
      await lab!.api(h1, 'DELETE', `/containers/${id}?force=1`);
    }
  });

  it("keeps h2's containers across a kill -9 of its daemon and a start (live restore)", async () => {
    assert.equal((await lab!.api(h2, 'POST', '/images/load?quiet=1', archive)).status, 200);
    const created = await lab!.api(h2, 'POST', '/containers/create', {
      Image: 'busybox:latest',
      Cmd: [BUSYBOX, 'sleep', '300'],
    });
    assert.equal(created.status, 201, created.body);
    const id = created.json<{ Id: string }>().Id;
    assert.equal((await lab!.api(h2, 'POST', `/containers/${id}/start`)).status, 204);
    const before = (await lab!.api(h2, 'GET', `/containers/${id}/json`)).json<Inspect>();
    assert.ok(before.State.Running && before.State.Pid > 0);

    const oldPid = h2.pid;
    await lab!.kill(h2);
    assert.ok(!alive(oldPid), 'the daemon survived kill.sh');
    assert.equal(h2.pid, 0);
    await assert.rejects(lab!.api(h2, 'GET', '/_ping'));
    assert.ok(alive(before.State.Pid), 'the container died with its daemon');

    await lab!.start(h2);
    assert.ok(h2.pid > 0 && h2.pid !== oldPid && alive(h2.pid));
    const after = (await lab!.api(h2, 'GET', `/containers/${id}/json`)).json<Inspect>();
    assert.equal(after.State.Running, true);
    assert.equal(after.State.Pid, before.State.Pid);
    // Its network came back with it: h2 reaches the container on its bridge.
    const ip = (await lab!.api(h2, 'GET', `/containers/${id}/json`)).json<{
      NetworkSettings: { IPAddress: string };
    }>().NetworkSettings.IPAddress;
    const r = await lab!.exec(h2, [BUSYBOX, 'ping', '-c', '1', '-W', '2', ip]);
    assert.equal(r.code, 0, `h2 -> its container ${ip}: ${r.stdout}${r.stderr}`);
    // The other hosts were not touched.
    assert.equal((await lab!.api(h1, 'GET', '/_ping')).body, 'OK');
  });

  it('down leaves no namespace, veth, bridge, mount, rule or process behind', async () => {
    const { dir } = lab!;
    const states = lab!.hosts.map(
      (h) => `/run/tsswarm/containerd-${createHash('sha256').update(h.dataRoot).digest('hex').slice(0, 12)}`,
    );
    await lab!.stop();
    await lab!.stop(); // twice is fine
    const netns = (await runCommand('ip', ['netns', 'list'])).stdout;
    assert.doesNotMatch(netns, /^(tswlab-h\d+|tswlb\d+-)/m);
    const links = (await runCommand('ip', ['-o', 'link', 'show'])).stdout;
    assert.doesNotMatch(links, /: tswlab/);
    const mounts = readFileSync('/proc/mounts', 'utf8');
    assert.ok(!mounts.includes(dir), `mounts left under ${dir}`);
    for (const s of states) {
      assert.ok(!mounts.includes(s), `mounts left under ${s}`);
      assert.ok(!existsSync(s), `${s} is left`);
    }
    assert.deepEqual(pidsMentioning(dir), []);
    assert.deepEqual(
      states.flatMap((s) => pidsMentioning(s)),
      [],
    );
    assert.ok(!existsSync(dir));
    for (const h of lab!.hosts) {
      const cgroups = ['', ...readdirSync('/sys/fs/cgroup')].map((c) => `/sys/fs/cgroup/${c}/tsswarm-lab-${h.name}`);
      assert.deepEqual(cgroups.filter(existsSync), []);
    }
    const rules = (await runCommand('iptables', ['-w', '-S', 'FORWARD'])).stdout;
    assert.doesNotMatch(rules, /tsswarm-lab/);
    lab = undefined;
  });
});
