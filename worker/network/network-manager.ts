import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  ConflictError,
  ForbiddenError,
  InvalidArgumentError,
  NotFoundError,
  NULL_EVENT_SINK,
  toTsswarmError,
  UnavailableError,
  type EventSink,
} from '../../src/api';
import { createLogger, type Logger } from '../../src/util';
import { bridgeConflist } from './bridge-conflist';
import { claimBridge, releaseBridge } from './bridge-owner';
import { CniRunner, type CniResult } from './cni-runner';
import { ensureForwardRules, ensureIsolation, removeForwardRules, removeIsolation } from './host-firewall';
import { clashingRoutes, defaultRouteMtu, hostRouteSubnets } from './host-routes';
import { pickSubnet, validateNetworkCreate, type NetworkCreateRequest, type NetworkDef } from './network-def';
import { networkResource } from './network-resource';
import { NetworkDnsServer, resolvConfNameservers } from './dns-server';
import { createNetns, deleteNetns, netnsExists, netnsPath } from './netns';
import {
  formatPortMap,
  parseExposedPorts,
  parsePortBindings,
  toCniPortMappings,
  type PublishedPort,
} from './port-bindings';
import { PortProxy } from './port-proxy';
import { runChecked, runCommand } from './run-command';
import { sweepContainerNatRules } from './stale-rules';
import { SandboxStore, type SandboxRecord } from './sandbox-store';
import { formatSubnet, gatewayOf, parseSubnet, subnetsOverlap, type Ipv4Subnet } from './subnet';
import type {
  BuiltinNetworkName,
  EndpointSettings,
  NetworkContainer,
  NetworkResource,
  PortBindings,
  SandboxInfo,
} from './types';

export interface NetworkManagerOptions {
  /** The daemon's data root; state goes to <dataRoot>/network. */
  dataRoot: string;
  /** Linux bridge for the `bridge` network. Default 'tsswarm0'; each daemon on a host needs its own. Max 15 chars. */
  bridgeName?: string;
  /** IPv4 subnet of the `bridge` network. Default '10.197.0.0/16' (clear of Docker's 172.17.0.0/16 and 192.168/16 pools). */
  subnet?: string;
  /** Resolvers the name servers of user-defined networks relay other names to. Default: the host's /etc/resolv.conf nameservers. */
  dnsUpstreams?: string[];
  /** Where user-defined networks take their /24 subnets from when none is asked for. Default '10.198.0.0/16'. */
  networkPool?: string;
  /** Where the CNI plugin binaries are. Default '/usr/lib/cni' (Debian's containernetworking-plugins). */
  cniBinDir?: string;
  /** MTU of the bridge and the containers' eth0. Default: the MTU of the host's default-route device, else 1500. */
  mtu?: number;
  /**
   * The network of containers whose NetworkMode is 'default' (or empty). Default 'bridge';
   * 'none' gives them a namespace with only lo, as dockerd's `--bridge none` does.
   */
  defaultNetwork?: 'bridge' | 'none';
  /** Receives `network connect` / `network disconnect`. Default: dropped. */
  events?: EventSink;
  /** Asked during start() for every restored sandbox; a container it does not know has its sandbox released. */
  isContainerKnown?: (containerId: string) => boolean | Promise<boolean>;
  logger?: Logger;
}

export interface CreateSandboxOptions {
  /** `HostConfig.NetworkMode`: 'bridge', 'host', 'none', a user-defined network's name or id, or 'default' ('' or undefined: the manager's defaultNetwork). */
  networkMode?: string;
  /** `HostConfig.PortBindings` (bridge only; ignored for host as Docker does; refused for none). */
  portBindings?: PortBindings | null;
  /** `Config.ExposedPorts`, shown as unpublished (null) entries of `Ports`. */
  exposedPorts?: Record<string, unknown> | string[] | null;
  /** The container's name (a leading '/' is dropped), for `Containers` of network inspect. */
  name?: string;
  /** The container's hostname: on user-defined networks it resolves, as its name and short id do. */
  hostname?: string;
  /**
   * Network none only: the container runtime makes the namespace with the container (runc
   * brings its lo up), so no named namespace is made, mounted and removed for it. Without it
   * (someone must wire the namespace before the process starts) a named one is made.
   */
  runtimeNamespace?: boolean;
}

