import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { InternalError, UnavailableError } from '../../../src/api';
import { isAlreadyExists, isNotFound } from './grpc-errors';
import { RpcChannel, type CallContext } from './rpc';
import { EVENT_TYPES } from './proto-source';
import { encodeWriteHeader } from './write-request';
import { gather } from './gather';
import {
  decode,
  jsonAny,
  OCI_PROCESS_TYPE_URL,
  OCI_SPEC_TYPE_URL,
  toDate,
  type ProtoAny,
  type ProtoTimestamp,
} from './schema';
import type {
  ContainerRecord,
  ContainerdEvent,
  ContentInfo,
  Descriptor,
  ExitStatus,
  ImageRecord,
  Mount,
  ProcessState,
  SnapshotInfo,
  TaskIO,
} from './types';

/**
 * Bytes per Content.Write message: a download's 16-64 KiB reads are gathered up to this, and
 * sent as they are (see h2-call.ts). Each message costs containerd a request and an answer:
 * 17 MiB in 256 KiB messages took it 200 ms of CPU, in 1 MiB messages 120-130 ms (and the
 * write 120 ms instead of 185). grpc-go refuses a message of 4 MiB or more.
 */
const WRITE_CHUNK = 1 << 20;
/**
 * WRITE messages sent ahead of containerd's answers. One (1 MiB in flight per blob) keeps
 * containerd as busy as two did; what is held meanwhile is what malloc keeps after a pull.
 */
const WRITE_WINDOW = 1;

export interface ConnectOptions {
  /** containerd namespace for every call; default "tsswarm". */
  namespace?: string;
  /** How long connect() waits for containerd to answer; default 10 s. */
  timeoutMs?: number;
}

abstract class SubClient {
  constructor(
    protected readonly rpc: RpcChannel,
    protected readonly ctx: CallContext,
  ) {}
}

/** Content store: blobs by digest. */
export class ContentClient extends SubClient {
  async info(digest: string): Promise<ContentInfo> {
    return (await this.rpc.unary<{ info: ContentInfo }>(this.ctx, 'content', 'Info', { digest })).info;
  }

  async exists(digest: string): Promise<boolean> {
    try {
      await this.info(digest);
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /** Gives a blob already present `labels`, when there are any (a write or an adoption that found it). */
  async labelExisting(digest: string, labels: Record<string, string>): Promise<void> {
    if (Object.keys(labels).length) await this.updateLabels(digest, labels);
  }

  /** Replaces the labels named in `paths` (e.g. "labels.containerd.io/gc.ref.content.l.0"). */
  async updateLabels(digest: string, labels: Record<string, string>, paths?: string[]): Promise<ContentInfo> {
    const updateMask = { paths: paths ?? Object.keys(labels).map((k) => `labels.${k}`) };
    const res = await this.rpc.unary<{ info: ContentInfo }>(this.ctx, 'content', 'Update', {
      info: { digest, labels },
      updateMask,
    });
    return res.info;
  }

  async list(filters: string[] = []): Promise<ContentInfo[]> {
    const out: ContentInfo[] = [];
    for await (const page of this.rpc.serverStream<{ info: ContentInfo[] }>(this.ctx, 'content', 'List', { filters }))
      out.push(...page.info);
    return out;
  }

  async delete(digest: string): Promise<void> {
    await this.rpc.unary(this.ctx, 'content', 'Delete', { digest });
  }

  /** The blob as a byte stream. */
  read(digest: string, offset = 0, size = 0): Readable {
    const rpc = this.rpc;
    const ctx = this.ctx;
    async function* chunks() {
      for await (const m of rpc.serverStream<{ data: Buffer }>(ctx, 'content', 'Read', { digest, offset, size }))
        yield m.data;
    }
    return Readable.from(chunks(), { objectMode: false });
  }

  async readAll(digest: string): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const c of this.read(digest)) parts.push(c as Buffer);
    return Buffer.concat(parts);
  }

