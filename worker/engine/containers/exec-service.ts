import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { ConflictError, InvalidArgumentError, NotFoundError, TsswarmError, type EventSink } from '../../../src/api';
import { createLogger, type Logger } from '../../../src/util';
import { ContainersClient, type ContainerdClient } from '../containerd';
import type { ContainerRecord } from './container-record';
import { buildExecProcess, execStartFailureCode } from './exec-process';
import { parseExecCreate, parseExecStart, type ExecCreateBody } from './exec-schema';
import { closeFd, closeWriter, fifoReader, fifoWriter, makeFifo, openFifoReadEnd } from './fifo';
import { resolveUser } from './oci-spec';

/** How long a finished exec stays inspectable (the docker CLI reads its exit code right after). */
export const EXEC_RETENTION_MS = 5 * 60_000;
/** Finished execs kept per container at most, so that a container exec'd in a loop stays bounded. */
export const MAX_FINISHED_EXECS_PER_CONTAINER = 64;
/** After the process exits, output still in flight gets this long (a background child may hold stdout). */
const DRAIN_AFTER_EXIT_MS = 2000;

/** Where an attached exec's streams go. */
export interface ExecAttach {
  /** The client's input; its end closes the process's stdin. */
  stdin?: Readable;
  write(stream: 'stdout' | 'stderr', data: Buffer): void;
  /** Aborted when the client goes away; the process is then killed, as Docker does. */
  signal?: AbortSignal;
  /** Called once the process runs (the health checker's timeout counts from here). */
  started?(): void;
}

/** A claimed start: validated and marked running, so a second start is refused. */
export interface ExecStart {
  readonly id: string;
  readonly detach: boolean;
  readonly tty: boolean;
  readonly consoleSize?: { height: number; width: number };
}

interface ExecInstance {
  id: string;
  containerId: string;
  config: ExecCreateBody & { Cmd: string[] };
  created: number;
  started: boolean;
  running: boolean;
  pid: number;
  exitCode: number | null;
  finishedAt?: number;
  /** Resolves once the exit code is recorded. */
  exited: Promise<void>;
  markExited: () => void;
  /** Resolves once the process has started (or failed to). */
  launched: Promise<void>;
  markLaunched: () => void;
  stdin?: Socket;
  readers: Socket[];
  expiry?: NodeJS.Timeout;
}

export interface ExecServiceOptions {
  client: ContainerdClient;
  /** <dataRoot>/containers; FIFOs go in <root>/<container>/execs/<exec>. */
  root: string;
  /** The container service's lookup by id, name or prefix (throws NotFoundError). */
  lookup: (idOrName: string) => ContainerRecord;
  logger?: Logger;
  /** Where Docker's exec_create, exec_start and exec_die container events go. */
  events?: EventSink;
}

/**
 * Exec instances, as Docker keeps them: created against a running container, started once as
 * an extra process of its containerd task, inspectable until a while after they finish. They
 * die with their container and go with it.
 */
export class ExecService {
  private readonly execs = new Map<string, ExecInstance>();
  private readonly log: Logger;
  private abort?: AbortController;
  private closed = false;

  constructor(private readonly o: ExecServiceOptions) {
    this.log = o.logger ?? createLogger('exec');
  }

  /** POST /containers/{id}/exec. Only registers it: nothing exists in containerd until start. */
  create(containerIdOrName: string, body: unknown): { Id: string } {
    const r = this.o.lookup(containerIdOrName);
    const config = parseExecCreate(body);
    assertRunning(r);
    this.subscribe();
    const id = randomBytes(32).toString('hex');
    let markExited = () => undefined as void;
    let markLaunched = () => undefined as void;
    const exited = new Promise<void>((res) => (markExited = res));
    const launched = new Promise<void>((res) => (markLaunched = res));
    this.execs.set(id, {
      id,
      containerId: r.Id,
      config,
      created: Date.now(),
      started: false,
      running: false,
      pid: 0,
      exitCode: null,
      exited,
      markExited,
      launched,
      markLaunched,
      readers: [],
    });
    this.publish(this.execs.get(id)!, `exec_create: ${config.Cmd.join(' ')}`);
    return { Id: id };
  }

  /** A container event about exec `x`, with the container's name and image as Docker gives them. */
  private publish(x: ExecInstance, action: string, extra: Record<string, string> = {}): void {
    if (!this.o.events) return;
    let attrs: Record<string, string> = { execID: x.id };
    try {
      const r = this.o.lookup(x.containerId);
      attrs = { ...attrs, name: r.Name.slice(1), image: r.Config.Image };
    } catch {
      // the container went meanwhile: the event still names the exec
    }
    this.o.events.publish('container', action, x.containerId, { ...attrs, ...extra });
  }

