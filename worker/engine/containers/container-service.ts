import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { Readable } from 'node:stream';
import {
  ConflictError,
  InvalidArgumentError,
  NotFoundError,
  NotModifiedError,
  NULL_EVENT_SINK,
  type EventSink,
} from '../../../src/api';
import { createLogger, type Logger } from '../../../src/util';
import { containerHostsFile, containerResolvConf, type NetworkManager, type SandboxInfo } from '../../network';
import { isNotFound, type ContainerdClient, type Mount } from '../containerd';
import { initialState, toInspect, toSummary, type ContainerRecord, type MountPoint } from './container-record';
import { parseContainerCreate, validateBind, validateContainerName } from './create-schema';
import { ContainerHealth } from './container-health';
import { ExecService } from './exec-service';
import { healthConfigOf, mergeHealthcheck } from './health-config';
import { healthFilterMatches, validateHealthFilter } from './health-filter';
import { fifoHelper } from './fifo-helper';
import { closeFd, fifoReader, openFifoReadEnd } from './fifo';
import { JsonFileLog, readLogs, type ReadLogsOptions } from './json-file-log';
import { randomName } from './names';
import { buildOciSpec, mergeEnv, processArgs, processEnv, resolveUser, type OciMount } from './oci-spec';
import { restartDelayMs, shouldRestart } from './restart-policy';
import { PendingRemovals } from './pending-removals';
import { StdinPipe } from './stdin-pipe';
import { RecordWriter } from './record-writer';
import { SHIM_GROUP_ANNOTATION, ShimGroups } from './shim-groups';
import type { ShimStartHints } from './shim-start-hints';
import { processStartTime, signalInit } from './init-signal';
import { writeSmallFile } from './small-files';

const run = promisify(execFile);

/** What the container service needs of the image service. */
export interface ImageResolver {
  resolveForRun(
    ref: string,
  ): Promise<{ id: string; name: string; config: OciImageConfig; chainId: string; snapshotter?: string }>;
}

/** The parts of an OCI image config a container starts from. */
export interface OciImageConfig {
  config?: {
    Env?: string[] | null;
    Cmd?: string[] | null;
    Entrypoint?: string[] | null;
    WorkingDir?: string;
    User?: string;
    Labels?: Record<string, string> | null;
    StopSignal?: string;
    ExposedPorts?: Record<string, object> | null;
    /** Docker's HealthConfig, as built images carry it; read through healthConfigOf. */
    Healthcheck?: unknown;
  };
}

export interface ContainerServiceOptions {
  client: ContainerdClient;
  images: ImageResolver;
  network: Pick<NetworkManager, 'createSandbox' | 'releaseSandbox'>;
  dataRoot: string;
  /** cgroup parent of every container, so that several daemons on one machine stay apart; default "tsswarm". */
  cgroupParent?: string;
  runtime?: string;
  /** The shim program of its tasks (installRuncShimLauncher); default the one `runtime` names. */
  runtimePath?: string;
  /** Start hints for that program (only with the launcher, and a containerd whose bundles we know). */
  shimHints?: ShimStartHints;
  events?: EventSink;
  logger?: Logger;
}

export interface ListOptions {
  all?: boolean;
  limit?: number;
  filters?: Record<string, string[]>;
}

/** The filters GET /containers/json takes. */
export const CONTAINER_LIST_FILTERS: readonly string[] = [
  'id',
  'name',
  'label',
  'status',
  'exited',
  'ancestor',
  'before',
  'since',
  'network',
  'volume',
  'health',
  'is-task',
];

const SIGNALS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGWINCH: 28,
  SIGIO: 29,
  SIGPWR: 30,
  SIGSYS: 31,
};

/** "TERM", "SIGTERM", "15" -> 15; InvalidArgumentError otherwise. */
export function parseSignal(sig: string | number | undefined, fallback = 15): number {
  if (sig === undefined || sig === '') return fallback;
  if (typeof sig === 'number' || /^\d+$/.test(sig)) {
    const n = Number(sig);
    if (n < 1 || n > 64) throw new InvalidArgumentError(`invalid signal: ${sig}`);
    return n;
  }
  const name = sig.toUpperCase().startsWith('SIG') ? sig.toUpperCase() : `SIG${sig.toUpperCase()}`;
  const n = SIGNALS[name];
  if (!n) throw new InvalidArgumentError(`invalid signal: ${sig}`);
  return n;
}

/** In a removed container's directory until its cleanup is done: { Volumes } of the removal. */
const REMOVAL_MARKER = 'removal.json';

interface Live {
  log: JsonFileLog;
  /** Resolves when stdout and stderr have reached EOF. */
  drained?: Promise<void>;
  exitWaiters: Array<(code: number) => void>;
  removeWaiters: Array<(code: number) => void>;
  restartTimer?: NodeJS.Timeout;
  consecutiveRestarts: number;
  /** The FIFO readers, dropped on close() as a stopping daemon drops them. */
  readers: Set<Socket>;
  /** OpenStdin containers only. */
  stdin?: StdinPipe;
  /** The last exit's handling deleted the task and the container from containerd and released the network. */
  cleaned?: boolean;
  /** The last exit's sandbox release. */
  released?: Promise<unknown>;
  /** A start() waiting for or holding the lock; a removal lets it finish first. */
  starting?: Promise<void>;
  /** Start time of the running init process (init-signal.ts), read when it started or was re-adopted. */
  initStart?: string;
}

/**
 * Containers on this host, the way dockerd runs them: containerd holds the container while it
 * runs, its rootfs is an overlayfs snapshot of the image, runc's shim writes stdio into FIFOs
 * that the daemon copies into a json-file log. Records live under <dataRoot>/containers, so a
 * restarted daemon re-adopts what is running (live restore).
 */
export class ContainerService {
  private readonly records = new Map<string, ContainerRecord>();
  private readonly live = new Map<string, Live>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly removals: PendingRemovals;
  /** Which runc shim each container's task joins. */
  private readonly shims = new ShimGroups();
  /** Names of containers whose create is under way, with their IDs. */
  private readonly namesInCreation = new Map<string, string>();
  private readonly writer: RecordWriter;
  private readonly root: string;
  private readonly cgroupParent: string;
  private readonly runtime: string;
  private readonly events: EventSink;
  private readonly log: Logger;
  private abort?: AbortController;
  private stopped = true;
  /** The exec instances of these containers. */
  readonly execs: ExecService;
  /** Their health checks. */
  private readonly health: ContainerHealth;

