/** Small object builders for the store tests. */
import type { NewObject } from '../../../src/store';

export function service(name: string, extra: Record<string, unknown> = {}): NewObject<'service'> {
  return {
    Spec: {
      Name: name,
      Labels: {},
      TaskTemplate: { ContainerSpec: { Image: 'busybox' } },
      Mode: { Replicated: { Replicas: 1 } },
    },
    ...extra,
  } as NewObject<'service'>;
}

export function task(
  serviceId: string,
  slot: number,
  nodeId?: string,
  labels: Record<string, string> = {},
): NewObject<'task'> {
  return {
    Labels: labels,
    Spec: { ContainerSpec: { Image: 'busybox' } },
    ServiceID: serviceId,
    Slot: slot,
    NodeID: nodeId,
    Status: { State: 'new' },
    DesiredState: 'running',
  };
}

export function node(hostname: string, labels: Record<string, string> = {}): NewObject<'node'> {
  return {
    Spec: { Labels: labels, Role: 'worker', Availability: 'active' },
    Description: { Hostname: hostname },
    Status: { State: 'ready' },
  };
}

export function network(name: string): NewObject<'network'> {
  return { Spec: { Name: name, Labels: {}, DriverConfiguration: { Name: 'overlay' } } };
}

export function secret(name: string, data: string): NewObject<'secret'> {
  return { Spec: { Name: name, Labels: {}, Data: Buffer.from(data).toString('base64') } };
}

/** A clock that advances one second per reading, from a fixed time. */
export function steppingClock(start = Date.UTC(2026, 10, 22, 12, 0, 0)): () => number {
  let t = start;
  return () => (t += 1000);
}