  /** GET /exec/{id}/json in Docker's shape. */
  inspect(id: string): Record<string, unknown> {
    const x = this.get(id);
    const c = x.config;
    return {
      ID: x.id,
      Running: x.running,
      ExitCode: x.exitCode,
      ProcessConfig: {
        tty: !!c.Tty,
        entrypoint: c.Cmd[0],
        arguments: c.Cmd.slice(1),
        privileged: !!c.Privileged,
        user: c.User ?? '',
      },
      OpenStdin: !!c.AttachStdin,
      OpenStderr: !!c.AttachStderr,
      OpenStdout: !!c.AttachStdout,
      CanRemove: x.exitCode !== null,
      ContainerID: x.containerId,
      DetachKeys: c.DetachKeys ?? '',
      Pid: x.pid,
    };
  }

  /** The exec ids of a container, for its inspect. */
  idsOf(containerId: string): string[] {
    return [...this.execs.values()].filter((x) => x.containerId === containerId).map((x) => x.id);
  }

  /**
   * The checks of POST /exec/{id}/start that come before any stream is opened; claims the
   * instance so that a concurrent start gets 409.
   */
  claim(id: string, body: unknown): ExecStart {
    const x = this.get(id);
    const b = parseExecStart(body);
    if (x.exitCode !== null) throw new ConflictError(`Error: Exec command ${x.id} has already run`);
    if (x.started) throw new ConflictError(`Error: Exec command ${x.id} is already running`);
    assertRunning(this.o.lookup(x.containerId));
    x.started = true;
    const size = b.ConsoleSize ?? x.config.ConsoleSize;
    return {
      id: x.id,
      detach: !!b.Detach,
      tty: b.Tty ?? !!x.config.Tty,
      consoleSize: size && size[0] && size[1] ? { height: size[0], width: size[1] } : undefined,
    };
  }

  /**
   * Runs a claimed exec. Detached: resolves once the process has started. Attached: streams
   * its output into `attach` and resolves once it has exited and its output is drained. A
   * process that cannot start records Docker's exit code (126, or 127 for a missing command)
   * and rejects with containerd's message ("OCI runtime exec failed: ...").
   */
  async run(s: ExecStart, attach?: ExecAttach): Promise<void> {
    const x = this.get(s.id);
    const client = this.o.client;
    const dir = path.join(this.o.root, x.containerId, 'execs', x.id);
    const fds: number[] = [];
    let created = false;
    try {
      const r = this.o.lookup(x.containerId);
      assertRunning(r);
      const spec = ContainersClient.specOf(await client.containers.get(r.Id)) as
        { process?: Record<string, unknown> } | undefined;
      if (!spec?.process) throw new ConflictError(`container ${r.Id} is not running`);
      const process = buildExecProcess(spec.process, {
        args: x.config.Cmd,
        env: x.config.Env ?? [],
        cwd: x.config.WorkingDir ?? '',
        user: x.config.User ? userInContainer(r, x.config.User) : undefined,
        terminal: s.tty,
        privileged: !!x.config.Privileged,
        consoleSize: s.consoleSize,
      });
      mkdirSync(dir, { recursive: true });
      const io = { stdin: '', stdout: path.join(dir, 'stdout'), stderr: s.tty ? '' : path.join(dir, 'stderr') };
      await makeFifo(io.stdout);
      if (io.stderr) await makeFifo(io.stderr);
      // Readers first: the shim's open of the write end waits for them.
      const outFd = openFifoReadEnd(io.stdout);
      fds.push(outFd);
      const errFd = io.stderr ? openFifoReadEnd(io.stderr) : undefined;
      if (errFd !== undefined) fds.push(errFd);
      if (attach?.stdin && x.config.AttachStdin) {
        io.stdin = path.join(dir, 'stdin');
        await makeFifo(io.stdin);
        x.stdin = fifoWriter(io.stdin);
      }
      await client.tasks.exec(r.Id, x.id, process, { ...io, terminal: s.tty });
      created = true;

      // Before the start, as Docker sends it: a short command's exec_die can come before Start returns.
      this.publish(x, `exec_start: ${x.config.Cmd.join(' ')}`);
      const started = await client.tasks.start(r.Id, x.id).catch((err: unknown) => {
        throw startFailure(err);
      });
      // A short command can exit (and its exit be recorded) before Start returns.
      if (x.exitCode === null) {
        x.running = true;
        x.pid = started.pid;
      }
      x.markLaunched();
      attach?.started?.();
      if (s.tty && s.consoleSize)
        await client.tasks.resizePty(r.Id, s.consoleSize.width, s.consoleSize.height, x.id).catch(() => undefined);
      // A second chance at the exit code, should the event stream be down when it exits.
      client.tasks
        .wait(r.Id, x.id)
        .then((st) => this.finish(x, st.exitStatus))
        .catch(() => undefined);
      const drained = this.pump(x, outFd, errFd, attach);
      fds.length = 0;
      if (attach?.stdin && x.stdin) {
        const w = x.stdin;
        attach.stdin.pipe(w, { end: false });
        attach.stdin.once('end', () => this.closeStdin(x));
      }
      if (attach?.signal) {
        const onAbort = () => {
          if (x.running) client.tasks.kill(x.containerId, 9, { execId: x.id }).catch(() => undefined);
        };
        if (attach.signal.aborted) onAbort();
        else attach.signal.addEventListener('abort', onAbort, { once: true });
        x.exited.then(() => attach.signal!.removeEventListener('abort', onAbort));
      }
      if (!attach) {
        drained.catch(() => undefined);
        return;
      }
      await x.exited;
      await Promise.race([drained, new Promise((res) => setTimeout(res, DRAIN_AFTER_EXIT_MS).unref())]);
      for (const sock of x.readers) sock.destroy();
    } catch (err) {
      for (const fd of fds) closeFd(fd);
      for (const sock of x.readers) sock.destroy();
      this.closeStdin(x);
      if (created) await client.tasks.deleteProcess(x.containerId, x.id).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
      if (x.exitCode === null) {
        x.exitCode = err instanceof ExecStartError ? err.exitCode : 126;
        x.running = false;
        x.finishedAt = Date.now();
        x.markExited();
        this.expireLater(x);
      }
      x.markLaunched();
      throw err;
    }
  }