const CONTAINER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const BRIDGE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/;
const BUILTIN: BuiltinNetworkName[] = ['bridge', 'host', 'none'];
const REQUIRED_PLUGINS = ['bridge', 'host-local', 'portmap'];

/** networks.json: the built-in networks' ids (made once, so they stay stable) and the user-defined networks. */
interface NetworkRegistry {
  networks: Record<BuiltinNetworkName, { id: string; created: string }>;
  custom?: NetworkDef[];
}

/**
 * Networking for standalone containers: the built-in `bridge` (CNI bridge + host-local +
 * portmap, outbound masquerade, `-p` publishing), `host` and `none` networks, and user-defined
 * local bridge networks (each its own Linux bridge, isolated from the others).
 *
 * Each bridge or none container gets a named namespace `<bridgeName>-<first 12 of its id>` in
 * /run/netns (so daemons with different bridges never collide, and `ip netns exec` works).
 * Sandboxes survive a daemon restart: start() re-adopts them and releases those whose namespace
 * is gone (a reboot) or whose container is unknown. stop() leaves containers' networking up.
 */
export class NetworkManager {
  readonly bridgeName: string;
  readonly subnet: string;
  readonly gateway: string;
  private readonly subnetParsed: Ipv4Subnet;
  private readonly cni: CniRunner;
  private readonly cniBinDir: string;
  private readonly store: SandboxStore;
  private readonly netDir: string;
  private readonly events: EventSink;
  private readonly log: Logger;
  private mtu: number;
  private ids: NetworkRegistry | null = null;
  private readonly pool: Ipv4Subnet;
  private readonly records = new Map<string, SandboxRecord>();
  private readonly proxies = new Map<string, PortProxy[]>();
  /** Name servers of user-defined networks, by network id. */
  private readonly dns = new Map<string, NetworkDnsServer>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private started = false;

  constructor(private readonly opts: NetworkManagerOptions) {
    if (!opts.dataRoot) throw new InvalidArgumentError('invalid dataRoot: required');
    this.bridgeName = opts.bridgeName ?? 'tsswarm0';
    if (opts.defaultNetwork !== undefined && opts.defaultNetwork !== 'bridge' && opts.defaultNetwork !== 'none')
      throw new InvalidArgumentError(`invalid defaultNetwork "${String(opts.defaultNetwork)}": want bridge or none`);
    if (!BRIDGE_NAME.test(this.bridgeName)) {
      throw new InvalidArgumentError(
        `invalid bridgeName "${this.bridgeName}": 1-15 characters of letters, digits, '_', '.', '-'`,
      );
    }
    this.subnetParsed = parseSubnet(opts.subnet ?? '10.197.0.0/16', 'subnet');
    this.subnet = formatSubnet(this.subnetParsed);
    this.gateway = gatewayOf(this.subnetParsed);
    if (opts.mtu !== undefined && !(Number.isInteger(opts.mtu) && opts.mtu >= 576 && opts.mtu <= 65535)) {
      throw new InvalidArgumentError(`invalid mtu ${opts.mtu}: want an integer 576-65535`);
    }
    this.mtu = opts.mtu ?? 1500;
    this.pool = parseSubnet(opts.networkPool ?? '10.198.0.0/16', 'networkPool');
    this.cniBinDir = opts.cniBinDir ?? '/usr/lib/cni';
    this.cni = new CniRunner(this.cniBinDir);
    this.netDir = path.join(opts.dataRoot, 'network');
    this.store = new SandboxStore(path.join(this.netDir, 'sandboxes'));
    this.events = opts.events ?? NULL_EVENT_SINK;
    this.log = opts.logger ?? createLogger('network');
  }