  /**
   * Writes a blob and commits it under its digest; containerd verifies size and digest.
   * A blob already present is not an error (the existing one is kept).
   */
  async write(
    expected: { digest: string; size: number },
    data: Buffer | AsyncIterable<Buffer | Uint8Array>,
    labels: Record<string, string> = {},
    ref = `tsswarm-${expected.digest}`,
  ): Promise<void> {
    if (await this.exists(expected.digest)) {
      await this.labelExisting(expected.digest, labels);
      return;
    }
    const call = this.rpc.piecewiseBidi<{ action: string; offset: number; digest: string }>(
      this.ctx,
      'content',
      'Write',
    );
    // containerd answers every request of the stream in order. WRITEs are sent without waiting
    // for their answers (up to WRITE_WINDOW of them unanswered), so the download, the framing
    // and containerd's disk write overlap instead of taking turns.
    let unanswered = 0;
    const send = async (msg: object | Buffer[]) => {
      await call.send(msg);
      unanswered++;
    };
    const answer = async () => {
      const r = await call.next();
      if (!r) throw new InternalError('containerd Content.Write: stream ended early');
      unanswered--;
      return r;
    };
    try {
      // A stat first: containerd may resume a write left by a crash under the same ref; restart it at 0.
      await send({ action: 'STAT', ref, total: expected.size, expected: expected.digest });
      await answer();
      let offset = 0;
      const source = Buffer.isBuffer(data) ? chunkBuffer(data) : data;
      for await (const parts of gather(source, WRITE_CHUNK)) {
        let size = 0;
        for (const p of parts) size += p.length;
        await send([encodeWriteHeader(ref, offset, size), ...parts]);
        offset += size;
        while (unanswered >= WRITE_WINDOW) await answer();
      }
      await send({ action: 'COMMIT', ref, offset, total: expected.size, expected: expected.digest, labels });
      while (unanswered > 0) await answer();
      call.end();
    } catch (err) {
      call.cancel();
      if (isAlreadyExists(err) && (await this.exists(expected.digest))) return;
      throw err;
    }
  }

  /**
   * Records in this namespace (and the call's lease) a blob that containerd's local store holds
   * already, put there through its directory (ContentDirectory). With the "shared" content
   * policy a writer naming a blob the store holds starts out complete (its STAT answers the
   * whole size), and its COMMIT records the blob without a byte sent. False when the store does
   * not hold it: the writer wants the bytes, and is aborted instead. A blob the namespace has
   * already fails the writer with 409 (no Info call first: a pull asked that just before).
   */
  async adopt(expected: { digest: string; size: number }, labels: Record<string, string> = {}): Promise<boolean> {
    const ref = `tsswarm-adopt-${expected.digest}-${randomBytes(4).toString('hex')}`;
    const call = this.rpc.piecewiseBidi<{ action: string; offset: number }>(this.ctx, 'content', 'Write');
    try {
      await call.send({ action: 'STAT', ref, total: expected.size, expected: expected.digest });
      const stat = await call.next();
      if (Number(stat?.offset ?? 0) !== expected.size) {
        // The writer holds its ref until the stream ends; only then can its ingest go.
        call.end();
        while (await call.next());
        await this.abort(ref).catch(() => undefined);
        return false;
      }
      const { size, digest } = expected;
      await call.send({ action: 'COMMIT', ref, offset: size, total: size, expected: digest, labels });
      await call.next();
      call.end();
      return true;
    } catch (err) {
      call.cancel();
      // In the namespace already, or committed meanwhile by another writer: recorded all the same.
      if (isAlreadyExists(err) && (await this.exists(expected.digest))) {
        await this.labelExisting(expected.digest, labels);
        return true;
      }
      throw err;
    }
  }

  async abort(ref: string): Promise<void> {
    await this.rpc.unary(this.ctx, 'content', 'Abort', { ref });
  }
}

function* chunkBuffer(b: Buffer): Generator<Buffer> {
  for (let i = 0; i < b.length; i += WRITE_CHUNK) yield b.subarray(i, i + WRITE_CHUNK);
}

/** Leases keep content and snapshots from garbage collection while they are being built. */
export class LeasesClient extends SubClient {
  async create(id: string, labels: Record<string, string> = {}): Promise<string> {
    const r = await this.rpc.unary<{ lease: { id: string } }>(this.ctx, 'leases', 'Create', { id, labels });
    return r.lease.id;
  }

  async delete(id: string, sync = false): Promise<void> {
    await this.rpc.unary(this.ctx, 'leases', 'Delete', { id, sync });
  }

