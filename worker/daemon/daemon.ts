import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { readFileSync, rmSync } from 'node:fs';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { API_VERSION, ENGINE_VERSION } from '../../src/api';
import { createLogger, type Logger } from '../../src/util';
import { ApiServer, createApiApp, parseListen, type ImageBackend } from '../api';
import {
  ContainerdClient,
  ContainerdSupervisor,
  installRuncShimLauncher,
  START_HINTS_DIR,
  type ContentDirectory,
} from '../engine/containerd';
import { ContainerService, ShimStartHints, type ImageResolver } from '../engine/containers';
import { EventBus } from '../events';
import { IngressMesh } from '../network/ingress';
import { NetworkManager, OverlayDriver, OverlaySandboxes, overlayNameServer, resolvConfNameservers } from '../network';
import type { DaemonOptions } from './options';
import { claimPidfile } from './pidfile';
import { consistentReads, serviceRoutes, swarmRoutes, SwarmNetworks } from '../../manager';
import { SwarmNode } from './swarm-node';

/** What the daemon needs to build its image service, given the containerd client. */
export type ImagesFactory = (deps: {
  client: ContainerdClient;
  events: EventBus;
  insecureRegistries: string[];
  maxConcurrentDownloads: number;
  maxConcurrentUploads: number;
  contentDirectory?: ContentDirectory;
  isImageInUse: (id: string) => boolean;
  containerRemovalsSettled: () => Promise<void>;
}) => ImageBackend & ImageResolver;

/**
 * tsswarmd on one host: its containerd (its own, supervised, or one it is pointed at), the
 * network, image and container services, and the Engine API on every -H address.
 */
export class Daemon {
  private supervisor?: ContainerdSupervisor;
  private client?: ContainerdClient;
  private network?: NetworkManager;
  private overlay?: OverlaySandboxes;
  private overlayDriver?: OverlayDriver;
  private containers?: ContainerService;
  private api?: ApiServer;
  private metricsServer?: http.Server;
  private releasePidfile?: () => void;
  private swarm?: SwarmNode;
  private readonly log: Logger;
  readonly events = new EventBus();
  readonly metrics = new Registry();
  private containerdVersion = '';

  constructor(
    private readonly o: DaemonOptions,
    private readonly imagesFactory: ImagesFactory,
  ) {
    this.log = createLogger('tsswarmd');
  }