  /** POST /exec/{id}/resize; waits a little for a start that is under way, as Docker does. */
  async resize(id: string, height: number, width: number): Promise<void> {
    const x = this.get(id);
    if (!x.started) throw new ConflictError(`Exec ${x.id} has not been started`);
    await Promise.race([x.launched, new Promise((res) => setTimeout(res, 10_000).unref())]);
    if (!x.running) throw new ConflictError(`Exec ${x.id} is not running`);
    await this.o.client.tasks.resizePty(x.containerId, width, height, x.id);
  }

  /** Drops an exec at once, finished or not (the health checker's probes are not kept for inspection). */
  forget(id: string): void {
    const x = this.execs.get(id);
    if (x) this.drop(x);
  }

  /** The init process of the container exited: its execs died with it. */
  containerExited(containerId: string): void {
    for (const x of this.execs.values()) {
      if (x.containerId !== containerId) continue;
      if (x.running) this.finish(x, 137);
      else if (x.exitCode === null && !x.started) this.expireLater(x);
    }
  }

  /** The container is gone: so are its execs. */
  containerRemoved(containerId: string): void {
    for (const x of [...this.execs.values()]) if (x.containerId === containerId) this.drop(x);
  }

  /** Stops watching containerd and drops the streams (processes keep running). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.abort?.abort();
    this.o.client.off('reconnect', this.onReconnect);
    for (const x of this.execs.values()) {
      if (x.expiry) clearTimeout(x.expiry);
      for (const sock of x.readers) sock.destroy();
      this.closeStdin(x);
    }
  }

  // ---- internals -----------------------------------------------------------------------

  private get(id: string): ExecInstance {
    const x = this.execs.get(id);
    if (!x) throw new NotFoundError('exec instance', id);
    return x;
  }

  private readonly onReconnect = () => {
    if (this.abort && !this.closed) this.listen();
  };

  private subscribe(): void {
    if (this.abort || this.closed) return;
    this.o.client.on('reconnect', this.onReconnect);
    this.listen();
  }

  /** One stream of exit events for every exec; their event carries the exec id. */
  private listen(): void {
    this.abort?.abort();
    const ac = new AbortController();
    this.abort = ac;
    (async () => {
      for await (const ev of this.o.client.events.subscribe(['topic=="/tasks/exit"'], ac.signal)) {
        const e = ev.event as { containerId?: string; id?: string; exitStatus?: number } | undefined;
        if (!e?.id || e.id === e.containerId) continue;
        const x = this.execs.get(e.id);
        if (x && x.containerId === e.containerId) this.finish(x, e.exitStatus ?? 0);
      }
    })().catch((err) => {
      if (!ac.signal.aborted) this.log.warn('containerd event stream ended', { err });
    });
  }