  async list(filters: string[] = []): Promise<Array<{ id: string; labels: Record<string, string> }>> {
    return (
      await this.rpc.unary<{ leases: Array<{ id: string; labels: Record<string, string> }> }>(
        this.ctx,
        'leases',
        'List',
        { filters },
      )
    ).leases;
  }
}

/** Snapshots of one snapshotter (overlayfs by default). */
export class SnapshotsClient extends SubClient {
  constructor(
    rpc: RpcChannel,
    ctx: CallContext,
    readonly snapshotter: string,
  ) {
    super(rpc, ctx);
  }

  async prepare(key: string, parent = '', labels: Record<string, string> = {}): Promise<Mount[]> {
    return (
      await this.rpc.unary<{ mounts: Mount[] }>(this.ctx, 'snapshots', 'Prepare', {
        snapshotter: this.snapshotter,
        key,
        parent,
        labels,
      })
    ).mounts;
  }

  async view(key: string, parent: string, labels: Record<string, string> = {}): Promise<Mount[]> {
    return (
      await this.rpc.unary<{ mounts: Mount[] }>(this.ctx, 'snapshots', 'View', {
        snapshotter: this.snapshotter,
        key,
        parent,
        labels,
      })
    ).mounts;
  }

  async mounts(key: string): Promise<Mount[]> {
    return (
      await this.rpc.unary<{ mounts: Mount[] }>(this.ctx, 'snapshots', 'Mounts', { snapshotter: this.snapshotter, key })
    ).mounts;
  }

  async commit(name: string, key: string, labels: Record<string, string> = {}): Promise<void> {
    await this.rpc.unary(this.ctx, 'snapshots', 'Commit', { snapshotter: this.snapshotter, name, key, labels });
  }

  async remove(key: string): Promise<void> {
    await this.rpc.unary(this.ctx, 'snapshots', 'Remove', { snapshotter: this.snapshotter, key });
  }

  async stat(key: string): Promise<SnapshotInfo> {
    return (
      await this.rpc.unary<{ info: SnapshotInfo }>(this.ctx, 'snapshots', 'Stat', {
        snapshotter: this.snapshotter,
        key,
      })
    ).info;
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.stat(key);
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async updateLabels(name: string, labels: Record<string, string>): Promise<SnapshotInfo> {
    const updateMask = { paths: Object.keys(labels).map((k) => `labels.${k}`) };
    return (
      await this.rpc.unary<{ info: SnapshotInfo }>(this.ctx, 'snapshots', 'Update', {
        snapshotter: this.snapshotter,
        info: { name, labels },
        updateMask,
      })
    ).info;
  }

  async list(filters: string[] = []): Promise<SnapshotInfo[]> {
    const out: SnapshotInfo[] = [];
    for await (const page of this.rpc.serverStream<{ info: SnapshotInfo[] }>(this.ctx, 'snapshots', 'List', {
      snapshotter: this.snapshotter,
      filters,
    })) {
      out.push(...page.info);
    }
    return out;
  }

  async usage(key: string): Promise<{ size: number; inodes: number }> {
    return this.rpc.unary(this.ctx, 'snapshots', 'Usage', { snapshotter: this.snapshotter, key });
  }
}

/** Applies layer blobs (from the content store) onto snapshot mounts. */
export class DiffClient extends SubClient {
  async apply(diff: Descriptor, mounts: Mount[]): Promise<Descriptor> {
    return (await this.rpc.unary<{ applied: Descriptor }>(this.ctx, 'diff', 'Apply', { diff, mounts })).applied;
  }
}

/** containerd's image records: a name pointing at a manifest or index descriptor. */
export class ImagesClient extends SubClient {
  async get(name: string): Promise<ImageRecord> {
    return (await this.rpc.unary<{ image: ImageRecord }>(this.ctx, 'images', 'Get', { name })).image;
  }

  async list(filters: string[] = []): Promise<ImageRecord[]> {
    return (await this.rpc.unary<{ images: ImageRecord[] }>(this.ctx, 'images', 'List', { filters })).images;
  }

  async create(image: { name: string; target: Descriptor; labels?: Record<string, string> }): Promise<ImageRecord> {
    return (
      await this.rpc.unary<{ image: ImageRecord }>(this.ctx, 'images', 'Create', { image: { labels: {}, ...image } })
    ).image;
  }