  /** Sets up the bridge and host rules, then re-adopts or releases the persisted sandboxes. */
  async start(): Promise<void> {
    if (this.started) return;
    // Checks first, so a refused start writes nothing under the data root.
    const clashes = await clashingRoutes(this.subnetParsed, this.bridgeName);
    if (clashes.length) {
      throw new ConflictError(
        `subnet ${this.subnet} of bridge ${this.bridgeName} overlaps host routes: ${clashes.join(', ')}; choose another subnet`,
      );
    }
    for (const plugin of REQUIRED_PLUGINS) {
      try {
        await fs.access(path.join(this.cniBinDir, plugin), fs.constants.X_OK);
      } catch {
        throw new UnavailableError(
          `CNI plugin ${plugin} not found in ${this.cniBinDir} (Debian package containernetworking-plugins)`,
        );
      }
    }
    await claimBridge(this.bridgeName, this.opts.dataRoot);
    if (this.opts.mtu === undefined) this.mtu = (await defaultRouteMtu()) ?? 1500;
    await this.ensureBridge(this.bridgeName, `${this.gateway}/${this.subnetParsed.prefixLen}`);
    await fs.mkdir(this.netDir, { recursive: true });
    await this.store.init();
    this.ids = await this.loadIds();
    // Without these, a FORWARD policy of DROP (dockerd sets one) cuts containers off.
    await ensureForwardRules(this.bridgeName);
    for (const def of this.ids.custom ?? []) {
      try {
        await this.ensureBridge(def.bridgeName!, bridgeAddress(def));
        await ensureForwardRules(def.bridgeName!);
        await this.startDns(def);
      } catch (e) {
        this.log.error('cannot set up user-defined network', { network: def.name, err: e });
      }
    }
    const bridges = this.bridgeNames();
    for (let i = 0; i < bridges.length; i++) {
      for (let j = i + 1; j < bridges.length; j++) await ensureIsolation(bridges[i], bridges[j]);
    }
    this.started = true;
    await this.restore();
  }

  /** Closes the published-port listeners; containers keep their networking (live restore). Idempotent. */
  async stop(): Promise<void> {
    this.started = false;
    const all = [...this.proxies.values()].flat();
    this.proxies.clear();
    const servers = [...this.dns.values()];
    this.dns.clear();
    await Promise.all([...all.map((p) => p.close()), ...servers.map((d) => d.close())]);
  }

  /**
   * Removes everything this manager made on the host: every sandbox, the bridge, the FORWARD
   * rules and <dataRoot>/network. For tests and uninstalling; a daemon shutdown uses stop().
   */
  async teardown(): Promise<void> {
    if (!this.started) {
      try {
        await this.start();
      } catch (e) {
        // Not ours to remove (another daemon's bridge or subnet) or not there: leave the host alone.
        this.log.warn('teardown: cannot start, nothing removed', { err: e });
        return;
      }
    }
    for (const id of [...this.records.keys()]) {
      try {
        await this.releaseSandbox(id);
      } catch (e) {
        this.log.warn('teardown: release failed', { containerId: id, err: e });
      }
    }
    await this.stop();
    for (const def of this.ids?.custom ?? []) {
      for (const other of this.bridgeNames())
        if (other !== def.bridgeName) await removeIsolation(def.bridgeName!, other);
      await removeForwardRules(def.bridgeName!);
      await runCommand('ip', ['link', 'delete', def.bridgeName!, 'type', 'bridge']);
    }
    await removeForwardRules(this.bridgeName);
    await runCommand('ip', ['link', 'delete', this.bridgeName, 'type', 'bridge']);
    await fs.rm(this.netDir, { recursive: true, force: true });
    await releaseBridge(this.bridgeName, this.opts.dataRoot);
  }

  /** Releases the sandbox of every container not in `knownIds` (after the engine reconciles with containerd). */
  async reconcile(knownIds: Iterable<string>): Promise<string[]> {
    const known = new Set(knownIds);
    const released: string[] = [];
    for (const id of [...this.records.keys()]) {
      if (known.has(id)) continue;
      await this.releaseSandbox(id);
      released.push(id);
    }
    return released;
  }

