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
 *
 * A group takes members while it serves fewer than `size`: a task that replaces one that
 * ended (a restart, a scale up after a scale down) joins a shim that is up rather than booting
 * a new one, which costs ~55 ms on the start's path.
 *
 * A shim creates one task at a time (its task service holds one lock across `runc create`), so
 * a burst of starts is spread over up to `spread` open groups: a container joins a group with
 * no create in flight, else a new group while fewer than `spread` are open, else the open group
 * with the fewest creates in flight. Starts one after another still fill one shim.
 */

/** The annotation containerd's runc v2 shim groups containers by. */
export const SHIM_GROUP_ANNOTATION = 'io.containerd.runc.v2.group';

/** Containers per shim: 50 containers take 4 shims instead of 50. */
export const DEFAULT_SHIM_GROUP_SIZE = 16;

/** Groups a burst of starts is spread over: enough creates in flight to keep a few cores busy. */
export const DEFAULT_SHIM_GROUP_SPREAD = 4;

interface Group {
  readonly name: string;
  /** Members whose task has not been deleted; at `size` the group takes no more for now. */
  readonly members: Set<string>;
  /** Task creates in flight, by container. */
  readonly creating: Map<string, Promise<unknown>>;
  /** Members that joined and whose task create has not settled yet. */
  readonly unsettled: Set<string>;
  /** The address of the group's shim, once a member's task create made it known. */
  address?: string;
  /** The create that is to make the address known, while it is in flight. */
  founding?: Promise<void>;
}

export class ShimGroups {
  /** Groups that take new members, oldest first. */
  private readonly open: Group[] = [];
  private seq = 0;
  private readonly groupOf = new Map<string, Group>();
  private readonly prefix: string;

  constructor(
    private readonly size = DEFAULT_SHIM_GROUP_SIZE,
    startedAt = Date.now(),
    private readonly spread = DEFAULT_SHIM_GROUP_SPREAD,
  ) {
    this.prefix = `tsswarm-${startedAt.toString(36)}`;
  }

  /** The group a container's next task joins; call before creating its containerd container. */
  join(id: string): string {
    this.detach(id);
    const g = this.pick();
    g.members.add(id);
    g.unsettled.add(id);
    this.groupOf.set(id, g);
    if (g.members.size >= this.size) this.close(g);
    return g.name;
  }

  private pick(): Group {
    const idle = this.open.find((g) => g.unsettled.size === 0);
    if (idle) return idle;
    if (this.open.length < this.spread) {
      const g: Group = {
        name: `${this.prefix}-${++this.seq}`,
        members: new Set(),
        creating: new Map(),
        unsettled: new Set(),
      };
      this.open.push(g);
      return g;
    }
    return this.open.reduce((a, b) => (b.unsettled.size < a.unsettled.size ? b : a));
  }

  private close(g: Group): void {
    const i = this.open.indexOf(g);
    if (i >= 0) this.open.splice(i, 1);
  }

  /**
   * Takes `id` out of the group it was in; a group left with no member closes for good, a full
   * one that made room takes members again (after the groups opened since, so those fill first).
   */
  private detach(id: string): Group | undefined {
    const g = this.groupOf.get(id);
    if (!g) return undefined;
    this.groupOf.delete(id);
    g.members.delete(id);
    g.unsettled.delete(id);
    g.creating.delete(id);
    if (g.members.size === 0) this.close(g);
    else if (g.members.size < this.size && !this.open.includes(g)) {
      this.open.push(g);
    }
    return g;
  }

  /** The address of the shim of `id`'s group, when known (see ShimStartHints). */
  addressOf(id: string): string | undefined {
    return this.groupOf.get(id)?.address;
  }

  /** Records the address of the shim that created the task of `id`, a member still. */
  learned(id: string, address: string): void {
    const g = this.groupOf.get(id);
    if (g) g.address ??= address;
  }

  /**
   * The create in flight in `id`'s group that is to make its shim's address known, if any:
   * a member that waits for it starts through a hint instead of running the real shim's start.
   */
  founding(id: string): Promise<void> | undefined {
    return this.groupOf.get(id)?.founding;
  }

  /** `id`'s create is the one that makes its group's shim address known, once `done` settles. */
  found(id: string, done: Promise<void>): void {
    const g = this.groupOf.get(id);
    if (!g) return;
    g.founding = done;
    void done.then(() => {
      if (g.founding === done) g.founding = undefined;
    });
  }

  /** The shim at the known address of `id`'s group did not answer: the next start asks the real shim. */
  forget(id: string): void {
    const g = this.groupOf.get(id);
    if (g) g.address = undefined;
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
      if (g.creating.get(id) !== settled) return;
      g.creating.delete(id);
      g.unsettled.delete(id);
    });
  }

  /**
   * Call before deleting the task of `id` (or when its start failed): resolves once the other
   * creates in flight in its group are done. The group closes when `id` was its last member.
   */
  async leave(id: string): Promise<void> {
    const g = this.detach(id);
    if (!g || g.members.size === 0) return;
    await Promise.all(g.creating.values());
  }
}
