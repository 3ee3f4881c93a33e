import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import {
  ConflictError,
  ForbiddenError,
  InvalidArgumentError,
  NotFoundError,
  UnavailableError,
  type EventSink,
} from '../../../src/api';
import { NetworkManager, type SandboxInfo } from '../../../worker/network';
import { runCommand } from '../../../worker/network/run-command';
import {
  bridgePorts,
  eventually,
  hostGet,
  inNetns,
  iptablesRules,
  killChild,
  missingPrerequisite,
  netnsGet,
  netnsList,
  startHttpd,
  BUSYBOX,
  skipWhenMissing,
} from './netns-tools';

const CNI = '/usr/lib/cni';
/** Prints "ready", then the first datagram it gets on port 5353. */
const UDP_PRINT_SERVER = `const s = require('dgram').createSocket('udp4');
s.on('message', (m) => { process.stdout.write(String(m)); process.exit(0); });
s.bind(5353, () => process.stdout.write('ready'));`;
const tag = (process.pid % 46656).toString(36);
const BRIDGE_A = `tswa${tag}`;
const BRIDGE_B = `tswb${tag}`;
const OUTSIDE = `tswo${tag}`;
/** This file's namespaces only: other daemons on the machine may add and remove theirs meanwhile. */
const ownNetns = async () => (await netnsList()).filter((n) => /^tsw[a-z]/.test(n) && n.slice(4).startsWith(tag));
const SUBNET_A = '10.201.0.0/24';
const SUBNET_B = '10.202.0.0/24';

const newId = () => randomBytes(32).toString('hex');
const nsName = (info: SandboxInfo) => path.basename(info.netnsPath!);
const quietLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return quietLogger;
  },
};

