/**
 * Containers share runc shims, up to `size` per shim. A shim of its own per container costs
 * a Go process of about 13 MB and two execs at every start; containerd's runc v2 shim serves
 * every container whose OCI spec names the same group (the annotation below), as Kubernetes
 * pods share theirs. The bound keeps what one shim's failure touches small.
 *
 * The one hazard is a shim that exits while a container is joining it: containerd asks a shim
 * to shut down after each task delete, and it does when it serves no container. So a task is
 * deleted only once the creates in flight in its group are done (they are then the shim's),
 * and a group that loses its last member is never joined again. Group names carry the daemon's
 * start time, so a restarted daemon never joins a group of a daemon before it.
 */

/** The annotation containerd's runc v2 shim groups containers by. */
export const SHIM_GROUP_ANNOTATION = 'io.containerd.runc.v2.group';

/** Containers per shim: 50 containers take 4 shims instead of 50. */
export const DEFAULT_SHIM_GROUP_SIZE = 16;

interface Group {
  readonly name: string;
  /** Containers that ever joined; at `size` the group takes no more. */
  joined: number;
  /** Members whose task has not been deleted. */
  readonly members: Set<string>;
  /** Task creates in flight, by container. */
  readonly creating: Map<string, Promise<unknown>>;
}

export class ShimGroups {
  private open: Group | undefined;
  private seq = 0;
  private readonly groupOf = new Map<string, Group>();
  private readonly prefix: string;

  constructor(
    private readonly size = DEFAULT_SHIM_GROUP_SIZE,
    startedAt = Date.now(),
  ) {
    this.prefix = `tsswarm-${startedAt.toString(36)}`;
  }

  /** The group a container's next task joins; call before creating its containerd container. */
  join(id: string): string {
    this.groupOf.get(id)?.members.delete(id);
    let g = this.open;
    if (!g || g.joined >= this.size) {
      g = { name: `${this.prefix}-${++this.seq}`, joined: 0, members: new Set(), creating: new Map() };
      this.open = g;
    }
    g.joined++;
    g.members.add(id);
    this.groupOf.set(id, g);
    return g.name;
  }

  /** Marks the task create of `id` in flight until `created` settles. */
  creating(id: string, created: Promise<unknown>): void {
    const g = this.groupOf.get(id);
    if (!g) return;
    const settled = created.then(
      () => undefined,
      () => undefined,
    );
    g.creating.set(id, settled);
    void settled.then(() => {
      if (g.creating.get(id) === settled) g.creating.delete(id);
    });
  }

  /**
   * Call before deleting the task of `id` (or when its start failed): resolves once the other
   * creates in flight in its group are done. The group closes when `id` was its last member.
   */
  async leave(id: string): Promise<void> {
    const g = this.groupOf.get(id);
    if (!g) return;
    this.groupOf.delete(id);
    g.members.delete(id);
    g.creating.delete(id);
    if (g.members.size === 0) {
      if (this.open === g) this.open = undefined;
      return;
    }
    await Promise.all(g.creating.values());
  }
}