  async update(
    image: { name: string; target: Descriptor; labels?: Record<string, string> },
    paths?: string[],
  ): Promise<ImageRecord> {
    const req: Record<string, unknown> = { image: { labels: {}, ...image } };
    if (paths) req.updateMask = { paths };
    return (await this.rpc.unary<{ image: ImageRecord }>(this.ctx, 'images', 'Update', req)).image;
  }

  /** Creates the record, or points an existing one at the new target. */
  async upsert(image: { name: string; target: Descriptor; labels?: Record<string, string> }): Promise<ImageRecord> {
    try {
      return await this.create(image);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      return this.update(image);
    }
  }

  async delete(name: string, sync = false): Promise<void> {
    await this.rpc.unary(this.ctx, 'images', 'Delete', { name, sync });
  }
}

export interface CreateContainerOptions {
  id: string;
  image?: string;
  labels?: Record<string, string>;
  /** The OCI runtime spec, as a plain object. */
  spec: object;
  snapshotter?: string;
  snapshotKey?: string;
  runtime?: string;
  extensions?: Record<string, unknown>;
}

/** containerd's container records (metadata: spec, runtime, rootfs snapshot). */
export class ContainersClient extends SubClient {
  async create(o: CreateContainerOptions): Promise<ContainerRecord> {
    const container = {
      id: o.id,
      image: o.image ?? '',
      labels: o.labels ?? {},
      runtime: { name: o.runtime ?? 'io.containerd.runc.v2' },
      spec: jsonAny(OCI_SPEC_TYPE_URL, o.spec),
      snapshotter: o.snapshotter ?? '',
      snapshotKey: o.snapshotKey ?? '',
      extensions: Object.fromEntries(
        Object.entries(o.extensions ?? {}).map(([k, v]) => [k, jsonAny(`tsswarm/${k}`, v)]),
      ),
    };
    return (await this.rpc.unary<{ container: ContainerRecord }>(this.ctx, 'containers', 'Create', { container }))
      .container;
  }

  async get(id: string): Promise<ContainerRecord> {
    return (await this.rpc.unary<{ container: ContainerRecord }>(this.ctx, 'containers', 'Get', { id })).container;
  }

  async list(filters: string[] = []): Promise<ContainerRecord[]> {
    return (await this.rpc.unary<{ containers: ContainerRecord[] }>(this.ctx, 'containers', 'List', { filters }))
      .containers;
  }

  async updateLabels(id: string, labels: Record<string, string>): Promise<ContainerRecord> {
    const updateMask = { paths: Object.keys(labels).map((k) => `labels.${k}`) };
    return (
      await this.rpc.unary<{ container: ContainerRecord }>(this.ctx, 'containers', 'Update', {
        container: { id, labels },
        updateMask,
      })
    ).container;
  }

  async delete(id: string): Promise<void> {
    await this.rpc.unary(this.ctx, 'containers', 'Delete', { id });
  }

  /** The OCI spec stored with a container record. */
  static specOf(c: ContainerRecord): Record<string, unknown> | undefined {
    return c.spec?.value?.length ? JSON.parse(c.spec.value.toString('utf8')) : undefined;
  }
}

/** Tasks: the running processes of containers, through the runc shim. */
export class TasksClient extends SubClient {
  /** `runtimePath`: the shim program to run instead of the one the container's runtime names. */
  async create(
    containerId: string,
    rootfs: Mount[],
    io: TaskIO = {},
    o: { runtimePath?: string } = {},
  ): Promise<{ pid: number }> {
    return this.rpc.unary(this.ctx, 'tasks', 'Create', {
      containerId,
      rootfs,
      stdin: io.stdin ?? '',
      stdout: io.stdout ?? '',
      stderr: io.stderr ?? '',
      terminal: io.terminal ?? false,
      runtimePath: o.runtimePath ?? '',
    });
  }

  async start(containerId: string, execId = ''): Promise<{ pid: number }> {
    return this.rpc.unary(this.ctx, 'tasks', 'Start', { containerId, execId });
  }

