import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { InternalError, InvalidArgumentError } from '../../../src/api';
import { gather } from './gather';

const WRITE_BYTES = 1 << 20;

/**
 * The blobs directory of a containerd this daemon runs itself (its local content store,
 * `<root>/io.containerd.content.v1.content/blobs/<algorithm>/<hex>`), written to straight from
 * a download. Streaming a layer through Content.Write costs containerd about 12 ms of CPU per
 * MiB (gRPC framing, its ingest file, a second hash); a file put here costs it nothing, and
 * Content.Write then only records the blob in the namespace and the lease: with the default
 * "shared" content policy, containerd commits a blob its store already holds when a writer
 * names its digest (see ContentClient.adopt).
 *
 * The caller verifies the digest before the file is moved in (containerd trusts the name).
 * Unreferenced blobs are containerd's to collect: one collected between the move and the
 * adoption is simply not adopted, and the caller streams it instead.
 */
export class ContentDirectory {
  private readonly blobs: string;

  /** `contentRoot`: containerd's content plugin directory; `tmpDir`: on the same filesystem. */
  constructor(
    contentRoot: string,
    private readonly tmpDir: string,
  ) {
    this.blobs = path.join(contentRoot, 'blobs');
    // Partial files of a daemon that died mid-download.
    rmSync(tmpDir, { recursive: true, force: true });
    mkdirSync(tmpDir, { recursive: true, mode: 0o700 });
  }

  /** Whether containerd's store holds the blob, in some namespace or none. */
  has(digest: string): boolean {
    return existsSync(this.pathOf(digest));
  }

  /**
   * Writes `data` as the blob `digest`: to a file of our own, flushed to disk, then renamed into
   * the store read-only. `data` must fail (throw from its iteration) unless its bytes hash to
   * `digest`; then nothing is moved in.
   */
  async write(digest: string, data: AsyncIterable<Buffer>): Promise<void> {
    const target = this.pathOf(digest);
    const tmp = path.join(this.tmpDir, `${digest.replace(':', '-')}.${randomBytes(4).toString('hex')}`);
    const fh = await open(tmp, 'wx', 0o444);
    try {
      // A download's 16-64 KiB reads go to the disk a MiB at a time: one thread-pool round
      // trip each instead of one per read.
      for await (const parts of gather(data, WRITE_BYTES)) await writeAll(fh, parts);
      await fh.datasync();
    } catch (err) {
      await fh.close().catch(() => undefined);
      await rm(tmp, { force: true });
      throw err;
    }
    await fh.close();
    try {
      mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  private pathOf(digest: string): string {
    const m = /^(sha256|sha384|sha512):([a-f0-9]+)$/.exec(digest);
    if (!m) throw new InvalidArgumentError(`invalid digest "${digest}"`);
    return path.join(this.blobs, m[1], m[2]);
  }
}

async function writeAll(fh: FileHandle, parts: Buffer[]): Promise<void> {
  let bytes = 0;
  for (const p of parts) bytes += p.length;
  const { bytesWritten } = await fh.writev(parts);
  // A regular file takes all of it but for a full disk.
  if (bytesWritten !== bytes) throw new InternalError(`wrote ${bytesWritten} of ${bytes} bytes: is the disk full?`);
}