  async start(): Promise<void> {
    const o = this.o;
    this.releasePidfile = claimPidfile(o.pidfile);
    try {
      // Before containerd starts: on a restart it reloads the shims of running tasks through it.
      const runtimePath = await installRuncShimLauncher(path.join(o.dataRoot, 'bin'));
      if (!runtimePath) this.log.warn('runc shim launcher not installed; tasks get the stock shim');
      let address = o.containerd;
      if (!address) {
        this.supervisor = new ContainerdSupervisor({ dataRoot: o.dataRoot, logger: this.log.child('containerd') });
        await this.supervisor.start();
        address = this.supervisor.address;
      }
      this.client = await ContainerdClient.connect(address, { namespace: o.containerdNamespace });
      this.containerdVersion = (await this.client.version()).version;
      this.network = new NetworkManager({
        dataRoot: o.dataRoot,
        bridgeName: o.bridgeName,
        subnet: o.bridgeSubnet,
        defaultNetwork: o.defaultNetwork,
        events: this.events,
        logger: this.log.child('network') as never,
      });
      // Overlay networks of swarm tasks: their namespaces take the bridge's name as prefix (unique
      // per daemon on a machine), 127.0.0.11 of their containers goes to a name server on the
      // bridge's gateway, which every task container reaches through its eth0.
      const driver = (this.overlayDriver = new OverlayDriver({
        prefix: this.network.bridgeName,
        dns: { address: this.network.gateway, port: 53 },
        logger: this.log.child('overlay') as never,
      }));
      const mesh = new IngressMesh({
        prefix: this.network.bridgeName,
        driver,
        logger: this.log.child('ingress') as never,
      });
      const overlay = (this.overlay = new OverlaySandboxes({
        network: this.network,
        driver,
        mesh,
        nameServer: overlayNameServer(driver, {
          address: this.network.gateway,
          port: 53,
          upstreams: hostNameservers(),
        }),
        logger: this.log.child('overlay') as never,
      }));
      const holder: { containers?: ContainerService } = {};
      const images = this.imagesFactory({
        client: this.client,
        events: this.events,
        insecureRegistries: o.insecureRegistries,
        maxConcurrentDownloads: o.maxConcurrentDownloads,
        maxConcurrentUploads: o.maxConcurrentUploads,
        contentDirectory: this.supervisor?.contentDirectory(),
        isImageInUse: (id) => holder.containers?.usesImage(id) ?? false,
        containerRemovalsSettled: () => holder.containers?.removalsSettled() ?? Promise.resolve(),
      });
      const containers = new ContainerService({
        client: this.client,
        runtimePath,
        // The bundles of a containerd we do not run are not ours to read.
        shimHints:
          runtimePath && this.supervisor
            ? new ShimStartHints(
                path.join(path.dirname(runtimePath), START_HINTS_DIR),
                this.supervisor.taskBundles(o.containerdNamespace),
              )
            : undefined,
        images,
        network: overlay,
        dataRoot: o.dataRoot,
        cgroupParent: o.cgroupParent,
        events: this.events,
        logger: this.log.child('containers'),
      });
      this.containers = holder.containers = containers;
      await this.network.start();
      await overlay.start();
      await containers.restore();
      const reqs = new Counter({
        name: 'tsswarm_api_requests_total',
        help: 'Engine API requests',
        labelNames: ['method', 'status'],
        registers: [this.metrics],
      });
      new Gauge({
        name: 'tsswarm_containers',
        help: 'Containers by state',
        labelNames: ['state'],
        registers: [this.metrics],
        collect() {
          const c = containers.counts();
          this.set({ state: 'running' }, c.running);
          this.set({ state: 'paused' }, c.paused);
          this.set({ state: 'stopped' }, c.stopped);
        },
      });
      collectDefaultMetrics({ register: this.metrics, prefix: 'tsswarm_' });
      const swarm = (this.swarm = new SwarmNode({
        dataRoot: o.dataRoot,
        logger: this.log.child('swarm'),
        raftTickMs: o.raftTickMs,
        tasks: { containers, images, events: this.events, networks: overlay },
      }));
      await swarm.start();
      const app = createApiApp({
        containers,
        images,
        network: this.network,
        swarmNetworks: new SwarmNetworks(swarm),
        events: this.events,
        system: {
          info: () => this.info(),
          containerdVersion: () => this.containerdVersion,
          swarmState: () => swarm.pingState(),
        },
        logger: this.log.child('api'),
        onRequest: (method, _route, status) => reqs.inc({ method, status: String(status) }),
        beforeRoutes: [consistentReads(swarm)],
        extraRouters: [swarmRoutes(swarm), serviceRoutes(swarm)],
      });
      this.api = new ApiServer(app, containers);
      for (const h of o.hosts) await this.api.listen(parseListen(h), o.tls);
      if (o.metricsAddr) await this.serveMetrics(o.metricsAddr);
      this.events.publish('daemon', 'start', os.hostname(), {});
      this.log.info('tsswarmd is serving', { hosts: o.hosts, dataRoot: o.dataRoot, containerd: address });
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  private async serveMetrics(addr: string): Promise<void> {
    const [host, port] = addr.includes(':')
      ? [addr.slice(0, addr.lastIndexOf(':')), Number(addr.slice(addr.lastIndexOf(':') + 1))]
      : ['127.0.0.1', Number(addr)];
    this.metricsServer = http.createServer(async (req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': this.metrics.contentType });
      res.end(await this.metrics.metrics());
    });
    await new Promise<void>((resolve, reject) =>
      this.metricsServer!.once('error', reject).listen(port, host, () => resolve()),
    );
  }

  /** GET /info, in Docker's shape. */
  info(): Record<string, unknown> {
    const c = this.containers?.counts() ?? { total: 0, running: 0, paused: 0, stopped: 0 };
    let cgroupVersion = '1';
    try {
      cgroupVersion = readFileSync('/proc/mounts', 'utf8').includes(' /sys/fs/cgroup cgroup2 ') ? '2' : '1';
    } catch {
      /* keep 1 */
    }
    return {
      ID: '',
      Containers: c.total,
      ContainersRunning: c.running,
      ContainersPaused: c.paused,
      ContainersStopped: c.stopped,
      Images: 0,
      Driver: 'overlayfs',
      DriverStatus: [],
      Plugins: { Volume: ['local'], Network: ['bridge', 'host', 'null'], Authorization: null, Log: ['json-file'] },
      MemoryLimit: true,
      SwapLimit: false,
      CpuCfsPeriod: true,
      CpuCfsQuota: true,
      CPUShares: true,
      PidsLimit: true,
      IPv4Forwarding: true,
      Debug: this.o.logLevel === 'debug',
      NFd: 0,
      NGoroutines: 0,
      SystemTime: new Date().toISOString(),
      LoggingDriver: 'json-file',
      CgroupDriver: 'cgroupfs',
      CgroupVersion: cgroupVersion,
      NEventsListener: 0,
      KernelVersion: os.release(),
      OperatingSystem: osName(),
      OSVersion: '',
      OSType: 'linux',
      Architecture: os.machine(),
      IndexServerAddress: 'https://index.docker.io/v1/',
      RegistryConfig: { InsecureRegistryCIDRs: ['127.0.0.0/8'], IndexConfigs: {}, Mirrors: [] },
      NCPU: os.cpus().length,
      MemTotal: os.totalmem(),
      DockerRootDir: this.o.dataRoot,
      Name: os.hostname(),
      Labels: [],
      ExperimentalBuild: false,
      ServerVersion: ENGINE_VERSION,
      Runtimes: { runc: { path: 'runc' } },
      DefaultRuntime: 'runc',
      Swarm: this.swarm?.info() ?? {
        NodeID: '',
        NodeAddr: '',
        LocalNodeState: 'inactive',
        ControlAvailable: false,
        Error: '',
        RemoteManagers: null,
      },
      LiveRestoreEnabled: true,
      Isolation: '',
      InitBinary: '',
      ContainerdCommit: { ID: this.containerdVersion, Expected: this.containerdVersion },
      RuncCommit: { ID: '', Expected: '' },
      SecurityOptions: ['name=seccomp,profile=builtin'],
      Warnings: [],
      ApiVersion: API_VERSION,
    };
  }

  /**
   * Stops serving; containers keep running and are re-adopted by the next start. Idempotent.
   * With teardown (tests, uninstall) the daemon's bridge, rules and containerd state go too.
   */
  async stop(opts: { teardown?: boolean } = {}): Promise<void> {
    await this.api?.close();
    this.api = undefined;
    await this.swarm?.stop();
    this.swarm = undefined;
    await new Promise<void>((r) => (this.metricsServer ? this.metricsServer.close(() => r()) : r()));
    this.metricsServer = undefined;
    await this.containers?.close();
    await this.overlay?.stop();
    if (opts.teardown) await this.overlayDriver?.sweep(true).catch(() => undefined);
    if (opts.teardown) await this.network?.teardown().catch((err) => this.log.warn('network teardown failed', { err }));
    await this.network?.stop();
    this.client?.close();
    this.client = undefined;
    await this.supervisor?.stop();
    if (opts.teardown && this.supervisor) rmSync(this.supervisor.stateDir, { recursive: true, force: true });
    this.supervisor = undefined;
    this.releasePidfile?.();
    this.releasePidfile = undefined;
  }
}

/** The host's resolvers, for the names the overlay name server does not know. */
function hostNameservers(): string[] {
  try {
    return resolvConfNameservers(readFileSync('/etc/resolv.conf', 'utf8'));
  } catch {
    return [];
  }
}

function osName(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'));
    return m?.[1] ?? 'Linux';
  } catch {
    return 'Linux';
  }
}
