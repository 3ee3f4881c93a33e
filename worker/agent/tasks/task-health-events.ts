/** A container event as the engine's event stream carries it (worker/events' EngineEvent fits). */
export interface ContainerEvent {
  Type: string;
  Action: string;
  Actor: { ID: string };
}

/** The engine's event stream (worker/events' EventBus fits). */
export interface EngineEventSource {
  /** Calls fn for every new event until the returned function is called. */
  subscribe(fn: (e: ContainerEvent) => void): () => void;
}

export type TaskHealthStatus = 'starting' | 'healthy' | 'unhealthy';

const PREFIX = 'health_status: ';

/**
 * The `health_status: <status>` events of the engine, handed to whoever watches that container
 * (swarm's executor learns health from the events too, never by polling). One subscription to
 * the stream while anything is watched.
 */
export class TaskHealthEvents {
  private readonly watchers = new Map<string, Set<(s: TaskHealthStatus) => void>>();
  private unsubscribe?: () => void;

  constructor(private readonly source: EngineEventSource) {}

  /** Calls fn with each health status the container reports from now on; returns the unwatch. */
  watch(containerId: string, fn: (s: TaskHealthStatus) => void): () => void {
    let set = this.watchers.get(containerId);
    if (!set) this.watchers.set(containerId, (set = new Set()));
    set.add(fn);
    this.unsubscribe ??= this.source.subscribe((e) => this.onEvent(e));
    return () => {
      const s = this.watchers.get(containerId);
      if (!s?.delete(fn)) return;
      if (s.size === 0) this.watchers.delete(containerId);
      if (this.watchers.size === 0) {
        this.unsubscribe?.();
        this.unsubscribe = undefined;
      }
    };
  }

  private onEvent(e: ContainerEvent): void {
    if (e.Type !== 'container' || !e.Action.startsWith(PREFIX)) return;
    const set = this.watchers.get(e.Actor.ID);
    if (!set) return;
    const status = e.Action.slice(PREFIX.length) as TaskHealthStatus;
    for (const fn of [...set]) fn(status);
  }
}