  async kill(containerId: string, signal: number, opts: { execId?: string; all?: boolean } = {}): Promise<void> {
    await this.rpc.unary(this.ctx, 'tasks', 'Kill', {
      containerId,
      signal,
      execId: opts.execId ?? '',
      all: opts.all ?? false,
    });
  }

  async delete(containerId: string): Promise<ExitStatus & { pid: number }> {
    const r = await this.rpc.unary<{ pid: number; exitStatus: number; exitedAt?: ProtoTimestamp }>(
      this.ctx,
      'tasks',
      'Delete',
      { containerId },
    );
    return { pid: r.pid, exitStatus: r.exitStatus, exitedAt: toDate(r.exitedAt) };
  }

  async deleteProcess(containerId: string, execId: string): Promise<ExitStatus> {
    const r = await this.rpc.unary<{ exitStatus: number; exitedAt?: ProtoTimestamp }>(
      this.ctx,
      'tasks',
      'DeleteProcess',
      { containerId, execId },
    );
    return { exitStatus: r.exitStatus, exitedAt: toDate(r.exitedAt) };
  }

  async get(containerId: string, execId = ''): Promise<ProcessState> {
    return (await this.rpc.unary<{ process: ProcessState }>(this.ctx, 'tasks', 'Get', { containerId, execId })).process;
  }

  /** Every task's init process; containerd leaves containerId empty there, so it is filled from id. */
  async list(): Promise<ProcessState[]> {
    const tasks = (await this.rpc.unary<{ tasks: ProcessState[] }>(this.ctx, 'tasks', 'List', { filter: '' })).tasks;
    return tasks.map((t) => ({ ...t, containerId: t.containerId || t.id }));
  }

  /** Adds a process to a running task; `process` is an OCI runtime spec "process" object. */
  async exec(containerId: string, execId: string, process: object, io: TaskIO = {}): Promise<void> {
    await this.rpc.unary(this.ctx, 'tasks', 'Exec', {
      containerId,
      execId,
      spec: jsonAny(OCI_PROCESS_TYPE_URL, process),
      stdin: io.stdin ?? '',
      stdout: io.stdout ?? '',
      stderr: io.stderr ?? '',
      terminal: io.terminal ?? false,
    });
  }

  async resizePty(containerId: string, width: number, height: number, execId = ''): Promise<void> {
    await this.rpc.unary(this.ctx, 'tasks', 'ResizePty', { containerId, execId, width, height });
  }

  async closeStdin(containerId: string, execId = ''): Promise<void> {
    await this.rpc.unary(this.ctx, 'tasks', 'CloseIO', { containerId, execId, stdin: true });
  }

  async pause(containerId: string): Promise<void> {
    await this.rpc.unary(this.ctx, 'tasks', 'Pause', { containerId });
  }

  async resume(containerId: string): Promise<void> {
    await this.rpc.unary(this.ctx, 'tasks', 'Resume', { containerId });
  }

  async pids(containerId: string): Promise<number[]> {
    return (
      await this.rpc.unary<{ processes: Array<{ pid: number }> }>(this.ctx, 'tasks', 'ListPids', { containerId })
    ).processes.map((p) => p.pid);
  }

  /** Resolves when the process exits (a long-lived call; prefer events for many tasks). */
  async wait(containerId: string, execId = ''): Promise<ExitStatus> {
    const r = await this.rpc.unary<{ exitStatus: number; exitedAt?: ProtoTimestamp }>(this.ctx, 'tasks', 'Wait', {
      containerId,
      execId,
    });
    return { exitStatus: r.exitStatus, exitedAt: toDate(r.exitedAt) };
  }
}

/** containerd's event stream, with task event payloads decoded. */
export class EventsClient extends SubClient {
  /**
   * Events of this client's namespace (and any other the filters allow). Filters use
   * containerd's syntax, e.g. `topic~="/tasks/"`. Ends when the signal aborts or containerd goes away.
   */
  async *subscribe(filters: string[] = [], signal?: AbortSignal): AsyncGenerator<ContainerdEvent> {
    const nsFilter = `namespace==${this.ctx.namespace}`;
    const all = filters.length ? filters.map((f) => `${nsFilter},${f}`) : [nsFilter];
    type Envelope = { timestamp?: ProtoTimestamp; namespace: string; topic: string; event?: ProtoAny };
    for await (const env of this.rpc.serverStream<Envelope>(
      this.ctx,
      'events',
      'Subscribe',
      { filters: all },
      signal,
    )) {
      const typeUrl = env.event?.type_url ?? '';
      const known = EVENT_TYPES[typeUrl];
      yield {
        timestamp: toDate(env.timestamp),
        namespace: env.namespace,
        topic: env.topic,
        type: typeUrl,
        event: known && env.event ? decode<Record<string, unknown>>(known, env.event.value) : undefined,
      };
    }
  }
}

/**
 * A client of one containerd, scoped to one namespace. Emits 'disconnect' when the channel
 * leaves the ready state and 'reconnect' when it is back, so owners can re-subscribe and
 * reconcile after a containerd restart.
 */
export class ContainerdClient extends EventEmitter {
  readonly content: ContentClient;
  readonly leases: LeasesClient;
  readonly snapshots: SnapshotsClient;
  readonly diff: DiffClient;
  readonly images: ImagesClient;
  readonly containers: ContainersClient;
  readonly tasks: TasksClient;
  readonly events: EventsClient;
  private closed = false;

