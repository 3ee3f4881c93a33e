import type { EventSink, EventType } from '../../src/api';

/** One message of GET /events, in Docker's shape. */
export interface EngineEvent {
  Type: EventType;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local' | 'swarm';
  time: number;
  timeNano: number;
  /** Legacy fields the docker CLI still prints for containers and images. */
  status?: string;
  id?: string;
  from?: string;
}

export interface EventFilter {
  type?: string[];
  event?: string[];
  container?: string[];
  image?: string[];
  network?: string[];
  volume?: string[];
  label?: string[];
  scope?: string[];
}

/** Whether an event passes Docker's /events filters (values within a key OR, keys AND). */
export function eventMatches(e: EngineEvent, f: EventFilter): boolean {
  const attrs = e.Actor.Attributes;
  const idOrName = (vals: string[] | undefined) =>
    !vals || vals.some((v) => e.Actor.ID === v || e.Actor.ID.startsWith(v) || attrs.name === v);
  if (f.type && !f.type.includes(e.Type)) return false;
  if (f.event && !f.event.some((a) => e.Action === a || e.Action.startsWith(`${a}:`))) return false;
  if (f.scope && !f.scope.includes(e.scope)) return false;
  if (f.container && (e.Type !== 'container' || !idOrName(f.container))) return false;
  if (f.image && !f.image.some((i) => (e.Type === 'image' && idOrName([i])) || attrs.image === i)) return false;
  if (f.network && (e.Type !== 'network' || !idOrName(f.network))) return false;
  if (f.volume && (e.Type !== 'volume' || !idOrName(f.volume))) return false;
  if (
    f.label &&
    !f.label.every((l) => (l.includes('=') ? attrs[l.split('=')[0]] === l.slice(l.indexOf('=') + 1) : l in attrs))
  )
    return false;
  return true;
}

/**
 * The daemon's event stream: engine components publish into it (it is their EventSink), the
 * API streams it. Keeps the last `capacity` events so that `since` can replay them.
 */
export class EventBus implements EventSink {
  private readonly ring: EngineEvent[] = [];
  private readonly subscribers = new Set<(e: EngineEvent) => void>();

  constructor(private readonly capacity = 1024) {}

  publish(type: EventType, action: string, id: string, attributes: Record<string, string> = {}): void {
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    const e: EngineEvent = {
      Type: type,
      Action: action,
      Actor: { ID: id, Attributes: attributes },
      scope: 'local',
      time: Number(nowNs / 1_000_000_000n),
      timeNano: Number(nowNs),
    };
    if (type === 'container' || type === 'image') {
      e.status = action;
      e.id = id;
      if (attributes.image) e.from = attributes.image;
    }
    this.ring.push(e);
    if (this.ring.length > this.capacity) this.ring.shift();
    for (const s of this.subscribers) s(e);
  }

  /** Past events from `sinceSec` (unix seconds) on, oldest first. */
  history(sinceSec: number, untilSec = Infinity): EngineEvent[] {
    return this.ring.filter((e) => e.timeNano / 1e9 >= sinceSec && e.timeNano / 1e9 <= untilSec);
  }

  /** Calls fn for every new event until the returned function is called. */
  subscribe(fn: (e: EngineEvent) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }
}