  /** Copies the FIFOs to the client (or nowhere, detached); resolves at EOF of both. */
  private pump(x: ExecInstance, outFd: number, errFd: number | undefined, attach?: ExecAttach): Promise<void> {
    const pairs: Array<['stdout' | 'stderr', number, boolean]> = [['stdout', outFd, !!x.config.AttachStdout]];
    if (errFd !== undefined) pairs.push(['stderr', errFd, !!x.config.AttachStderr]);
    return Promise.all(
      pairs.map(
        ([name, fd, wanted]) =>
          new Promise<void>((resolve) => {
            const sock = fifoReader(fd);
            x.readers.push(sock);
            sock.on('data', (c: Buffer) => {
              if (attach && wanted) attach.write(name, c);
            });
            sock.on('error', () => resolve());
            sock.on('close', () => resolve());
          }),
      ),
    ).then(() => {
      x.readers = [];
    });
  }

  /** Records the exit (once) and lets containerd forget the process. */
  private finish(x: ExecInstance, exitStatus: number): void {
    if (x.exitCode !== null) return;
    x.exitCode = exitStatus;
    x.running = false;
    x.pid = 0;
    x.finishedAt = Date.now();
    this.closeStdin(x);
    x.markExited();
    this.publish(x, 'exec_die', { exitCode: String(exitStatus) });
    this.o.client.tasks.deleteProcess(x.containerId, x.id).catch(() => undefined);
    const dir = path.join(this.o.root, x.containerId, 'execs', x.id);
    // Readers hold open fds, not paths: the files can go now.
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    this.expireLater(x);
    this.evictOldest(x.containerId);
  }

  private closeStdin(x: ExecInstance): void {
    const w = x.stdin;
    if (!w) return;
    x.stdin = undefined;
    // The shim holds a write end too: CloseIO is what lets the process see EOF.
    closeWriter(w, () => {
      if (x.running) this.o.client.tasks.closeStdin(x.containerId, x.id).catch(() => undefined);
    });
  }

  private expireLater(x: ExecInstance): void {
    if (x.expiry) return;
    x.expiry = setTimeout(() => this.drop(x), EXEC_RETENTION_MS);
    x.expiry.unref();
  }

  private evictOldest(containerId: string): void {
    const done = [...this.execs.values()]
      .filter((x) => x.containerId === containerId && x.exitCode !== null)
      .sort((a, b) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0));
    for (const x of done.slice(0, Math.max(0, done.length - MAX_FINISHED_EXECS_PER_CONTAINER))) this.drop(x);
  }

  private drop(x: ExecInstance): void {
    if (x.expiry) clearTimeout(x.expiry);
    for (const sock of x.readers) sock.destroy();
    this.closeStdin(x);
    if (x.exitCode === null) {
      x.exitCode = 137;
      x.running = false;
      x.markExited();
    }
    x.markLaunched();
    this.execs.delete(x.id);
  }
}

/** Docker's 409s for exec in a container that is not running. */
function assertRunning(r: ContainerRecord): void {
  if (r.State.Paused) throw new ConflictError(`container ${r.Id} is paused, unpause the container before exec`);
  if (r.State.Restarting)
    throw new ConflictError(`container ${r.Id} is restarting, wait until the container is running`);
  if (!r.State.Running || !r.State.Pid) throw new ConflictError(`container ${r.Id} is not running`);
}

/** Resolves an exec's --user through the running container's own /etc/passwd and /etc/group. */
function userInContainer(r: ContainerRecord, user: string): { uid: number; gid: number; additionalGids: number[] } {
  const root = `/proc/${r.State.Pid}/root`;
  const read = (f: string) => {
    try {
      return readFileSync(path.join(root, f), 'utf8');
    } catch {
      return '';
    }
  };
  try {
    return resolveUser(user, read('etc/passwd'), read('etc/group'));
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

/** A process that could not start, with the exit code Docker records for it. */
class ExecStartError extends InvalidArgumentError {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

function startFailure(err: unknown): TsswarmError {
  const cause = (err as { cause?: { details?: string } }).cause;
  const message = cause?.details || (err as Error).message;
  return new ExecStartError(message, execStartFailureCode(message));
}
