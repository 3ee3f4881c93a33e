import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdirSync, openSync, closeSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ContentDirectory } from './content-directory';
import { UnavailableError } from '../../../src/api';
import { createLogger, type Logger } from '../../../src/util';
import { ContainerdClient } from './client';

export interface ContainerdSupervisorOptions {
  /** The daemon's data root; containerd's root goes under <dataRoot>/containerd. */
  dataRoot: string;
  /** containerd binary; default "containerd" from PATH. */
  binary?: string;
  /** Where containerd's output goes; default <dataRoot>/containerd/containerd.log. */
  logFile?: string;
  /** How long start() waits for the socket to answer; default 20 s. */
  startTimeoutMs?: number;
  logger?: Logger;
}

/**
 * Starts and supervises a containerd of the daemon's own, as dockerd does when given no
 * --containerd address. Its state and sockets live under /run, keyed by the data root, so
 * several daemons on one machine never share one. Restarts it with backoff if it dies;
 * emits 'restart' after each restart and 'exit' when it dies.
 */
export class ContainerdSupervisor extends EventEmitter {
  readonly root: string;
  readonly stateDir: string;
  readonly address: string;
  private readonly configPath: string;
  private readonly logFile: string;
  private readonly binary: string;
  private readonly startTimeoutMs: number;
  private readonly log: Logger;
  private child?: ChildProcess;
  private stopping = false;
  private restarts = 0;
  private restartTimer?: NodeJS.Timeout;

  constructor(opts: ContainerdSupervisorOptions) {
    super();
    const base = path.resolve(opts.dataRoot, 'containerd');
    const key = createHash('sha256').update(path.resolve(opts.dataRoot)).digest('hex').slice(0, 12);
    this.root = path.join(base, 'root');
    // Unix socket paths are limited to 108 bytes: keep the state dir short and under /run.
    this.stateDir = `/run/tsswarm/containerd-${key}`;
    this.address = path.join(this.stateDir, 'containerd.sock');
    this.configPath = path.join(base, 'config.toml');
    this.logFile = opts.logFile ?? path.join(base, 'containerd.log');
    this.binary = opts.binary ?? 'containerd';
    this.startTimeoutMs = opts.startTimeoutMs ?? 20_000;
    this.log = opts.logger ?? createLogger('containerd-supervisor');
  }

  /**
   * containerd's local content store, for ContentDirectory. Partial files go to a folder of ours
   * inside it (containerd reads only its blobs and ingest folders there): on the same
   * filesystem, so that a finished one is renamed into place.
   */
  contentDirectory(): ContentDirectory {
    const contentRoot = path.join(this.root, 'io.containerd.content.v1.content');
    return new ContentDirectory(contentRoot, path.join(contentRoot, 'tsswarm-incoming'));
  }

  /** The folder of the task bundles (runtime v2) of `namespace`: each task's `address` file is there. */
  taskBundles(namespace: string): string {
    return path.join(this.stateDir, 'io.containerd.runtime.v2.task', namespace);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private writeConfig(): void {
    mkdirSync(this.root, { recursive: true });
    mkdirSync(this.stateDir, { recursive: true, mode: 0o711 });
    const toml = [
      'version = 2',
      `root = ${JSON.stringify(this.root)}`,
      `state = ${JSON.stringify(this.stateDir)}`,
      // The CRI plugin is Kubernetes' and would open its own ports and networks.
      'disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.internal.v1.opt", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]',
      '',
      '[grpc]',
      `  address = ${JSON.stringify(this.address)}`,
      '',
      '[ttrpc]',
      `  address = ${JSON.stringify(path.join(this.stateDir, 'containerd.sock.ttrpc'))}`,
      '',
      '[debug]',
      `  address = ${JSON.stringify(path.join(this.stateDir, 'debug.sock'))}`,
      '',
      '[metrics]',
      '  address = ""',
      '',
      // A writer naming a blob the store holds gets it committed at once (ContentDirectory).
      '[plugins."io.containerd.metadata.v1.bolt"]',
      '  content_sharing_policy = "shared"',
      '',
    ].join('\n');
    writeFileSync(this.configPath, toml);
  }

  /** Spawns containerd and resolves once it answers on its socket. */
  async start(): Promise<void> {
    this.stopping = false;
    this.writeConfig();
    this.spawnChild();
    await this.waitUntilServing();
  }

  private spawnChild(): void {
    mkdirSync(path.dirname(this.logFile), { recursive: true });
    const fd = openSync(this.logFile, 'a');
    const child = spawn(this.binary, ['--config', this.configPath], { stdio: ['ignore', fd, fd], detached: false });
    closeSync(fd);
    this.child = child;
    child.on('error', (err) => this.log.error('containerd failed to start', { err }));
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      this.emit('exit', { code, signal });
      if (this.stopping) return;
      this.log.warn('containerd exited; restarting', { code, signal });
      const delay = Math.min(100 * 2 ** this.restarts, 5000);
      this.restarts++;
      this.restartTimer = setTimeout(() => {
        if (this.stopping) return;
        this.spawnChild();
        this.waitUntilServing().then(
          () => {
            this.restarts = 0;
            this.emit('restart');
          },
          (err) => this.log.error('containerd did not come back', { err }),
        );
      }, delay);
    });
  }

  private async waitUntilServing(): Promise<void> {
    const deadline = Date.now() + this.startTimeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      if (!this.child) throw new UnavailableError(`containerd exited during start-up; see ${this.logFile}`);
      try {
        const c = await ContainerdClient.connect(this.address, { timeoutMs: 1000 });
        c.close();
        return;
      } catch (err) {
        last = err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new UnavailableError(
      `containerd did not answer on ${this.address} within ${this.startTimeoutMs} ms: ${String(last)}; see ${this.logFile}`,
    );
  }

  /** Stops containerd: SIGTERM, then SIGKILL after graceMs. Running containers' shims survive. */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
