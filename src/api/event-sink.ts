/**
 * Where engine components report what happened (container start, image pull, ...). The API
 * layer implements it and turns each call into a Docker /events message
 * {Type, Action, Actor: {ID, Attributes}, scope: "local", time, timeNano}.
 */
export type EventType =
  'container' | 'image' | 'network' | 'volume' | 'daemon' | 'node' | 'service' | 'secret' | 'config';

export interface EventSink {
  publish(type: EventType, action: string, id: string, attributes?: Record<string, string>): void;
}

/** A sink that drops everything, for components used without an API layer (tests, tools). */
export const NULL_EVENT_SINK: EventSink = { publish: () => undefined };
