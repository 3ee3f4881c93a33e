import { readFile, unlink } from 'node:fs/promises';
import * as path from 'node:path';
import type { ShimGroups } from './shim-groups';
import { writeSmallFile } from './small-files';

/**
 * The start hints the runc shim launcher reads (runc-shim-launcher.ts): before a task that joins
 * a shim group whose shim is up is created, the shim's address under the task's id, so that the
 * launcher answers containerd's `shim start` itself instead of running the Go shim to learn it.
 * A group's address is read once, from the bundle of the first task its shim created.
 */
export class ShimStartHints {
  /**
   * `dir`: the launcher's hints folder; `bundles`: containerd's task bundles of our namespace
   * (`<containerd state>/io.containerd.runtime.v2.task/<namespace>`).
   */
  constructor(
    private readonly dir: string,
    private readonly bundles: string,
  ) {}

  /**
   * `create`, the Tasks.Create of task `id` (a member of `shims`), with a hint when its group's
   * shim address is known. A create through a hint that fails is made again through the real shim:
   * a shim that died leaves its socket behind, and the real shim's start replaces it. The first
   * create of a group reads its shim's address; members that come meanwhile wait for it.
   */
  async create<T>(id: string, shims: ShimGroups, create: () => Promise<T>): Promise<T> {
    // The group's shim does one create at a time: waiting for the create that is to make its
    // address known costs this one no time, and spares it the real shim's start.
    for (let f = shims.founding(id); f; f = shims.founding(id)) await f;
    const address = shims.addressOf(id);
    if (address !== undefined) {
      if (!(await this.offer(id, address))) return create();
      try {
        const task = await create();
        void this.withdraw(id);
        return task;
      } catch {
        await this.withdraw(id);
        shims.forget(id);
      }
      for (let f = shims.founding(id); f; f = shims.founding(id)) await f;
      if (shims.addressOf(id) !== undefined) return create();
    }
    // No await between the last look at founding() and found(): one founder at a time per group.
    const created = create();
    shims.found(
      id,
      created.then(
        async () => {
          const a = await this.shimAddress(id);
          if (a) shims.learned(id, a);
        },
        () => undefined,
      ),
    );
    return created;
  }

  /** Leaves `address` for the start of task `id`; false when it could not be written. */
  async offer(id: string, address: string): Promise<boolean> {
    try {
      await writeSmallFile(path.join(this.dir, id), `${address}\n`);
      return true;
    } catch {
      return false;
    }
  }

  /** Takes the hint of `id` back (done once its task create has settled). */
  async withdraw(id: string): Promise<void> {
    await unlink(path.join(this.dir, id)).catch(() => undefined);
  }

  /** The address of the shim serving task `id`, as containerd wrote it into the task's bundle. */
  async shimAddress(id: string): Promise<string | undefined> {
    try {
      const a = (await readFile(path.join(this.bundles, id, 'address'), 'utf8')).trim();
      return /^unix:\/\/\/[A-Za-z0-9/:._-]+$/.test(a) ? a : undefined;
    } catch {
      return undefined;
    }
  }
}