  /**
   * Gives a container its network. bridge: a namespace with lo and eth0 on the bridge, an
   * address from the subnet, published ports. none: a namespace with only lo. host: nothing to
   * create (netnsPath null). On failure nothing is left behind. 409 if the container has one.
   */
  async createSandbox(containerId: string, o: CreateSandboxOptions = {}): Promise<SandboxInfo> {
    this.checkId(containerId);
    this.requireStarted();
    const def = this.resolveMode(o.networkMode);
    const network = def.kind;
    const requests = network === 'bridge' ? parsePortBindings(o.portBindings) : [];
    if (network === 'none' && parsePortBindings(o.portBindings).length) {
      throw new InvalidArgumentError(
        'invalid HostConfig.PortBindings: ports cannot be published with network mode "none"',
      );
    }
    const exposed = parseExposedPorts(o.exposedPorts);
    const runtimeNetns = network === 'none' && o.runtimeNamespace === true;
    if (o.name !== undefined && typeof o.name !== 'string')
      throw new InvalidArgumentError('invalid name: want a string');
    return this.locked(containerId, async () => {
      this.requireStarted();
      const existing = this.records.get(containerId);
      if (existing?.state === 'ready')
        throw new ConflictError(`container ${containerId} is already connected to network ${existing.network}`);
      if (!this.defs().some((d) => d.id === def.id))
        throw new NotFoundError('network', def.name, { message: `network ${def.name} not found` });
      if (existing) await this.release(existing);
      const rec: SandboxRecord = {
        containerId,
        containerName: (o.name ?? '').replace(/^\//, ''),
        hostname: o.hostname ?? '',
        state: 'creating',
        network: def.name,
        networkId: def.id,
        netnsName: network === 'host' || runtimeNetns ? null : `${this.bridgeName}-${containerId.slice(0, 12)}`,
        ...(runtimeNetns ? { runtimeNetns } : {}),
        conflist: null,
        cniResult: null,
        published: [],
        exposed,
        endpointId: randomBytes(32).toString('hex'),
        ipAddress: '',
        prefixLen: 0,
        gateway: '',
        macAddress: '',
      };
      if (rec.netnsName && [...this.records.values()].some((r) => r.netnsName === rec.netnsName)) {
        throw new ConflictError(`container ${containerId}: another container shares its 12-character id prefix`);
      }
      this.records.set(containerId, rec);
      // The 'creating' record is what a crash mid-create is cleaned up from; with nothing made
      // on the host there is nothing to clean.
      if (!runtimeNetns) await this.store.save(rec);
      const proxies: PortProxy[] = [];
      try {
        if (rec.netnsName) await createNetns(rec.netnsName);
        if (network === 'bridge') {
          for (const req of requests) proxies.push(await PortProxy.open(req));
          rec.published = proxies.map((p) => p.published);
          rec.conflist = bridgeConflist({
            name: def.bridgeName!,
            bridgeName: def.bridgeName!,
            subnet: def.subnet!,
            gateway: def.gateway!,
            mtu: this.mtu,
            ipamDataDir: path.join(this.netDir, 'ipam'),
            portmap: rec.published.length > 0,
            internal: def.internal,
          });
          await this.store.save(rec);
          rec.cniResult = await this.cni.add(rec.conflist, this.attachment(rec));
          this.readResult(rec, rec.cniResult);
          for (const p of proxies) p.setTarget(rec.ipAddress, p.published.containerPort);
        }
        rec.state = 'ready';
        await this.store.save(rec);
      } catch (e) {
        await Promise.all(proxies.map((p) => p.close()));
        try {
          await this.release(rec);
        } catch (cleanupErr) {
          this.log.error('cleanup after failed create', { containerId, err: cleanupErr });
        }
        throw toTsswarmError(e);
      }
      this.proxies.set(containerId, proxies);
      this.events.publish('network', 'connect', def.id, {
        container: containerId,
        name: def.name,
        type: driverOf(def),
      });
      return this.info(rec);
    });
  }

  /** Undoes createSandbox: CNI DEL (addresses, iptables rules, veth), the namespace, the ports. Idempotent. */
  async releaseSandbox(containerId: string): Promise<void> {
    this.checkId(containerId);
    return this.locked(containerId, async () => {
      const rec = this.records.get(containerId);
      if (!rec) return;
      const wasConnected = rec.state !== 'creating';
      await this.release(rec);
      if (wasConnected) {
        const def = this.defs().find((d) => d.id === rec.networkId);
        this.events.publish('network', 'disconnect', rec.networkId, {
          container: containerId,
          name: rec.network,
          type: def ? driverOf(def) : 'bridge',
        });
      }
    });
  }

  /** The sandbox of a container, or undefined when it has none. */
  sandbox(containerId: string): SandboxInfo | undefined {
    const rec = this.records.get(containerId);
    return rec && rec.state === 'ready' ? this.info(rec) : undefined;
  }

  /** `GET /networks`: every network (Containers left empty, as Docker's list does). */
  list(): NetworkResource[] {
    return this.defs().map((d) => networkResource(d, {}, this.mtu));
  }

  /** `GET /networks/{id}`: by full id, name, or unique id prefix; 404 otherwise. */
  inspect(idOrName: string): NetworkResource {
    const def = this.resolveNetwork(idOrName);
    const containers: Record<string, NetworkContainer> = {};
    for (const rec of this.records.values()) {
      if (rec.state !== 'ready' || rec.networkId !== def.id) continue;
      containers[rec.containerId] = {
        Name: rec.containerName,
        EndpointID: rec.endpointId,
        MacAddress: rec.macAddress,
        IPv4Address: rec.ipAddress ? `${rec.ipAddress}/${rec.prefixLen}` : '',
        IPv6Address: '',
      };
    }
    return networkResource(def, containers, this.mtu);
  }

  /**
   * `POST /networks/create` for a local bridge network: its own Linux bridge (br-<id prefix>),
   * the subnet asked for or the first free /24 of the pool, masquerade unless Internal.
   * Containers on it reach each other by address (there is no name resolution between them).
   */
  async createNetwork(body: NetworkCreateRequest): Promise<{ Id: string; Warning: string }> {
    this.requireStarted();
    const req = validateNetworkCreate(body);
    return this.locked('network-registry', async () => {
      if (this.defs().some((d) => d.name === req.name))
        throw new ConflictError(`network with name ${req.name} already exists`);
      const taken = this.defs()
        .filter((d) => d.subnet)
        .map((d) => parseSubnet(d.subnet!));
      const subnet = req.subnet ?? pickSubnet(this.pool, [...taken, ...(await hostRouteSubnets())]);
      const overlap = this.defs().find((d) => d.subnet && subnetsOverlapText(d.subnet, formatSubnet(subnet)));
      if (overlap)
        throw new ConflictError(`subnet ${formatSubnet(subnet)} overlaps network ${overlap.name} (${overlap.subnet})`);
      const id = randomBytes(32).toString('hex');
      const def: NetworkDef = {
        id,
        name: req.name,
        created: new Date().toISOString(),
        kind: 'bridge',
        builtin: false,
        bridgeName: `br-${id.slice(0, 12)}`,
        subnet: formatSubnet(subnet),
        gateway: req.gateway ?? gatewayOf(subnet),
        internal: req.internal,
        attachable: req.attachable,
        labels: req.labels,
        options: req.options,
      };
      const clashes = await clashingRoutes(subnet, def.bridgeName!);
      if (clashes.length) throw new ConflictError(`subnet ${def.subnet} overlaps host routes: ${clashes.join(', ')}`);
      try {
        await this.ensureBridge(def.bridgeName!, bridgeAddress(def));
        await ensureForwardRules(def.bridgeName!);
        for (const other of this.bridgeNames()) await ensureIsolation(def.bridgeName!, other);
        this.ids!.custom = [...(this.ids!.custom ?? []), def];
        await this.saveIds(this.ids!);
        await this.startDns(def);
      } catch (e) {
        this.ids!.custom = (this.ids!.custom ?? []).filter((d) => d.id !== id);
        for (const other of this.bridgeNames()) await removeIsolation(def.bridgeName!, other);
        await removeForwardRules(def.bridgeName!);
        await runCommand('ip', ['link', 'delete', def.bridgeName!, 'type', 'bridge']);
        throw toTsswarmError(e);
      }
      this.events.publish('network', 'create', id, { name: def.name, type: 'bridge' });
      return { Id: id, Warning: '' };
    });
  }

  /** `DELETE /networks/{id}`: 403 for the built-in networks and for a network containers still use. */
  async removeNetwork(idOrName: string): Promise<void> {
    this.requireStarted();
    const def = this.resolveNetwork(idOrName);
    if (def.builtin) throw new ForbiddenError(`${def.name} is a pre-defined network and cannot be removed`);
    return this.locked('network-registry', async () => {
      if ([...this.records.values()].some((r) => r.networkId === def.id)) {
        throw new ForbiddenError(`error while removing network: network ${def.name} id ${def.id} has active endpoints`);
      }
      this.ids!.custom = (this.ids!.custom ?? []).filter((d) => d.id !== def.id);
      await this.saveIds(this.ids!);
      await this.dns.get(def.id)?.close();
      this.dns.delete(def.id);
      for (const other of this.bridgeNames()) await removeIsolation(def.bridgeName!, other);
      await removeForwardRules(def.bridgeName!);
      await runCommand('ip', ['link', 'delete', def.bridgeName!, 'type', 'bridge']);
      await fs.rm(path.join(this.netDir, 'ipam', def.bridgeName!), { recursive: true, force: true });
      this.events.publish('network', 'destroy', def.id, { name: def.name, type: 'bridge' });
    });
  }

  private async release(rec: SandboxRecord): Promise<void> {
    const proxies = this.proxies.get(rec.containerId) ?? [];
    this.proxies.delete(rec.containerId);
    await Promise.all(proxies.map((p) => p.close()));
    // Marked first so that a crash midway finishes the release at the next start; a sandbox
    // with nothing on the host (host, or none in the runtime's namespace) just goes.
    if (rec.state !== 'releasing' && (rec.netnsName || rec.conflist)) {
      rec.state = 'releasing';
      await this.store.save(rec);
    }
    let delError: unknown;
    if (rec.conflist) {
      const nsGone = !rec.netnsName || !(await netnsExists(rec.netnsName));
      try {
        await this.cni.del(rec.conflist, this.attachment(rec), rec.cniResult ?? undefined);
        if (nsGone) await sweepContainerNatRules(rec.conflist.name, rec.containerId);
      } catch (e) {
        delError = e;
      }
    }
    // The namespace goes even when DEL failed: a retry of DEL works without it (the sweep above
    // covers the rules the bridge plugin then cannot find), and the record stays for that retry.
    if (rec.netnsName) await deleteNetns(rec.netnsName);
    if (delError) throw toTsswarmError(delError);
    await this.store.remove(rec.containerId);
    this.records.delete(rec.containerId);
  }

  private async restore(): Promise<void> {
    const recs = await this.store.loadAll((file, err) =>
      this.log.warn('unreadable sandbox record, ignored', { file, err }),
    );
    for (const rec of recs) this.records.set(rec.containerId, rec);
    for (const rec of recs) {
      let why = '';
      if (rec.state !== 'ready') why = `interrupted while ${rec.state}`;
      else if (!this.defs().some((d) => d.id === rec.networkId)) why = 'network gone';
      else if (rec.netnsName && !(await netnsExists(rec.netnsName))) why = 'namespace gone';
      else if (this.opts.isContainerKnown && !(await this.opts.isContainerKnown(rec.containerId)))
        why = 'container unknown';
      if (why) {
        this.log.info('releasing sandbox', { containerId: rec.containerId, reason: why });
        try {
          await this.locked(rec.containerId, () => this.release(rec));
        } catch (e) {
          this.log.error('release of stale sandbox failed', { containerId: rec.containerId, err: e });
        }
        continue;
      }
      const proxies: PortProxy[] = [];
      for (const p of rec.published) {
        try {
          const proxy = await PortProxy.open({
            containerPort: p.containerPort,
            protocol: p.protocol,
            hostIp: p.hostIp,
            hostPortMin: p.hostPort,
            hostPortMax: p.hostPort,
          });
          proxy.setTarget(rec.ipAddress, p.containerPort);
          proxies.push(proxy);
        } catch (e) {
          this.log.warn('published port taken since restart; only iptables serves it now', {
            containerId: rec.containerId,
            port: p.hostPort,
            err: e,
          });
        }
      }
      this.proxies.set(rec.containerId, proxies);
    }
  }

  /** Creates the bridge if missing, checks it carries no other subnet, sets MTU, address, up. */
  private async ensureBridge(bridgeName: string, address: string | null): Promise<void> {
    const show = await runCommand('ip', ['-j', 'addr', 'show', 'dev', bridgeName]);
    if (show.code !== 0) {
      await runChecked('ip', ['link', 'add', 'name', bridgeName, 'type', 'bridge']);
    } else {
      const [link] = JSON.parse(show.stdout) as Array<{
        addr_info?: Array<{ family: string; local: string; prefixlen: number }>;
      }>;
      const other = (link?.addr_info ?? [])
        .filter((a) => a.family === 'inet')
        .map((a) => `${a.local}/${a.prefixlen}`)
        .find((a) => a !== address);
      if (other) {
        throw new ConflictError(
          `bridge ${bridgeName} carries ${other}, not ${address ?? 'no address'}: it serves another subnet; choose another bridgeName or subnet`,
        );
      }
    }
    await runChecked('ip', ['link', 'set', 'dev', bridgeName, 'mtu', String(this.mtu), 'up']);
    if (address) await runChecked('ip', ['addr', 'replace', address, 'dev', bridgeName]);
    // The bridge plugin turns forwarding on at each ADD too; doing it here makes the state visible early.
    await fs.writeFile('/proc/sys/net/ipv4/ip_forward', '1');
  }

  private readResult(rec: SandboxRecord, result: CniResult): void {
    const ip = result.ips?.find((i) => i.address.includes('.'));
    if (!ip) throw new Error(`CNI result for ${rec.containerId} has no IPv4 address`);
    const [addr, len] = ip.address.split('/');
    rec.ipAddress = addr;
    rec.prefixLen = Number(len);
    rec.gateway = ip.gateway ?? '';
    const iface =
      ip.interface !== undefined ? result.interfaces?.[ip.interface] : result.interfaces?.find((i) => i.sandbox);
    rec.macAddress = iface?.mac ?? '';
  }

  private attachment(rec: SandboxRecord) {
    return {
      containerId: rec.containerId,
      netnsPath: rec.netnsName ? netnsPath(rec.netnsName) : '',
      ifName: 'eth0',
      runtimeConfig: { portMappings: toCniPortMappings(rec.published) },
    };
  }

  private info(rec: SandboxRecord): SandboxInfo {
    const net = { id: rec.networkId };
    const endpoint: EndpointSettings = {
      IPAMConfig: null,
      Links: null,
      Aliases: null,
      MacAddress: rec.macAddress,
      NetworkID: net.id,
      EndpointID: rec.endpointId,
      Gateway: rec.gateway,
      IPAddress: rec.ipAddress,
      IPPrefixLen: rec.prefixLen,
      IPv6Gateway: '',
      GlobalIPv6Address: '',
      GlobalIPv6PrefixLen: 0,
      DriverOpts: null,
      DNSNames: null,
    };
    const nsPath = rec.netnsName ? netnsPath(rec.netnsName) : rec.runtimeNetns ? '' : null;
    return {
      netnsPath: nsPath,
      NetworkName: rec.network,
      NetworkID: net.id,
      EndpointID: rec.endpointId,
      IPAddress: rec.ipAddress,
      IPPrefixLen: rec.prefixLen,
      Gateway: rec.gateway,
      MacAddress: rec.macAddress,
      Ports: rec.conflist ? formatPortMap(rec.published as PublishedPort[], rec.exposed) : {},
      Networks: { [rec.network]: endpoint },
      SandboxKey: nsPath ?? '',
      DnsServers: this.dns.has(rec.networkId) && rec.gateway ? [rec.gateway] : [],
    };
  }

  /** Serves container names on a user-defined network from its gateway (not for internal ones: no address). */
  private async startDns(def: NetworkDef): Promise<void> {
    if (def.internal || !def.gateway || this.dns.has(def.id)) return;
    let upstreams = this.opts.dnsUpstreams ?? [];
    if (!this.opts.dnsUpstreams) {
      try {
        upstreams = resolvConfNameservers(await fs.readFile('/etc/resolv.conf', 'utf8'));
      } catch {
        // no resolv.conf: only container names resolve
      }
    }
    const server = new NetworkDnsServer({
      address: def.gateway,
      clients: parseSubnet(def.subnet!),
      lookup: (name) => this.lookupName(def.id, name),
      upstreams,
    });
    try {
      await server.start();
      this.dns.set(def.id, server);
    } catch (e) {
      this.log.warn('no name server for network (port 53 taken?)', { network: def.name, err: e });
    }
  }

  /** Addresses of the containers on a network answering to `name` (name, hostname, id or short id). */
  private lookupName(networkId: string, name: string): string[] | null {
    const out: string[] = [];
    for (const r of this.records.values()) {
      if (r.networkId !== networkId || r.state !== 'ready' || !r.ipAddress) continue;
      const names = [r.containerName, r.hostname ?? '', r.containerId, r.containerId.slice(0, 12)].map((n) =>
        n.toLowerCase(),
      );
      if (names.includes(name)) out.push(r.ipAddress);
    }
    return out.length ? out : null;
  }

  /** The Linux bridges of this daemon's networks. */
  private bridgeNames(): string[] {
    return [this.bridgeName, ...(this.ids?.custom ?? []).map((d) => d.bridgeName!)];
  }

  /** The built-in networks, then the user-defined ones. */
  private defs(): NetworkDef[] {
    this.requireStarted();
    const ids = this.ids!.networks;
    const base = { builtin: true, internal: false, attachable: false, labels: {}, options: {} };
    return [
      {
        ...base,
        id: ids.bridge.id,
        created: ids.bridge.created,
        name: 'bridge',
        kind: 'bridge',
        bridgeName: this.bridgeName,
        subnet: this.subnet,
        gateway: this.gateway,
      },
      { ...base, id: ids.host.id, created: ids.host.created, name: 'host', kind: 'host' },
      { ...base, id: ids.none.id, created: ids.none.created, name: 'none', kind: 'none' },
      ...(this.ids!.custom ?? []),
    ];
  }

  /** A network by full id, then name, then unique id prefix, as Docker resolves them. */
  private resolveNetwork(idOrName: string): NetworkDef {
    const defs = this.defs();
    const found =
      defs.find((d) => d.id === idOrName) ??
      defs.find((d) => d.name === idOrName) ??
      (idOrName.length > 0 ? single(defs.filter((d) => d.id.startsWith(idOrName))) : undefined);
    if (!found) throw new NotFoundError('network', idOrName, { message: `network ${idOrName} not found` });
    return found;
  }

  private async saveIds(reg: NetworkRegistry): Promise<void> {
    const file = path.join(this.netDir, 'networks.json');
    await fs.writeFile(`${file}.tmp`, JSON.stringify(reg, null, 1));
    await fs.rename(`${file}.tmp`, file);
  }

  /** Network ids and creation times are made once per data root and kept, so they stay stable. */
  private async loadIds(): Promise<NetworkRegistry> {
    const file = path.join(this.netDir, 'networks.json');
    try {
      const ids = JSON.parse(await fs.readFile(file, 'utf8')) as NetworkRegistry;
      if (BUILTIN.every((n) => /^[0-9a-f]{64}$/.test(ids.networks?.[n]?.id ?? ''))) return ids;
      this.log.warn('network ids file malformed, making new ids', { file });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
        this.log.warn('network ids file unreadable, making new ids', { file, err: e });
    }
    const now = new Date().toISOString();
    const ids = { networks: {}, custom: [] } as unknown as NetworkRegistry;
    for (const n of BUILTIN) ids.networks[n] = { id: randomBytes(32).toString('hex'), created: now };
    await this.saveIds(ids);
    return ids;
  }

  private resolveMode(mode: string | undefined): NetworkDef {
    if (mode !== undefined && typeof mode !== 'string') {
      throw new InvalidArgumentError('invalid HostConfig.NetworkMode: want a string');
    }
    if (mode === undefined || mode === '' || mode === 'default')
      return this.resolveNetwork(this.opts.defaultNetwork ?? 'bridge');
    if (mode.startsWith('container:')) {
      throw new InvalidArgumentError(
        `invalid HostConfig.NetworkMode "${mode}": joining another container's network is not supported`,
      );
    }
    return this.resolveNetwork(mode);
  }

  private checkId(containerId: string): void {
    if (typeof containerId !== 'string' || !CONTAINER_ID.test(containerId)) {
      throw new InvalidArgumentError(`invalid container id "${String(containerId)}"`);
    }
  }

  private requireStarted(): void {
    if (!this.ids) throw new ConflictError('network manager is not started');
  }

  /** Runs operations on one container one at a time; different containers run in parallel. */
  private locked<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.locks.set(key, tail);
    void tail.then(() => {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    });
    return next;
  }
}

function single<T>(items: T[]): T | undefined {
  return items.length === 1 ? items[0] : undefined;
}

/** Docker's driver name of a network. */
function driverOf(def: NetworkDef): string {
  return def.kind === 'none' ? 'null' : def.kind;
}

/** The gateway address a bridge carries (none for internal networks). */
function bridgeAddress(def: NetworkDef): string | null {
  if (def.internal || !def.gateway || !def.subnet) return null;
  return `${def.gateway}/${def.subnet.split('/')[1]}`;
}

function subnetsOverlapText(a: string, b: string): boolean {
  return subnetsOverlap(parseSubnet(a), parseSubnet(b));
}