  private constructor(
    private readonly rpc: RpcChannel,
    readonly address: string,
    readonly namespace: string,
    private readonly ctx: CallContext,
    private readonly ownsChannel: boolean,
  ) {
    super();
    this.content = new ContentClient(rpc, ctx);
    this.leases = new LeasesClient(rpc, ctx);
    this.snapshots = new SnapshotsClient(rpc, ctx, 'overlayfs');
    this.diff = new DiffClient(rpc, ctx);
    this.images = new ImagesClient(rpc, ctx);
    this.containers = new ContainersClient(rpc, ctx);
    this.tasks = new TasksClient(rpc, ctx);
    this.events = new EventsClient(rpc, ctx);
  }

  /** Connects and checks that containerd answers Version within the timeout. */
  static async connect(address: string, opts: ConnectOptions = {}): Promise<ContainerdClient> {
    const namespace = opts.namespace ?? 'tsswarm';
    const rpc = new RpcChannel(address);
    const client = new ContainerdClient(rpc, address, namespace, { namespace }, true);
    try {
      await client.waitForReady(opts.timeoutMs ?? 10_000);
      await client.version();
    } catch (err) {
      rpc.close();
      throw err;
    }
    client.watchConnectivity();
    return client;
  }

  /** Snapshots of another snapshotter over the same connection. */
  snapshotter(name: string): SnapshotsClient {
    return new SnapshotsClient(this.rpc, this.ctx, name);
  }

  async version(): Promise<{ version: string; revision: string }> {
    return this.rpc.unary(this.ctx, 'version', 'Version', {}, 5000);
  }

  /** Waits until the channel is connected, or throws UnavailableError after timeoutMs. */
  async waitForReady(timeoutMs: number): Promise<void> {
    try {
      await this.rpc.h2.waitForReady(timeoutMs);
    } catch (err) {
      throw new UnavailableError(`containerd at ${this.address} is not answering: ${(err as Error).message}`);
    }
  }

  private watchConnectivity(): void {
    this.rpc.h2.on('down', () => {
      if (!this.closed) this.emit('disconnect');
    });
    this.rpc.h2.on('up', () => {
      if (!this.closed) this.emit('reconnect');
    });
  }

  /**
   * Runs fn with a client whose new content and snapshots belong to a fresh lease, so that
   * garbage collection keeps them until they are referenced; the lease is deleted afterwards.
   */
  async withLease<T>(fn: (leased: ContainerdClient) => Promise<T>, expireMs = 3_600_000): Promise<T> {
    const id = `tsswarm-${randomBytes(8).toString('hex')}`;
    const expire = new Date(Date.now() + expireMs).toISOString();
    await this.leases.create(id, { 'containerd.io/gc.expire': expire });
    const leased = new ContainerdClient(
      this.rpc,
      this.address,
      this.namespace,
      { namespace: this.namespace, lease: id },
      false,
    );
    try {
      return await fn(leased);
    } finally {
      await this.leases.delete(id).catch(() => undefined);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsChannel) this.rpc.close();
  }
}

/** sha256 digest of a buffer, in OCI's "sha256:<hex>" form. */
export function digestOf(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}