  constructor(private readonly o: ContainerServiceOptions) {
    this.root = path.join(o.dataRoot, 'containers');
    this.writer = new RecordWriter((id) => path.join(this.root, id, 'config.v2.json'));
    this.cgroupParent = o.cgroupParent ?? 'tsswarm';
    this.runtime = o.runtime ?? 'io.containerd.runc.v2';
    this.events = o.events ?? NULL_EVENT_SINK;
    this.log = o.logger ?? createLogger('containers');
    this.removals = new PendingRemovals(this.log);
    this.execs = new ExecService({
      client: o.client,
      root: this.root,
      lookup: (id) => this.get(id),
      logger: this.log.child('exec'),
      events: this.events,
    });
    this.health = new ContainerHealth({
      execs: this.execs,
      events: this.events,
      persist: (r) => this.persist(r),
      logger: this.log.child('health'),
    });
  }

  // ---- life cycle of the service -------------------------------------------------------

  /**
   * Loads the records, subscribes to containerd's task events and reconciles with its tasks
   * (live restore). The service's start; start(id) starts a container.
   */
  async restore(): Promise<void> {
    this.stopped = false;
    mkdirSync(this.root, { recursive: true });
    for (const id of readdirSync(this.root)) {
      const file = path.join(this.root, id, 'config.v2.json');
      if (!existsSync(file)) continue;
      try {
        const r = JSON.parse(readFileSync(file, 'utf8')) as ContainerRecord;
        const marker = path.join(this.root, id, REMOVAL_MARKER);
        if (existsSync(marker)) r.Removed = readRemovalMarker(marker);
        // (a record with Removed set is the tombstone of a daemon before the marker file)
        if (r.Removed) {
          // Removed before the last stop, its cleanup unfinished: it is not loaded, and is finished now.
          this.removals.add(r.Id, () => this.withLock(r.Id, () => this.finishRemoval(r, true)));
          continue;
        }
        this.records.set(r.Id, r);
        this.liveOf(r);
      } catch (err) {
        this.log.warn('skipping unreadable container record', { id, err });
      }
    }
    this.subscribe();
    await this.reconcile();
    this.o.client.on('reconnect', this.onReconnect);
  }

  private readonly onReconnect = () => {
    this.log.info('containerd is back; reconciling containers');
    this.subscribe();
    this.removals.retryNow();
    this.reconcile().catch((err) => this.log.error('reconcile failed', { err }));
  };