describe('network manager (real iproute2, iptables, CNI plugins)', function () {
  this.timeout(120_000);
  const tmp: string[] = [];
  const children: ChildProcess[] = [];
  const managers: NetworkManager[] = [];
  const nestedNamespaces: string[] = [];
  const events: Array<{ type: string; action: string; id: string; attrs: Record<string, string> | undefined }> = [];
  const sink: EventSink = { publish: (type, action, id, attrs) => void events.push({ type, action, id, attrs }) };
  let www: string;
  let a: NetworkManager;

  const dataRoot = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tsswarm-net-'));
    tmp.push(d);
    return d;
  };
  const manager = (
    root: string,
    bridgeName: string,
    subnet: string,
    extra: Partial<ConstructorParameters<typeof NetworkManager>[0]> = {},
  ) => {
    const m = new NetworkManager({ dataRoot: root, bridgeName, subnet, events: sink, logger: quietLogger, ...extra });
    managers.push(m);
    return m;
  };
  const httpd = (ns: string, port = 80) => {
    const c = startHttpd(ns, port, www);
    children.push(c);
    return c;
  };

  before(async function () {
    skipWhenMissing(this, 'network', missingPrerequisite(CNI));
    www = dataRoot();
    fs.writeFileSync(path.join(www, 'index.html'), 'hello from tsswarm\n');
    a = manager(dataRoot(), BRIDGE_A, SUBNET_A);
    await a.start();
  });

  after(async function () {
    this.timeout(120_000);
    if (missingPrerequisite(CNI)) return;
    for (const c of children) await killChild(c).catch(() => undefined);
    for (const m of managers) await m.teardown().catch((e) => console.warn('teardown failed', e));
    await runCommand('ip', ['netns', 'delete', OUTSIDE]);
    for (const ns of nestedNamespaces) await runCommand('ip', ['netns', 'delete', ns]);
    await runCommand('ip', ['link', 'delete', `${OUTSIDE}h`]);
    for (const d of tmp) fs.rmSync(d, { recursive: true, force: true });
  });

  it('gives two bridge containers addresses, a gateway and reachability to each other and from the host', async () => {
    const id1 = newId();
    const id2 = newId();
    const s1 = await a.createSandbox(id1, { networkMode: 'default', name: '/one' });
    const s2 = await a.createSandbox(id2, { networkMode: 'bridge', name: 'two' });
    assert.match(s1.IPAddress, /^10\.201\.0\.\d+$/);
    assert.match(s2.IPAddress, /^10\.201\.0\.\d+$/);
    assert.notEqual(s1.IPAddress, s2.IPAddress);
    assert.equal(s1.Gateway, '10.201.0.1');
    assert.equal(s1.IPPrefixLen, 24);
    assert.match(s1.MacAddress, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    assert.match(s1.EndpointID, /^[0-9a-f]{64}$/);
    assert.equal(s1.NetworkID, a.inspect('bridge').Id);
    assert.equal(s1.Networks.bridge.IPAddress, s1.IPAddress);
    assert.equal(s1.netnsPath, `/run/netns/${BRIDGE_A}-${id1.slice(0, 12)}`);
    assert.deepEqual(s1.Ports, {});

    const links = JSON.parse(await inNetns(nsName(s1), ['ip', '-j', 'addr', 'show'])) as Array<{
      ifname: string;
      operstate: string;
      addr_info: Array<{ local: string }>;
    }>;
    assert.deepEqual(links.map((l) => l.ifname).sort(), ['eth0', 'lo']);
    assert.ok(links.find((l) => l.ifname === 'eth0')!.addr_info.some((x) => x.local === s1.IPAddress));
    const route = await inNetns(nsName(s1), ['ip', 'route', 'show', 'default']);
    assert.match(route, /default via 10\.201\.0\.1 dev eth0/);

    await inNetns(nsName(s1), [BUSYBOX, 'ping', '-c', '1', '-W', '5', s2.IPAddress]);
    await inNetns(nsName(s2), [BUSYBOX, 'ping', '-c', '1', '-W', '5', s1.IPAddress]);
    await inNetns(nsName(s1), [BUSYBOX, 'ping', '-c', '1', '-W', '5', '127.0.0.1']);
    await runCommand(BUSYBOX, ['ping', '-c', '1', '-W', '5', s2.IPAddress]).then((r) =>
      assert.equal(r.code, 0, r.stderr),
    );

    const server = httpd(nsName(s1));
    assert.equal(await eventually(() => netnsGet(nsName(s2), `http://${s1.IPAddress}/`)), 'hello from tsswarm\n');
    assert.equal(await eventually(() => hostGet(`http://${s1.IPAddress}/`)), 'hello from tsswarm\n');
    await killChild(server);

    const connects = events.filter((e) => e.action === 'connect' && e.attrs?.container === id1);
    assert.deepEqual(connects, [
      {
        type: 'network',
        action: 'connect',
        id: s1.NetworkID,
        attrs: { container: id1, name: 'bridge', type: 'bridge' },
      },
    ]);

    const net = a.inspect('bridge');
    assert.equal(net.Containers[id1].Name, 'one');
    assert.equal(net.Containers[id1].IPv4Address, `${s1.IPAddress}/24`);
    assert.equal(net.Containers[id2].MacAddress, s2.MacAddress);

    await a.releaseSandbox(id1);
    await a.releaseSandbox(id2);
    assert.deepEqual(
      events.filter((e) => e.action === 'disconnect').map((e) => e.attrs?.container),
      [id1, id2],
    );
  });

  it('publishes ports on the host: 127.0.0.1, the gateway address and from another container', async () => {
    const id = newId();
    const s = await a.createSandbox(id, {
      portBindings: { '80/tcp': [{ HostIp: '', HostPort: '' }], '8081/tcp': [{ HostIp: '127.0.0.1', HostPort: '0' }] },
      exposedPorts: { '80/tcp': {}, '443/tcp': {} },
    });
    const hostPort = Number(s.Ports['80/tcp']![0].HostPort);
    assert.ok(hostPort > 0);
    assert.equal(s.Ports['80/tcp']![0].HostIp, '0.0.0.0');
    assert.equal(s.Ports['8081/tcp']![0].HostIp, '127.0.0.1');
    assert.equal(s.Ports['443/tcp'], null);
    const rules = (await iptablesRules()).join('\n');
    assert.ok(rules.includes(`--to-destination ${s.IPAddress}:80`), 'portmap DNAT rule present');

    httpd(nsName(s));
    assert.equal(await eventually(() => hostGet(`http://127.0.0.1:${hostPort}/`)), 'hello from tsswarm\n');
    assert.equal(await eventually(() => hostGet(`http://10.201.0.1:${hostPort}/`)), 'hello from tsswarm\n');

    const otherId = newId();
    const other = await a.createSandbox(otherId);
    assert.equal(
      await eventually(() => netnsGet(nsName(other), `http://10.201.0.1:${hostPort}/`)),
      'hello from tsswarm\n',
    );
    // A container reaching its own published port through the host (hairpin).
    assert.equal(await eventually(() => netnsGet(nsName(s), `http://10.201.0.1:${hostPort}/`)), 'hello from tsswarm\n');
    // A port published on 127.0.0.1 only.
    httpd(nsName(s), 8081);
    const loopbackPort = s.Ports['8081/tcp']![0].HostPort;
    assert.equal(await eventually(() => hostGet(`http://127.0.0.1:${loopbackPort}/`)), 'hello from tsswarm\n');

    // The same host port again is refused, and the failed create leaves nothing behind.
    const clashId = newId();
    const before = await ownNetns();
    await assert.rejects(
      a.createSandbox(clashId, { portBindings: { '80/tcp': [{ HostIp: '', HostPort: String(hostPort) }] } }),
      (e: Error) => e instanceof ConflictError && /already allocated/.test(e.message),
    );
    assert.deepEqual(await ownNetns(), before);
    assert.equal(a.sandbox(clashId), undefined);

    await a.releaseSandbox(otherId);
    await a.releaseSandbox(id);
    await assert.rejects(hostGet(`http://127.0.0.1:${hostPort}/`));
    assert.ok(!(await iptablesRules()).some((l) => l.includes(s.IPAddress)), 'no rule mentions the released address');
  });

  it('masquerades outbound traffic (to a namespace standing in for the outside world)', async () => {
    // The "outside" namespace has no route back to the container subnet: only NAT makes replies arrive.
    const ok = async (args: string[]) => {
      const r = await runCommand(args[0], args.slice(1));
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    };
    await ok(['ip', 'netns', 'add', OUTSIDE]);
    await ok(['ip', 'link', 'add', `${OUTSIDE}h`, 'type', 'veth', 'peer', 'name', `${OUTSIDE}p`]);
    await ok(['ip', 'link', 'set', `${OUTSIDE}p`, 'netns', OUTSIDE]);
    await ok(['ip', 'addr', 'add', '10.203.0.1/30', 'dev', `${OUTSIDE}h`]);
    await ok(['ip', 'link', 'set', `${OUTSIDE}h`, 'up']);
    await ok(['ip', '-n', OUTSIDE, 'addr', 'add', '10.203.0.2/30', 'dev', `${OUTSIDE}p`]);
    await ok(['ip', '-n', OUTSIDE, 'link', 'set', `${OUTSIDE}p`, 'up']);
    await ok(['ip', '-n', OUTSIDE, 'link', 'set', 'lo', 'up']);
    const outsideServer = httpd(OUTSIDE, 8080);

    const id = newId();
    const s = await a.createSandbox(id);
    assert.equal(await eventually(() => netnsGet(nsName(s), 'http://10.203.0.2:8080/')), 'hello from tsswarm\n');
    await killChild(outsideServer);
    await a.releaseSandbox(id);
  });

  it('none has only loopback; host has no namespace; both show in inspect', async () => {
    const noneId = newId();
    const hostId = newId();
    const n = await a.createSandbox(noneId, { networkMode: 'none', name: 'isolated' });
    const h = await a.createSandbox(hostId, {
      networkMode: 'host',
      name: 'hosty',
      portBindings: { '80/tcp': [{ HostIp: '', HostPort: '80' }] },
    });
    assert.ok(n.netnsPath);
    assert.equal(n.IPAddress, '');
    assert.deepEqual(Object.keys(n.Networks), ['none']);
    const links = JSON.parse(await inNetns(nsName(n), ['ip', '-j', 'link', 'show'])) as Array<{
      ifname: string;
      operstate: string;
    }>;
    assert.deepEqual(
      links.map((l) => l.ifname),
      ['lo'],
    );
    await inNetns(nsName(n), [BUSYBOX, 'ping', '-c', '1', '-W', '5', '127.0.0.1']);
    assert.equal(h.netnsPath, null);
    assert.equal(h.SandboxKey, '');
    assert.deepEqual(h.Ports, {});
    assert.equal(a.inspect('none').Containers[noneId].Name, 'isolated');
    assert.equal(a.inspect('host').Containers[hostId].IPv4Address, '');
    assert.equal(events.filter((e) => e.attrs?.container === hostId)[0].attrs?.type, 'host');
    assert.equal(events.filter((e) => e.attrs?.container === noneId)[0].attrs?.type, 'null');
    await a.releaseSandbox(noneId);
    await a.releaseSandbox(hostId);
    assert.ok(!(await ownNetns()).includes(nsName(n)));
  });

  it('leaves a none sandbox to the runtime when asked: nothing on the host, still in inspect', async () => {
    const id = newId();
    const before = await ownNetns();
    const s = await a.createSandbox(id, { networkMode: 'none', name: 'runtime-ns', runtimeNamespace: true });
    assert.equal(s.netnsPath, '');
    assert.equal(s.SandboxKey, '');
    assert.deepEqual(Object.keys(s.Networks), ['none']);
    assert.deepEqual(await ownNetns(), before);
    assert.equal(a.inspect('none').Containers[id].Name, 'runtime-ns');
    await a.releaseSandbox(id);
    assert.equal(a.inspect('none').Containers[id], undefined);
  });

  it('gives default-mode containers only loopback when the default network is none', async () => {
    const m = manager(dataRoot(), `tswn${tag}`, '10.204.0.0/24', { defaultNetwork: 'none' });
    await m.start();
    const id = newId();
    const s = await m.createSandbox(id, { networkMode: 'default' });
    assert.deepEqual(Object.keys(s.Networks), ['none']);
    assert.equal(s.IPAddress, '');
    const links = JSON.parse(await inNetns(nsName(s), ['ip', '-j', 'link', 'show'])) as Array<{ ifname: string }>;
    assert.deepEqual(
      links.map((l) => l.ifname),
      ['lo'],
    );
    const b = await m.createSandbox(newId(), { networkMode: 'bridge' });
    assert.ok(b.IPAddress.startsWith('10.204.0.'));
    await m.teardown();
    assert.ok(!(await ownNetns()).includes(nsName(s)));
  });

  it('lists and inspects the built-in networks with stable ids', async () => {
    const list = a.list();
    assert.deepEqual(
      list.map((n) => [n.Name, n.Driver, n.Scope]),
      [
        ['bridge', 'bridge', 'local'],
        ['host', 'host', 'local'],
        ['none', 'null', 'local'],
      ],
    );
    for (const n of list) assert.match(n.Id, /^[0-9a-f]{64}$/);
    const br = a.inspect('bridge');
    assert.deepEqual(br.IPAM.Config, [{ Subnet: SUBNET_A, Gateway: '10.201.0.1' }]);
    assert.equal(br.Options['com.docker.network.bridge.name'], BRIDGE_A);
    assert.equal(a.inspect(br.Id).Name, 'bridge');
    assert.equal(a.inspect(br.Id.slice(0, 12)).Name, 'bridge');
    assert.throws(
      () => a.inspect('nosuch'),
      (e: Error) => e instanceof NotFoundError && e.message === 'network nosuch not found',
    );
  });

  it('refuses bad input clearly and leaves nothing behind', async () => {
    const before = await ownNetns();
    const id = newId();
    await assert.rejects(
      a.createSandbox(id, { networkMode: 'mynet' }),
      (e: Error) => e instanceof NotFoundError && /network mynet not found/.test(e.message),
    );
    await assert.rejects(a.createSandbox(id, { networkMode: 'container:abc' }), InvalidArgumentError);
    await assert.rejects(
      a.createSandbox('../etc', {}),
      (e: Error) => e instanceof InvalidArgumentError && /container id/.test(e.message),
    );
    await assert.rejects(
      a.createSandbox(id, { portBindings: { '80/tcp': [{ HostIp: 'x', HostPort: '1' }] } }),
      /HostIp "x"/,
    );
    await assert.rejects(
      a.createSandbox(id, { networkMode: 'none', portBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }] } }),
      /network mode "none"/,
    );
    assert.deepEqual(await ownNetns(), before);
    assert.equal(a.sandbox(id), undefined);
    const s = await a.createSandbox(id);
    await assert.rejects(a.createSandbox(id), ConflictError);
    await a.releaseSandbox(id);
    await a.releaseSandbox(id); // idempotent
    assert.throws(
      () => new NetworkManager({ dataRoot: '/x', bridgeName: 'much-too-long-bridge-name' }),
      /invalid bridgeName/,
    );
    assert.throws(() => new NetworkManager({ dataRoot: '/x', subnet: '10.0.0.1/8' }), /invalid subnet/);
    assert.ok(!(await ownNetns()).includes(nsName(s)));
  });

  it('publishes UDP ports', async () => {
    const id = newId();
    const s = await a.createSandbox(id, { portBindings: { '5353/udp': [{ HostIp: '127.0.0.1', HostPort: '' }] } });
    const hostPort = Number(s.Ports['5353/udp']![0].HostPort);
    const echo = spawn('ip', ['netns', 'exec', nsName(s), process.execPath, '-e', UDP_PRINT_SERVER], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(echo);
    await new Promise((resolve) => echo.stdout!.once('data', resolve)); // "ready"
    const received = new Promise<string>((resolve) => echo.stdout!.once('data', (b: Buffer) => resolve(b.toString())));
    const sock = dgram.createSocket('udp4');
    const timer = setInterval(() => sock.send('ping over udp', hostPort, '127.0.0.1'), 200);
    try {
      sock.send('ping over udp', hostPort, '127.0.0.1');
      assert.match(await received, /ping over udp/);
    } finally {
      clearInterval(timer);
      sock.close();
      await killChild(echo);
      await a.releaseSandbox(id);
    }
  });

  it('creates sandboxes in parallel and again for the same container after a release', async () => {
    const ids = Array.from({ length: 8 }, newId);
    const infos = await Promise.all(
      ids.map((id) => a.createSandbox(id, { portBindings: { '80/tcp': [{ HostIp: '', HostPort: '' }] } })),
    );
    assert.equal(new Set(infos.map((i) => i.IPAddress)).size, ids.length);
    assert.equal(new Set(infos.map((i) => i.Ports['80/tcp']![0].HostPort)).size, ids.length);
    await Promise.all(ids.map((id) => a.releaseSandbox(id)));
    // A restart policy releases and re-creates under the same id.
    const again = await a.createSandbox(ids[0]);
    assert.match(again.IPAddress, /^10\.201\.0\./);
    await inNetns(nsName(again), [BUSYBOX, 'ping', '-c', '1', '-W', '5', '10.201.0.1']);
    await a.releaseSandbox(ids[0]);
    assert.deepEqual(await bridgePorts(BRIDGE_A), []);
  });

  it('finishes on start a create that a crash interrupted', async () => {
    const root = dataRoot();
    const bridge = `tswc${tag}`;
    const m1 = manager(root, bridge, '10.207.0.0/24');
    await m1.start();
    const id = newId();
    const s = await m1.createSandbox(id);
    await m1.stop();
    const file = path.join(root, 'network', 'sandboxes', `${id}.json`);
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), state: 'creating' }));
    const m2 = manager(root, bridge, '10.207.0.0/24');
    await m2.start();
    assert.equal(m2.sandbox(id), undefined);
    assert.ok(!(await ownNetns()).includes(nsName(s)));
    assert.deepEqual(await bridgePorts(bridge), []);
    assert.ok(!(await iptablesRules()).some((l) => l.includes(`${s.IPAddress}/`)));
  });

  it('a runc container given netnsPath in its OCI spec has the sandbox address and reaches its peers', async function () {
    const runc = ['/usr/sbin/runc', '/usr/bin/runc'].find((f) => fs.existsSync(f));
    if (!runc) {
      console.warn('    SKIPPING: runc is missing (deploy/install-deps.sh installs it)');
      this.skip();
    }
    const peerId = newId();
    const id = newId();
    const peer = await a.createSandbox(peerId);
    const s = await a.createSandbox(id);
    const bundle = dataRoot();
    fs.mkdirSync(path.join(bundle, 'rootfs', 'bin'), { recursive: true });
    fs.copyFileSync(BUSYBOX, path.join(bundle, 'rootfs', 'bin', 'busybox'));
    const spec = await runCommand(runc!, ['spec', '--bundle', bundle]);
    assert.equal(spec.code, 0, spec.stderr);
    const config = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8')) as {
      process: { terminal: boolean; args: string[]; capabilities: Record<string, string[]> };
      root: { readonly: boolean };
      linux: { namespaces: Array<{ type: string; path?: string }> };
    };
    config.process.terminal = false;
    // Docker grants NET_RAW by default; busybox ping needs it.
    for (const set of ['bounding', 'effective', 'permitted']) config.process.capabilities[set].push('CAP_NET_RAW');
    config.process.args = [
      '/bin/busybox',
      'sh',
      '-c',
      `ip -o -4 addr show eth0 && ping -c 1 -W 5 ${peer.IPAddress} >/dev/null && echo peer-ok`,
    ];
    for (const ns of config.linux.namespaces) if (ns.type === 'network') ns.path = s.netnsPath!;
    fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(config));
    const r = await runCommand(
      runc!,
      ['--root', path.join(bundle, 'state'), 'run', '--bundle', bundle, `tswnet-${id.slice(0, 12)}`],
      { timeoutMs: 30_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`inet ${s.IPAddress.replace(/\./g, '\\.')}/24`));
    assert.match(r.stdout, /peer-ok/);
    await a.releaseSandbox(id);
    await a.releaseSandbox(peerId);
  });

  it('fails cleanly when the subnet is full or the plugins are missing', async () => {
    const small = manager(dataRoot(), `tsws${tag}`, '10.208.0.0/30');
    await small.start();
    const first = newId();
    await small.createSandbox(first);
    const nsBefore = await ownNetns();
    const second = newId();
    await assert.rejects(small.createSandbox(second), (e: Error) => /no IP addresses available/.test(e.message));
    assert.equal(small.sandbox(second), undefined);
    assert.deepEqual(await ownNetns(), nsBefore);
    assert.equal((await bridgePorts(`tsws${tag}`)).length, 1);
    await small.releaseSandbox(first);
    await small.createSandbox(second);
    await small.releaseSandbox(second);

    const broken = manager(dataRoot(), `tswq${tag}`, '10.209.0.0/24', { cniBinDir: '/nonexistent/cni' });
    await assert.rejects(
      broken.start(),
      (e: Error) =>
        e instanceof UnavailableError && /CNI plugin bridge not found in \/nonexistent\/cni/.test(e.message),
    );
  });

  it('creates, uses, persists and removes user-defined bridge networks', async () => {
    const root = dataRoot();
    // No upstream resolvers: tests must not send queries off the machine.
    const m = manager(root, `tswu${tag}`, '10.210.0.0/24', { networkPool: '10.211.0.0/16', dnsUpstreams: [] });
    await m.start();
    const app = await m.createNetwork({ Name: 'app', Labels: { team: 'x' } });
    assert.match(app.Id, /^[0-9a-f]{64}$/);
    const appNet = m.inspect('app');
    assert.deepEqual(appNet.IPAM.Config, [{ Subnet: '10.211.0.0/24', Gateway: '10.211.0.1' }]);
    assert.deepEqual([appNet.Driver, appNet.Scope, appNet.Labels], ['bridge', 'local', { team: 'x' }]);
    const sealed = await m.createNetwork({
      Name: 'sealed',
      Internal: true,
      IPAM: { Config: [{ Subnet: '10.212.0.0/24' }] },
    });
    assert.deepEqual(
      m.list().map((n) => n.Name),
      ['bridge', 'host', 'none', 'app', 'sealed'],
    );
    await assert.rejects(
      m.createNetwork({ Name: 'app' }),
      (e: Error) => e instanceof ConflictError && /already exists/.test(e.message),
    );
    await assert.rejects(m.createNetwork({ Name: 'bridge' }), ConflictError);
    await assert.rejects(
      m.createNetwork({ Name: 'x', IPAM: { Config: [{ Subnet: '10.211.0.0/25' }] } }),
      /overlaps network app/,
    );
    await assert.rejects(m.createNetwork({ Name: 'x', Driver: 'macvlan' }), InvalidArgumentError);

    const [i1, i2, i3, i4] = [newId(), newId(), newId(), newId()];
    const s1 = await m.createSandbox(i1, {
      networkMode: 'app',
      name: '/db',
      hostname: 'dbhost',
      portBindings: { '80/tcp': [{ HostIp: '', HostPort: '' }] },
    });
    const s2 = await m.createSandbox(i2, { networkMode: app.Id.slice(0, 12), name: 'web' });
    assert.equal(s1.NetworkName, 'app');
    assert.equal(s2.NetworkID, app.Id);
    assert.match(s1.IPAddress, /^10\.211\.0\./);
    assert.deepEqual(Object.keys(s1.Networks), ['app']);
    httpd(nsName(s1));
    assert.equal(await eventually(() => netnsGet(nsName(s2), `http://${s1.IPAddress}/`)), 'hello from tsswarm\n');
    assert.equal(
      await eventually(() => hostGet(`http://127.0.0.1:${s1.Ports['80/tcp']![0].HostPort}/`)),
      'hello from tsswarm\n',
    );
    assert.deepEqual(Object.keys(m.inspect('app').Containers).sort(), [i1, i2].sort());

    // Names resolve on the network through its gateway; other names fail without leaving the host.
    assert.deepEqual(s1.DnsServers, ['10.211.0.1']);
    for (const name of ['db', 'DBHOST', i1.slice(0, 12)]) {
      const out = await eventually(() => inNetns(nsName(s2), [BUSYBOX, 'nslookup', name, '10.211.0.1']));
      assert.match(out, new RegExp(`Address:\\s+${s1.IPAddress.replace(/\./g, '\\.')}`), out);
    }
    await assert.rejects(inNetns(nsName(s2), [BUSYBOX, 'nslookup', 'nosuch.invalid', '10.211.0.1']));
    // Networks are isolated from each other, except through published ports.
    const onDefault = newId();
    const sd = await m.createSandbox(onDefault);
    assert.deepEqual(sd.DnsServers, []);
    // The name server answers only its own network's clients.
    await assert.rejects(inNetns(nsName(sd), [BUSYBOX, 'nslookup', 'db', '10.211.0.1'], 3000));
    assert.notEqual(
      (await runCommand('ip', ['netns', 'exec', nsName(sd), BUSYBOX, 'ping', '-c', '1', '-W', '1', s1.IPAddress])).code,
      0,
    );
    assert.equal(
      await eventually(() => netnsGet(nsName(sd), `http://10.210.0.1:${s1.Ports['80/tcp']![0].HostPort}/`)),
      'hello from tsswarm\n',
    );
    await m.releaseSandbox(onDefault);

    // Internal: the containers talk to each other, the host has no address on that bridge.
    const s3 = await m.createSandbox(i3, { networkMode: 'sealed' });
    const s4 = await m.createSandbox(i4, { networkMode: 'sealed' });
    await inNetns(nsName(s3), [BUSYBOX, 'ping', '-c', '1', '-W', '5', s4.IPAddress]);
    assert.equal(await inNetns(nsName(s3), ['ip', 'route', 'show', 'default']), '');
    assert.notEqual((await runCommand(BUSYBOX, ['ping', '-c', '1', '-W', '1', s4.IPAddress])).code, 0);

    await assert.rejects(
      m.removeNetwork('app'),
      (e: Error) => e instanceof ForbiddenError && /has active endpoints/.test(e.message),
    );
    await assert.rejects(
      m.removeNetwork('bridge'),
      (e: Error) => e instanceof ForbiddenError && /pre-defined/.test(e.message),
    );

    // Restart: networks and their sandboxes come back.
    await m.stop();
    const m2 = manager(root, `tswu${tag}`, '10.210.0.0/24', { networkPool: '10.211.0.0/16', dnsUpstreams: [] });
    await m2.start();
    assert.equal(m2.inspect('app').Id, app.Id);
    assert.equal(m2.sandbox(i1)?.IPAddress, s1.IPAddress);
    assert.match(
      await eventually(() => inNetns(nsName(s2), [BUSYBOX, 'nslookup', 'db', '10.211.0.1'])),
      new RegExp(s1.IPAddress.replace(/\./g, '\\.')),
    );

    for (const id of [i1, i2, i3, i4]) await m2.releaseSandbox(id);
    await m2.removeNetwork('app');
    await m2.removeNetwork(sealed.Id);
    await assert.rejects(
      Promise.resolve().then(() => m2.inspect('app')),
      NotFoundError,
    );
    assert.deepEqual(await bridgePorts(`br-${app.Id.slice(0, 12)}`), []);
    assert.notEqual((await runCommand('ip', ['link', 'show', `br-${app.Id.slice(0, 12)}`])).code, 0);
    assert.ok(
      !(await iptablesRules()).some((l) => l.includes(`br-${app.Id.slice(0, 12)}`)),
      'no rule names the removed bridge',
    );
    assert.deepEqual(
      events.filter((e) => e.id === app.Id && (e.action === 'create' || e.action === 'destroy')).map((e) => e.action),
      ['create', 'destroy'],
    );
  });

  it('release leaves no namespace, veth, address or iptables rule', async () => {
    // One warm-up cycle creates portmap's shared chains, which stay like Docker's own chains do.
    const warm = newId();
    await a.createSandbox(warm, { portBindings: { '80/tcp': [{ HostIp: '', HostPort: '' }] } });
    await a.releaseSandbox(warm);
    const rulesBefore = await iptablesRules();
    const nsBefore = await ownNetns();
    const ipamDir = path.join((a as unknown as { netDir: string }).netDir, 'ipam', BRIDGE_A);
    const ipFiles = () => fs.readdirSync(ipamDir).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f));
    const ipsBefore = ipFiles();

    const ids = [newId(), newId()];
    const infos = [];
    for (const id of ids)
      infos.push(
        await a.createSandbox(id, {
          portBindings: { '80/tcp': [{ HostIp: '', HostPort: '' }], '53/udp': [{ HostIp: '', HostPort: '' }] },
        }),
      );
    assert.equal((await bridgePorts(BRIDGE_A)).length, 2);
    assert.equal(ipFiles().length, ipsBefore.length + 2);
    assert.notDeepEqual(await iptablesRules(), rulesBefore);
    for (const id of ids) await a.releaseSandbox(id);

    assert.deepEqual(await bridgePorts(BRIDGE_A), []);
    assert.deepEqual(await ownNetns(), nsBefore);
    assert.deepEqual(ipFiles(), ipsBefore);
    assert.deepEqual(await iptablesRules(), rulesBefore);
    for (const info of infos) assert.ok(!(await iptablesRules()).some((l) => l.includes(info.IPAddress)));
  });

  it('re-adopts sandboxes after a restart and releases those whose namespace or container is gone', async () => {
    const root = dataRoot();
    const bridge = `tswr${tag}`;
    const m1 = manager(root, bridge, '10.204.0.0/24');
    await m1.start();
    const keep = newId();
    const lost = newId();
    const unknown = newId();
    const sk = await m1.createSandbox(keep, { portBindings: { '80/tcp': [{ HostIp: '', HostPort: '' }] } });
    const sl = await m1.createSandbox(lost);
    const su = await m1.createSandbox(unknown);
    const port = sk.Ports['80/tcp']![0].HostPort;
    await m1.stop();
    await m1.stop(); // idempotent
    // A namespace removed behind the daemon's back (as a reboot does) is noticed on start.
    await runCommand('ip', ['netns', 'delete', nsName(sl)]);

    const m2 = manager(root, bridge, '10.204.0.0/24', { isContainerKnown: (id) => id !== unknown });
    await m2.start();
    assert.equal(m2.sandbox(keep)?.IPAddress, sk.IPAddress);
    assert.deepEqual(m2.sandbox(keep)?.Ports, sk.Ports);
    assert.equal(m2.sandbox(lost), undefined);
    assert.equal(m2.sandbox(unknown), undefined);
    assert.ok(!(await ownNetns()).includes(nsName(su)));
    assert.equal(m2.inspect('bridge').Id, m1.inspect('bridge').Id);
    httpd(nsName(sk));
    assert.equal(await eventually(() => hostGet(`http://127.0.0.1:${port}/`)), 'hello from tsswarm\n');
    // Their addresses are free again, and no masquerade rule names them.
    const allocated = fs
      .readdirSync(path.join(root, 'network', 'ipam', bridge))
      .filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f));
    assert.deepEqual(allocated, [sk.IPAddress]);
    const rules = await iptablesRules();
    for (const gone of [sl, su])
      assert.ok(!rules.some((l) => l.includes(`${gone.IPAddress}/`)), `rules for ${gone.IPAddress} remain`);
    await m2.createSandbox(newId());
    const extra = Object.keys(m2.inspect('bridge').Containers).find((k) => k !== keep);
    assert.deepEqual(await m2.reconcile([keep]), [extra]);
    assert.deepEqual(Object.keys(m2.inspect('bridge').Containers), [keep]);
  });

  it('coexists with a second daemon that has its own bridge and subnet', async () => {
    const b = manager(dataRoot(), BRIDGE_B, SUBNET_B);
    await b.start();
    const ida = newId();
    const idb = newId();
    const sa = await a.createSandbox(ida);
    const sb = await b.createSandbox(idb);
    assert.match(sb.IPAddress, /^10\.202\.0\./);
    assert.notEqual(sa.NetworkID, sb.NetworkID);
    assert.notEqual(sa.netnsPath, sb.netnsPath);
    httpd(nsName(sb));
    // Containers of one daemon reach the other's through the host, as with two Docker networks' egress.
    assert.equal(await eventually(() => netnsGet(nsName(sa), `http://${sb.IPAddress}/`)), 'hello from tsswarm\n');
    await b.releaseSandbox(idb);
    await inNetns(nsName(sa), [BUSYBOX, 'ping', '-c', '1', '-W', '5', '10.201.0.1']);
    await a.releaseSandbox(ida);
  });

  it('publishes to other machines and lets containers out under a FORWARD policy of DROP (as dockerd sets it)', async () => {
    // Everything happens in a namespace standing in for a host, so the real host's policy is untouched.
    const host = `tswh${tag}`;
    const ext = `tswx${tag}`;
    nestedNamespaces.push(host, ext);
    const ok = async (args: string[]) => {
      const r = await runCommand(args[0], args.slice(1));
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    };
    await ok(['ip', 'netns', 'add', host]);
    await ok(['ip', 'netns', 'add', ext]);
    await ok(['ip', '-n', host, 'link', 'set', 'lo', 'up']);
    await ok(['ip', '-n', ext, 'link', 'set', 'lo', 'up']);
    await ok(['ip', '-n', host, 'link', 'add', 'uplink', 'type', 'veth', 'peer', 'name', 'uplink', 'netns', ext]);
    await ok(['ip', '-n', host, 'addr', 'add', '10.205.0.1/30', 'dev', 'uplink']);
    await ok(['ip', '-n', ext, 'addr', 'add', '10.205.0.2/30', 'dev', 'uplink']);
    await ok(['ip', '-n', host, 'link', 'set', 'uplink', 'up']);
    await ok(['ip', '-n', ext, 'link', 'set', 'uplink', 'up']);

    const fixture = spawn(
      'ip',
      [
        'netns',
        'exec',
        host,
        process.execPath,
        path.join(__dirname, 'nested-host-fixture.js'),
        dataRoot(),
        `tswn${tag}`,
        '10.206.0.0/24',
        www,
      ],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    children.push(fixture);
    nestedNamespaces.push(`tswn${tag}-${'f'.repeat(12)}`);
    const lines = createInterface({ input: fixture.stdout! })[Symbol.asyncIterator]();
    const next = async () => {
      const r = await lines.next();
      assert.ok(!r.done, 'the fixture exited early');
      return r.value as string;
    };
    const info = JSON.parse(await next()) as SandboxInfo;
    const hostPort = info.Ports['80/tcp']![0].HostPort;
    assert.match(await inNetns(host, ['iptables', '-S', 'FORWARD']), /-P FORWARD DROP/);
    httpd(ext, 8080);

    // From another machine to the published port: PREROUTING DNAT, then FORWARD.
    assert.equal(await eventually(() => netnsGet(ext, `http://10.205.0.1:${hostPort}/`)), 'hello from tsswarm\n');
    // From the container out: FORWARD and masquerade (the outside has no route to the container subnet).
    const egress = await eventually(async () => {
      fixture.stdin!.write('get http://10.205.0.2:8080/\n');
      const r = JSON.parse(await next()) as { ok: boolean; out: string };
      if (!r.ok) throw new Error(r.out);
      return r.out;
    });
    assert.equal(egress, 'hello from tsswarm\n');

    fixture.stdin!.write('release\n');
    assert.equal(await next(), 'done');
    assert.equal(await inNetns(host, ['ip', '-j', 'link', 'show', 'master', `tswn${tag}`]).catch(() => '[]'), '[]');
  });
});