  /**
   * Stops watching; containers keep running (they are re-adopted by the next restore). Cleanups
   * of removed containers get a few seconds to end; the next restore finishes any left. Idempotent.
   */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.o.client.off('reconnect', this.onReconnect);
    this.removals.stop();
    await this.removals.settled(5000);
    await this.writer.flushAll();
    this.abort?.abort();
    this.health.close();
    this.execs.close();
    for (const l of this.live.values()) {
      if (l.restartTimer) clearTimeout(l.restartTimer);
      for (const sock of l.readers) sock.destroy();
      l.readers.clear();
      l.stdin?.close(false);
    }
  }

  private subscribe(): void {
    this.abort?.abort();
    const ac = new AbortController();
    this.abort = ac;
    (async () => {
      for await (const ev of this.o.client.events.subscribe(['topic~="/tasks/"'], ac.signal)) {
        const e = ev.event as { containerId?: string; id?: string; exitStatus?: number } | undefined;
        if (!e?.containerId || !this.records.has(e.containerId)) continue;
        if (ev.topic === '/tasks/exit' && (e.id === e.containerId || !e.id)) {
          this.withLock(e.containerId, () => this.handleExit(e.containerId!, e.exitStatus ?? 0)).catch((err) =>
            this.log.error('exit handling failed', { id: e.containerId, err }),
          );
        } else if (ev.topic === '/tasks/oom') {
          const r = this.records.get(e.containerId)!;
          r.State.OOMKilled = true;
          this.events.publish('container', 'oom', r.Id, { name: r.Name.slice(1) });
        }
      }
    })().catch((err) => {
      if (!ac.signal.aborted) this.log.warn('containerd event stream ended', { err });
    });
  }

  /** Brings records in line with containerd's tasks: re-attaches to running ones, finishes exited ones. */
  async reconcile(): Promise<void> {
    const tasks = new Map((await this.o.client.tasks.list()).map((t) => [t.containerId, t]));
    for (const r of this.records.values()) {
      const t = tasks.get(r.Id);
      if (t && (t.status === 'RUNNING' || t.status === 'PAUSED')) {
        if (!r.State.Running) this.setRunning(r, t.pid);
        const l = this.liveOf(r);
        l.initStart ??= processStartTime(t.pid);
        if (!l.drained) l.drained = this.drainFifos(r, l.log, this.openInitFifos(r));
        this.health.adopt(r);
        this.persist(r);
      } else if (t && t.status === 'STOPPED') {
        await this.withLock(r.Id, () => this.handleExit(r.Id, t.exitStatus));
      } else if (r.State.Running || r.State.Restarting) {
        // The task is gone (the machine rebooted or containerd lost it): it exited unseen.
        await this.withLock(r.Id, () => this.handleExit(r.Id, 255));
      }
    }
  }

  // ---- queries ------------------------------------------------------------------------

  /** By full id, name (with or without "/"), or unique id prefix. */
  get(idOrName: string): ContainerRecord {
    const byId = this.records.get(idOrName);
    if (byId) return byId;
    const name = idOrName.startsWith('/') ? idOrName : `/${idOrName}`;
    for (const r of this.records.values()) if (r.Name === name) return r;
    if (idOrName.length > 0 && /^[0-9a-f]+$/.test(idOrName)) {
      const hits = [...this.records.values()].filter((r) => r.Id.startsWith(idOrName));
      if (hits.length === 1) return hits[0];
      if (hits.length > 1) throw new InvalidArgumentError(`multiple IDs found with provided prefix: ${idOrName}`);
    }
    throw new NotFoundError('container', idOrName);
  }

  inspect(idOrName: string): Record<string, unknown> {
    const r = this.get(idOrName);
    const execIds = this.execs.idsOf(r.Id);
    return { ...toInspect(r), ExecIDs: execIds.length ? execIds : null };
  }

  /** True when some container's image is this image id. */
  usesImage(imageId: string): boolean {
    for (const r of this.records.values()) if (r.Image === imageId) return true;
    return false;
  }

  counts(): { total: number; running: number; paused: number; stopped: number } {
    let running = 0;
    let paused = 0;
    for (const r of this.records.values()) {
      if (r.State.Paused) paused++;
      else if (r.State.Running) running++;
    }
    return { total: this.records.size, running, paused, stopped: this.records.size - running - paused };
  }

  list(o: ListOptions = {}): Array<Record<string, unknown>> {
    const f = o.filters ?? {};
    for (const k of Object.keys(f)) {
      if (!CONTAINER_LIST_FILTERS.includes(k)) {
        throw new InvalidArgumentError(`Invalid filter '${k}'`);
      }
    }
    validateHealthFilter(f.health);
    for (const s of f.status ?? []) {
      if (!['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'].includes(s)) {
        throw new InvalidArgumentError(`Invalid filter 'status=${s}'`);
      }
    }
    let rs = [...this.records.values()].sort((a, b) => Date.parse(b.Created) - Date.parse(a.Created));
    const all = o.all || (f.status?.length ?? 0) > 0 || (f.exited?.length ?? 0) > 0;
    if (!all) rs = rs.filter((r) => r.State.Running);
    const before = f.before?.[0] ? this.get(f.before[0]).Created : undefined;
    const since = f.since?.[0] ? this.get(f.since[0]).Created : undefined;
    rs = rs.filter((r) => {
      if (f.id && !f.id.some((v) => r.Id.startsWith(v))) return false;
      if (f.name && !f.name.some((v) => r.Name.slice(1).includes(v.replace(/^\//, '')))) return false;
      if (f.status && !f.status.includes(r.State.Status)) return false;
      if (f.exited && !(r.State.Status === 'exited' && f.exited.map(Number).includes(r.State.ExitCode))) return false;
      if (f.label && !f.label.every((l) => labelMatches(r.Config.Labels ?? {}, l))) return false;
      if (
        f.ancestor &&
        !f.ancestor.some((a) => r.Config.Image === a || r.Image === a || r.Image.replace('sha256:', '').startsWith(a))
      )
        return false;
      if (f.network && !f.network.some((n) => r.Sandbox?.NetworkName === n || r.Sandbox?.NetworkID === n)) return false;
      if (
        f.volume &&
        !f.volume.some((v) => r.Mounts.some((m) => m.Name === v || m.Destination === v || m.Source === v))
      )
        return false;
      if (f.health && !healthFilterMatches(r, f.health)) return false;
      if (before && Date.parse(r.Created) >= Date.parse(before)) return false;
      if (since && Date.parse(r.Created) <= Date.parse(since)) return false;
      return true;
    });
    if (o.limit && o.limit > 0) rs = rs.slice(0, o.limit);
    return rs.map((r) => toSummary(r, r.Config.Image));
  }

  // ---- create -------------------------------------------------------------------------

  /** POST /containers/create. A failure leaves nothing behind. */
  async create(body: unknown, name?: string): Promise<{ Id: string; Warnings: string[] }> {
    const cfg = parseContainerCreate(body);
    const id = randomBytes(32).toString('hex');
    let cname = name ? validateContainerName(name) : '';
    if (cname) this.checkNameFree(cname);
    else {
      do cname = randomName();
      while (this.nameHolder(`/${cname}`));
    }
    // The name is taken from here on, though the record comes only after the awaits below.
    this.namesInCreation.set(`/${cname}`, id);
    try {
      return await this.createNamed(cfg, id, cname);
    } finally {
      this.namesInCreation.delete(`/${cname}`);
    }
  }

  /** The ID of the container that has `name` ("/x"), or is being created with it. */
  private nameHolder(name: string): string | undefined {
    return this.namesInCreation.get(name) ?? [...this.records.values()].find((r) => r.Name === name)?.Id;
  }

  private checkNameFree(n: string, self?: string): void {
    const holder = this.nameHolder(`/${n}`);
    if (holder && holder !== self)
      throw new ConflictError(
        `Conflict. The container name "/${n}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
  }

  private async createNamed(
    cfg: ReturnType<typeof parseContainerCreate>,
    id: string,
    cname: string,
  ): Promise<{ Id: string; Warnings: string[] }> {
    const hc = cfg.HostConfig ?? {};
    const mode = hc.NetworkMode || 'default';
    if (mode.startsWith('container:'))
      throw new InvalidArgumentError(`HostConfig.NetworkMode: ${mode} is not supported`);
    const image = await this.o.images.resolveForRun(cfg.Image);
    const ic = image.config.config ?? {};
    const dir = path.join(this.root, id);
    const snapshotter = image.snapshotter ?? 'overlayfs';
    const snaps = this.o.client.snapshotter(snapshotter);
    let prepared = false;
    try {
      const args = processArgs(ic, cfg);
      if (args.length === 0) throw new InvalidArgumentError('no command specified');
      const mounts = this.resolveMounts(hc.Binds ?? [], hc.Mounts ?? []);
      mkdirSync(dir, { recursive: true });
      await snaps.prepare(id, image.chainId, { 'containerd.io/gc.root': new Date().toISOString() });
      prepared = true;
      const hostname =
        cfg.Hostname || (mode === 'host' ? readFileSync('/etc/hostname', 'utf8').trim() : id.slice(0, 12));
      const rec: ContainerRecord = {
        Id: id,
        Name: `/${cname}`,
        Created: new Date().toISOString(),
        Path: args[0],
        Args: args.slice(1),
        Image: image.id,
        Config: {
          ...cfg,
          Hostname: hostname,
          Image: cfg.Image,
          Env: mergeEnv(ic.Env ?? [], cfg.Env ?? []),
          Cmd: cfg.Cmd ?? ic.Cmd ?? null,
          Entrypoint: cfg.Entrypoint ?? ic.Entrypoint ?? null,
          WorkingDir: cfg.WorkingDir || ic.WorkingDir || '',
          User: cfg.User ?? ic.User ?? '',
          Labels: { ...(ic.Labels ?? {}), ...(cfg.Labels ?? {}) },
          StopSignal: cfg.StopSignal || ic.StopSignal || 'SIGTERM',
          ExposedPorts: { ...(ic.ExposedPorts ?? {}), ...(cfg.ExposedPorts ?? {}) } as Record<
            string,
            Record<string, never>
          >,
          Healthcheck: mergeHealthcheck(cfg.Healthcheck, healthConfigOf(ic.Healthcheck)),
        },
        HostConfig: { ...hc, NetworkMode: mode },
        State: initialState(),
        RestartCount: 0,
        Mounts: mounts,
        LogPath: path.join(dir, `${id}-json.log`),
        HostnamePath: path.join(dir, 'hostname'),
        HostsPath: path.join(dir, 'hosts'),
        ResolvConfPath: path.join(dir, 'resolv.conf'),
        Snapshotter: snapshotter,
        StoppedByUser: false,
      };
      delete (rec.Config as Record<string, unknown>).HostConfig;
      // Resolve the user now, so that a bad --user fails create, as in Docker.
      await this.userOf(rec);
      for (const m of mounts) if (m.Type === 'volume') mkdirSync(m.Source, { recursive: true });
      this.records.set(id, rec);
      this.liveOf(rec);
      await this.persist(rec);
    } catch (err) {
      this.records.delete(id);
      this.live.delete(id);
      if (prepared) await snaps.remove(id).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    this.events.publish('container', 'create', id, { name: cname, image: cfg.Image });
    return { Id: id, Warnings: [] };
  }

  private resolveMounts(
    binds: string[],
    mounts: Array<{ Type: string; Source?: string; Target: string; ReadOnly?: boolean }>,
  ): MountPoint[] {
    const volume = (name: string, target: string, rw: boolean, mode: string): MountPoint => ({
      Type: 'volume',
      Name: name,
      Source: path.join(this.o.dataRoot, 'volumes', name, '_data'),
      Destination: target,
      Driver: 'local',
      Mode: mode,
      RW: rw,
      Propagation: '',
    });
    const bind = (source: string, target: string, rw: boolean, mode: string): MountPoint => {
      if (!existsSync(source)) {
        throw new InvalidArgumentError(
          `invalid mount config for type "bind": bind source path does not exist: ${source}`,
        );
      }
      return { Type: 'bind', Source: source, Destination: target, Mode: mode, RW: rw, Propagation: 'rprivate' };
    };
    const out: MountPoint[] = [];
    for (const b of binds) {
      const v = validateBind(b);
      out.push(
        v.isVolume
          ? volume(v.source, v.target, !v.readOnly, v.readOnly ? 'ro' : 'z')
          : bind(v.source, v.target, !v.readOnly, v.readOnly ? 'ro' : ''),
      );
    }
    for (const [i, m] of mounts.entries()) {
      if (!m.Target.startsWith('/'))
        throw new InvalidArgumentError(`HostConfig.Mounts.${i}.Target: must be an absolute path`);
      if (m.Type === 'bind') {
        if (!m.Source || !path.isAbsolute(m.Source))
          throw new InvalidArgumentError(`HostConfig.Mounts.${i}.Source: a bind mount needs an absolute source path`);
        out.push(bind(m.Source, m.Target, !m.ReadOnly, ''));
      } else if (m.Type === 'volume') {
        out.push(volume(m.Source || randomBytes(32).toString('hex'), m.Target, !m.ReadOnly, 'z'));
      } else {
        out.push({ Type: 'tmpfs', Source: '', Destination: m.Target, Mode: '', RW: true, Propagation: '' });
      }
    }
    return out;
  }

  /** uid/gid of the container's user, read from the image's /etc/passwd when given by name. */
  private async userOf(r: ContainerRecord): Promise<{ uid: number; gid: number; additionalGids: number[] }> {
    const user = r.Config.User ?? '';
    if (user === '' || /^\d+(:\d+)?$/.test(user)) {
      const [u = '0', g] = user.split(':');
      return { uid: Number(u || 0), gid: Number(g ?? 0), additionalGids: [] };
    }
    const mounts = await this.o.client.snapshotter(r.Snapshotter).mounts(r.Id);
    const dir = mkdtempSync(path.join(tmpdir(), 'tsswarm-rootfs-'));
    try {
      await mountAll(mounts, dir, true);
      const read = (f: string) => (existsSync(path.join(dir, f)) ? readFileSync(path.join(dir, f), 'utf8') : '');
      try {
        return resolveUser(user, read('etc/passwd'), read('etc/group'));
      } catch (err) {
        throw new InvalidArgumentError((err as Error).message);
      } finally {
        await run('umount', [dir]).catch(() => undefined);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  // ---- start / stop -------------------------------------------------------------------

  async start(idOrName: string): Promise<void> {
    const r = this.get(idOrName);
    const starting = this.withLock(r.Id, async () => {
      if (!this.records.has(r.Id)) throw new NotFoundError('container', idOrName);
      if (r.State.Running) throw new NotModifiedError('container already started');
      if (r.State.Status === 'removing')
        throw new ConflictError(`container ${r.Id} is marked for removal and cannot be started`);
      r.StoppedByUser = false;
      const l = this.liveOf(r);
      if (l.restartTimer) clearTimeout(l.restartTimer);
      l.restartTimer = undefined;
      await this.startTask(r);
    });
    const l = this.liveOf(r);
    l.starting = starting;
    try {
      await this.removals.yieldTo(starting);
    } finally {
      if (l.starting === starting) l.starting = undefined;
    }
    this.events.publish('container', 'start', r.Id, { name: r.Name.slice(1), image: r.Config.Image });
  }

  private async startTask(r: ContainerRecord): Promise<void> {
    const client = this.o.client;
    let sandbox: SandboxInfo | undefined;
    let containerCreated = false;
    let taskCreated = false;
    let recorded: Promise<void> | undefined;
    this.liveOf(r).cleaned = false;
    // The FIFOs do not depend on the sandbox: mkfifo runs while the namespace is made.
    const fifos = this.fifoPaths(r);
    for (const f of Object.values(fifos)) rmSync(f, { force: true });
    const fifosMade = fifoHelper.make(Object.values(fifos));
    fifosMade.catch(() => undefined); // awaited below; not unhandled when the sandbox fails first
    try {
      const hc = r.HostConfig;
      sandbox = await this.o.network.createSandbox(r.Id, {
        networkMode: hc.NetworkMode ?? 'default',
        portBindings: (hc.PortBindings ?? undefined) as never,
        exposedPorts: (r.Config.ExposedPorts ?? undefined) as never,
        name: r.Name,
        hostname: r.Config.Hostname,
        runtimeNamespace: true,
      });
      r.Sandbox = sandbox;
      const [user] = await Promise.all([this.userOf(r), this.writeEtcFiles(r, sandbox)]);
      const spec = buildOciSpec({
        args: [r.Path, ...r.Args],
        env: processEnv(r.Config.Env, r.Config.Hostname),
        cwd: r.Config.WorkingDir || '/',
        ...user,
        terminal: !!r.Config.Tty,
        hostname: r.Config.Hostname,
        netnsPath: sandbox.netnsPath,
        mounts: this.ociMounts(r),
        cgroupsPath: `/${this.cgroupParent}/${r.Id}`,
        annotations: { [SHIM_GROUP_ANNOTATION]: this.shims.join(r.Id) },
        memoryBytes: hc.Memory || undefined,
        nanoCpus: hc.NanoCpus || undefined,
        cpuShares: hc.CpuShares || undefined,
        cpuQuota: hc.CpuQuota || undefined,
        cpuPeriod: hc.CpuPeriod || undefined,
        pidsLimit: hc.PidsLimit ?? undefined,
        capAdd: hc.CapAdd ?? undefined,
        capDrop: hc.CapDrop ?? undefined,
        privileged: hc.Privileged,
        readonlyRootfs: hc.ReadonlyRootfs,
        securityOpt: hc.SecurityOpt ?? undefined,
      });
      await client.containers.create({
        id: r.Id,
        image: r.Config.Image,
        spec,
        snapshotter: r.Snapshotter,
        snapshotKey: r.Id,
        runtime: this.runtime,
        labels: { 'tsswarm.container.name': r.Name.slice(1) },
      });
      containerCreated = true;
      const rootfs: Mount[] = await client.snapshotter(r.Snapshotter).mounts(r.Id);
      await fifosMade;
      const l = this.liveOf(r);
      l.log.reopen();
      if (l.stdin) await l.stdin.open();
      // Opened without blocking before the create: the shim's own open of its end then finds
      // a reader at once, and no thread of the pool waits for a shim meanwhile.
      const readEnds = this.openInitFifos(r);
      let task: { pid: number };
      try {
        const io = {
          stdin: l.stdin?.file ?? '',
          stdout: fifos.stdout,
          stderr: r.Config.Tty ? '' : fifos.stderr,
          terminal: !!r.Config.Tty,
        };
        const create = () => client.tasks.create(r.Id, rootfs, io, { runtimePath: this.o.runtimePath });
        const creating = this.o.shimHints ? this.o.shimHints.create(r.Id, this.shims, create) : create();
        this.shims.creating(r.Id, creating);
        task = await creating;
      } catch (err) {
        for (const [, fd] of readEnds) closeFd(fd);
        throw err;
      }
      taskCreated = true;
      l.drained = this.drainFifos(r, l.log, readEnds);
      await client.tasks.start(r.Id);
      // The namespace runc made is the init process's.
      if (sandbox.netnsPath === '') r.Sandbox = { ...sandbox, SandboxKey: `/proc/${task.pid}/ns/net` };
      this.setRunning(r, task.pid);
      this.health.started(r);
      recorded = this.persist(r);
      l.stdin?.started();
    } catch (err) {
      await this.shims.leave(r.Id);
      if (taskCreated) await client.tasks.delete(r.Id).catch(() => undefined);
      if (containerCreated) await client.containers.delete(r.Id).catch(() => undefined);
      if (sandbox) await this.o.network.releaseSandbox(r.Id).catch(() => undefined);
      r.Sandbox = undefined;
      r.State.Error = (err as Error).message;
      r.State.ExitCode = 128;
      this.persist(r);
      throw err;
    }
    // Answered only once the record says running, with its sandbox: a daemon killed right after
    // the answer restores the container with its network (a failed write is logged by persist).
    await recorded.catch(() => undefined);
  }

  private setRunning(r: ContainerRecord, pid: number): void {
    this.liveOf(r).initStart = processStartTime(pid);
    r.State = {
      ...r.State,
      Status: 'running',
      Running: true,
      Restarting: false,
      Paused: false,
      OOMKilled: false,
      Dead: false,
      Pid: pid,
      ExitCode: 0,
      Error: '',
      StartedAt: new Date().toISOString(),
    };
  }

  private fifoPaths(r: ContainerRecord): { stdout: string; stderr: string } {
    const d = path.join(this.root, r.Id);
    return { stdout: path.join(d, 'init-stdout'), stderr: path.join(d, 'init-stderr') };
  }

  /** The read ends of the init process's FIFOs, opened without blocking (openFifoReadEnd). */
  private openInitFifos(r: ContainerRecord): Array<['stdout' | 'stderr', number]> {
    const fifos = this.fifoPaths(r);
    const streams: Array<['stdout' | 'stderr', string]> = [['stdout', fifos.stdout]];
    if (!r.Config.Tty) streams.push(['stderr', fifos.stderr]);
    return streams.filter(([, file]) => existsSync(file)).map(([name, file]) => [name, openFifoReadEnd(file)]);
  }

  /**
   * Copies the shim's output from the FIFOs into the log, once the shim has its ends open (its
   * task exists): reads go through the event loop (a pipe socket), so a thousand containers do
   * not hold a thousand threads. Resolves when the shim has closed them.
   */
  private async drainFifos(
    r: ContainerRecord,
    log: JsonFileLog,
    readEnds: Array<['stdout' | 'stderr', number]>,
  ): Promise<void> {
    const readers = this.liveOf(r).readers;
    await Promise.all(
      readEnds.map(async ([name, fd]) => {
        const sock = fifoReader(fd);
        readers.add(sock);
        sock.once('close', () => readers.delete(sock));
        await new Promise<void>((resolve) => {
          sock.on('data', (c: Buffer) => log.write(name, c));
          sock.on('error', () => resolve());
          sock.on('close', () => resolve());
        });
      }),
    );
  }

  /**
   * On the thread pool, all three at once: a new file costs ext4 0.3-0.4 ms, and written
   * synchronously they held the event loop 1.6 ms per container started.
   */
  private async writeEtcFiles(r: ContainerRecord, sb: SandboxInfo): Promise<void> {
    const hostResolv = existsSync('/etc/resolv.conf') ? readFileSync('/etc/resolv.conf', 'utf8') : '';
    const hostHosts = existsSync('/etc/hosts') ? readFileSync('/etc/hosts', 'utf8') : '';
    let hosts = containerHostsFile(sb, r.Config.Hostname, hostHosts, r.Config.Domainname ?? '');
    for (const h of r.HostConfig.ExtraHosts ?? []) {
      const i = h.lastIndexOf(':');
      if (i > 0) hosts += `${h.slice(i + 1)}\t${h.slice(0, i)}\n`;
    }
    let resolv = containerResolvConf(hostResolv, sb);
    if (r.HostConfig.Dns?.length)
      resolv = [
        ...r.HostConfig.Dns.map((d) => `nameserver ${d}`),
        ...resolv.split('\n').filter((l) => !/^\s*nameserver\s/.test(l)),
      ].join('\n');
    await Promise.all([
      writeSmallFile(r.HostsPath, hosts),
      writeSmallFile(r.ResolvConfPath, resolv),
      writeSmallFile(r.HostnamePath, `${r.Config.Hostname}\n`),
    ]);
  }

  private ociMounts(r: ContainerRecord): OciMount[] {
    const out: OciMount[] = [
      { destination: '/etc/resolv.conf', type: 'bind', source: r.ResolvConfPath, options: ['rbind', 'rprivate'] },
      { destination: '/etc/hostname', type: 'bind', source: r.HostnamePath, options: ['rbind', 'rprivate'] },
      { destination: '/etc/hosts', type: 'bind', source: r.HostsPath, options: ['rbind', 'rprivate'] },
    ];
    for (const m of r.Mounts) {
      if (m.Type === 'tmpfs')
        out.push({
          destination: m.Destination,
          type: 'tmpfs',
          source: 'tmpfs',
          options: ['nosuid', 'nodev', 'noexec'],
        });
      else
        out.push({
          destination: m.Destination,
          type: 'bind',
          source: m.Source,
          options: ['rbind', m.RW ? 'rw' : 'ro', 'rprivate'],
        });
    }
    return out;
  }

  /**
   * Called under the container's lock when its init process has exited. The container shows
   * exited (and stop returns) once its output has drained; containerd's task delete, the slowest
   * step, runs meanwhile and is still awaited under the lock, so a start or remove that follows
   * waits for it.
   */
  private async handleExit(id: string, exitStatus: number): Promise<void> {
    const r = this.records.get(id);
    if (!r) return;
    const client = this.o.client;
    const l = this.liveOf(r);
    l.cleaned = false;
    const taskDeleted = this.shims
      .leave(id)
      .then(() => client.tasks.delete(id))
      .then(
        () => true,
        () => false, // already deleted (a second exit event, or a reconcile)
      );
    const released = this.o.network
      .releaseSandbox(id)
      .then(() => true)
      .catch((err) => {
        this.log.warn('network release failed', { id, err });
        return false;
      });
    l.released = released;
    // The container record goes once the task has, while the output drains.
    const containerDeleted = taskDeleted.then(() =>
      client.containers.delete(id).then(
        () => true,
        () => false,
      ),
    );
    l.stdin?.exited();
    this.health.stopped(r);
    this.execs.containerExited(id);
    // The shim closes the FIFOs when the container's processes are gone; the task delete closes
    // them at the latest.
    if (l.drained) await Promise.race([l.drained, new Promise((res) => setTimeout(res, 2000))]);
    l.drained = undefined;
    l.log.close();
    const status = exitStatus;
    const wasRunning = r.State.Running || r.State.Restarting;
    r.State = {
      ...r.State,
      Status: 'exited',
      Running: false,
      Restarting: false,
      Paused: false,
      Pid: 0,
      ExitCode: status,
      FinishedAt: new Date().toISOString(),
    };
    r.Sandbox = undefined;
    this.persist(r);
    if (wasRunning)
      this.events.publish('container', 'die', id, {
        name: r.Name.slice(1),
        image: r.Config.Image,
        exitCode: String(status),
      });
    for (const w of l.exitWaiters.splice(0)) w(status);
    const [, containerGone, netGone] = await Promise.all([taskDeleted, containerDeleted, released]);
    l.cleaned = containerGone && netGone;
    if (r.HostConfig.AutoRemove && !this.stopped) {
      setImmediate(() =>
        this.remove(id, { force: true }).catch((err) => this.log.warn('auto-remove failed', { id, err })),
      );
      return;
    }
    if (!this.stopped && shouldRestart(r.HostConfig.RestartPolicy, status, r.RestartCount, r.StoppedByUser)) {
      const delay = restartDelayMs(l.consecutiveRestarts);
      const upFor = Date.now() - Date.parse(r.State.StartedAt);
      l.consecutiveRestarts = upFor > 10_000 ? 0 : l.consecutiveRestarts + 1;
      r.State.Restarting = true;
      r.State.Status = 'restarting';
      this.persist(r);
      l.restartTimer = setTimeout(() => {
        l.restartTimer = undefined;
        this.withLock(id, async () => {
          if (!r.State.Restarting || this.stopped) return;
          r.RestartCount++;
          await this.startTask(r);
          this.events.publish('container', 'restart', id, { name: r.Name.slice(1) });
        }).catch((err) => {
          r.State.Restarting = false;
          r.State.Status = 'exited';
          this.persist(r);
          this.log.warn('restart failed', { id, err });
        });
      }, delay);
    }
  }

  /** Waits for the next exit of a running container. */
  private nextExit(r: ContainerRecord): Promise<number> {
    return new Promise((resolve) => this.liveOf(r).exitWaiters.push(resolve));
  }

  /** Signal (StopSignal by default), then SIGKILL after `t` seconds (StopTimeout, else 10). */
  async stop(idOrName: string, o: { t?: number; signal?: string } = {}): Promise<void> {
    const r = this.get(idOrName);
    const l = this.liveOf(r);
    if (r.State.Restarting) {
      if (l.restartTimer) clearTimeout(l.restartTimer);
      l.restartTimer = undefined;
      r.StoppedByUser = true;
      r.State = { ...r.State, Restarting: false, Status: 'exited' };
      await this.persist(r);
      return;
    }
    if (!r.State.Running) throw new NotModifiedError('container already stopped');
    r.StoppedByUser = true;
    const exited = this.nextExit(r);
    const marked = this.persist(r);
    const sig = parseSignal(o.signal || r.Config.StopSignal, 15);
    const grace = o.t ?? r.Config.StopTimeout ?? 10;
    if (!signalInit(r.State.Pid, l.initStart, sig)) await this.o.client.tasks.kill(r.Id, sig).catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const killed = await Promise.race([
      exited.then(() => false),
      new Promise<boolean>((res) => {
        timer = setTimeout(() => res(true), grace < 0 ? 2 ** 31 - 1 : grace * 1000);
      }),
    ]);
    clearTimeout(timer);
    if (killed) {
      await this.o.client.tasks.kill(r.Id, 9, { all: true }).catch(() => undefined);
      await exited;
    }
    await marked;
    this.events.publish('container', 'stop', r.Id, { name: r.Name.slice(1) });
  }

  async kill(idOrName: string, signal?: string): Promise<void> {
    const r = this.get(idOrName);
    if (!r.State.Running) throw new ConflictError(`Container ${r.Id} is not running`);
    const sig = parseSignal(signal, 9);
    let marked: Promise<void> | undefined;
    if (sig === 9 || sig === 15 || sig === 2) {
      r.StoppedByUser = true;
      marked = this.persist(r);
    }
    await this.o.client.tasks.kill(r.Id, sig, { all: sig === 9 });
    // A daemon restarted after the answer must not take the kill for a crash to restart from.
    await marked;
    this.events.publish('container', 'kill', r.Id, { name: r.Name.slice(1), signal: String(sig) });
  }

  async restart(idOrName: string, t?: number): Promise<void> {
    const r = this.get(idOrName);
    if (r.State.Running) await this.stop(r.Id, { t });
    await this.start(r.Id);
    this.events.publish('container', 'restart', r.Id, { name: r.Name.slice(1) });
  }

  /**
   * POST /containers/{id}/wait: 'not-running' resolves at once for a stopped container,
   * 'next-exit' at the next exit, 'removed' once it is removed.
   */
  wait(idOrName: string, condition = 'not-running'): Promise<{ StatusCode: number }> {
    const r = this.get(idOrName);
    if (!['not-running', 'next-exit', 'removed', ''].includes(condition))
      throw new InvalidArgumentError(`invalid condition: "${condition}"`);
    const l = this.liveOf(r);
    if (condition === 'removed') return new Promise((res) => l.removeWaiters.push((c) => res({ StatusCode: c })));
    if ((condition === 'not-running' || condition === '') && !r.State.Running && !r.State.Restarting)
      return Promise.resolve({ StatusCode: r.State.ExitCode });
    return this.nextExit(r).then((c) => ({ StatusCode: c }));
  }

  /**
   * DELETE /containers/{id}. Answers once the container is durably marked removed (its
   * tombstone written) and gone from lists and lookups, its name free; containerd's task,
   * container and snapshot, and the directory, are cleaned up after the answer (finishRemoval).
   */
  async remove(idOrName: string, o: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    const r = this.get(idOrName);
    if ((r.State.Running || r.State.Restarting) && !o.force) {
      throw new ConflictError(
        `You cannot remove a running container ${r.Id}. Stop the container before attempting removal or force remove`,
      );
    }
    const l = this.liveOf(r);
    if (l.restartTimer) clearTimeout(l.restartTimer);
    r.StoppedByUser = true;
    r.State.Restarting = false;
    if (r.State.Running) {
      const exited = this.nextExit(r);
      await this.o.client.tasks.kill(r.Id, 9, { all: true }).catch(() => undefined);
      await exited;
    }
    if (!this.records.has(r.Id)) return;
    // A start queued before this removal runs first; one queued after finds the record gone.
    while (l.starting) await l.starting.catch(() => undefined);
    if (!this.records.has(r.Id)) return;
    if (r.State.Running) return this.remove(r.Id, o); // started meanwhile: killed again when forced, refused otherwise
    r.State.Status = 'removing';
    r.Removed = { Volumes: !!o.volumes };
    // A file of its own, not the record rewritten: a rename over the record waits for ext4's
    // journal behind the container's other writes, and took a removal 45-60 ms (p90 160-220)
    // of 50 removed at once; a new file is written in well under one.
    const tombstone = writeSmallFile(path.join(this.root, r.Id, REMOVAL_MARKER), JSON.stringify(r.Removed));
    this.records.delete(r.Id);
    this.live.delete(r.Id);
    l.log.close();
    for (const sock of l.readers) sock.destroy();
    l.stdin?.close(false);
    this.execs.containerRemoved(r.Id);
    await tombstone;
    // Host ports it published are free when the answer goes (a new container may want them), and
    // a user-defined network has no endpoint of it left (a network rm may follow). The rest of
    // its sandbox (a namespace named after its id, an address the next one does not get) is no
    // one's to wait for, and its release queues behind every other namespace's.
    if (releaseIsAwaited(r)) await l.released;
    for (const w of l.removeWaiters.splice(0)) w(r.State.ExitCode);
    for (const w of l.exitWaiters.splice(0)) w(r.State.ExitCode);
    this.removals.add(r.Id, () => this.withLock(r.Id, () => this.finishRemoval(r, !l.cleaned)));
    this.events.publish('container', 'destroy', r.Id, { name: r.Name.slice(1), image: r.Config.Image });
  }

  /**
   * The containerd side and the directory of a removed container, after its tombstone: the
   * task (when its exit's handling did not delete it), the container record and sandbox, then
   * the snapshot (the shim holds the rootfs until the task is gone), anonymous volumes when
   * asked, and the directory with the tombstone last, so that a stop in between retries.
   */
  private async finishRemoval(r: ContainerRecord, taskLeft: boolean): Promise<void> {
    const client = this.o.client;
    if (taskLeft) {
      await this.shims.leave(r.Id);
      await client.tasks.delete(r.Id).catch(() => undefined);
      await Promise.all([
        client.containers.delete(r.Id).catch(() => undefined),
        this.o.network.releaseSandbox(r.Id).catch(() => undefined),
      ]);
    }
    await client
      .snapshotter(r.Snapshotter)
      .remove(r.Id)
      .catch((err) => {
        if (!isNotFound(err)) throw err;
      });
    if (r.Removed?.Volumes) {
      for (const m of r.Mounts)
        if (m.Type === 'volume' && m.Name && /^[0-9a-f]{64}$/.test(m.Name))
          await rm(path.dirname(m.Source), { recursive: true, force: true });
    }
    await this.writer.flush(r.Id);
    await rm(path.join(this.root, r.Id), { recursive: true, force: true });
  }

  /** Resolves once the cleanups of containers removed so far have ended (image removal waits for their snapshots). */
  removalsSettled(): Promise<void> {
    return this.removals.settled();
  }

  async rename(idOrName: string, newName: string): Promise<void> {
    const r = this.get(idOrName);
    const n = validateContainerName(newName);
    this.checkNameFree(n, r.Id);
    const old = r.Name;
    r.Name = `/${n}`;
    // The old name stays taken until the write has settled: a failed write gives it back.
    this.namesInCreation.set(old, r.Id);
    try {
      await this.persist(r);
    } catch (err) {
      r.Name = old;
      throw err;
    } finally {
      if (this.namesInCreation.get(old) === r.Id) this.namesInCreation.delete(old);
    }
    this.events.publish('container', 'rename', r.Id, { name: n, oldName: old });
  }

  /** GET /containers/{id}/logs. */
  logs(idOrName: string, o: Partial<ReadLogsOptions>): Readable {
    const r = this.get(idOrName);
    if (!o.stdout && !o.stderr) throw new InvalidArgumentError('You must choose at least one stream');
    const l = this.liveOf(r);
    return readLogs(l.log, {
      stdout: !!o.stdout,
      stderr: !!o.stderr,
      follow: !!o.follow,
      timestamps: !!o.timestamps,
      tail: o.tail ?? 'all',
      since: o.since ?? 0,
      until: o.until ?? 0,
      raw: !!r.Config.Tty,
      running: r.State.Running || r.State.Restarting,
    });
  }

  /** The live log of a container (attach streams follow it). */
  logOf(idOrName: string): JsonFileLog {
    return this.liveOf(this.get(idOrName)).log;
  }

  /** The stdin of an OpenStdin container, for attach; undefined when it has none. */
  stdinOf(idOrName: string): StdinPipe | undefined {
    return this.liveOf(this.get(idOrName)).stdin;
  }

  /** POST /containers/{id}/resize: the TTY of a running container. */
  async resize(idOrName: string, height: number, width: number): Promise<void> {
    const r = this.get(idOrName);
    if (!r.State.Running) throw new ConflictError(`Container ${r.Id} is not running`);
    if (!r.Config.Tty) return;
    await this.o.client.tasks.resizePty(r.Id, width, height);
  }

  // ---- helpers ------------------------------------------------------------------------

  private liveOf(r: ContainerRecord): Live {
    let l = this.live.get(r.Id);
    if (!l) {
      l = {
        log: new JsonFileLog(r.LogPath),
        exitWaiters: [],
        removeWaiters: [],
        consecutiveRestarts: 0,
        readers: new Set(),
        stdin: r.Config.OpenStdin
          ? new StdinPipe(path.join(this.root, r.Id, 'init-stdin'), () => this.o.client.tasks.closeStdin(r.Id))
          : undefined,
      };
      this.live.set(r.Id, l);
    }
    return l;
  }

  /**
   * Writes the record's state as it is now, off the event loop. Callers that answer on the
   * strength of it (create, stop, remove) await it; the others go on at once.
   */
  private persist(r: ContainerRecord): Promise<void> {
    const written = this.writer.write(r.Id, JSON.stringify(r));
    written.catch((err) => this.log.warn('container record not written', { id: r.Id, err }));
    return written;
  }

  /** Serializes the state changes of one container (start, exit handling, removal). */
  private withLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.locks.set(id, tail);
    tail.then(() => {
      if (this.locks.get(id) === tail) this.locks.delete(id);
    });
    return next;
  }
}

/** A marker cut short by a crash still marks the removal; its volumes are then kept. */
function readRemovalMarker(file: string): { Volumes: boolean } {
  try {
    return { Volumes: (JSON.parse(readFileSync(file, 'utf8')) as { Volumes?: unknown }).Volumes === true };
  } catch {
    return { Volumes: false };
  }
}

function releaseIsAwaited(r: ContainerRecord): boolean {
  const mode = r.HostConfig.NetworkMode ?? 'default';
  if (!['default', 'bridge', 'none', 'host', ''].includes(mode)) return true;
  return Object.values(r.HostConfig.PortBindings ?? {}).some((b) => (b?.length ?? 0) > 0);
}

function labelMatches(labels: Record<string, string>, filter: string): boolean {
  const i = filter.indexOf('=');
  if (i < 0) return filter in labels;
  return labels[filter.slice(0, i)] === filter.slice(i + 1);
}

/** Mounts a snapshot's mounts (one overlay or bind) at dir. */
async function mountAll(mounts: Mount[], dir: string, readOnly: boolean): Promise<void> {
  for (const m of mounts) {
    const opts = [...m.options.filter((o) => o !== 'rw'), ...(readOnly && m.type === 'bind' ? ['ro'] : [])];
    await run('mount', ['-t', m.type, m.source, dir, ...(opts.length ? ['-o', opts.join(',')] : [])]);
  }
}
