/** Store fixtures for the services-wiring tests: nodes, services and tasks as the managers write them. */
import type { ServiceSpec, TaskObject } from '../../../src/api';
import type { MemoryStore, NewObject } from '../../../src/store';
import type { Logger } from '../../../src/util';
import { TaskAllocator } from '../../../manager/allocator';

export const quiet: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return quiet;
  },
};

export async function addNode(store: MemoryStore, id: string, state: 'ready' | 'down' = 'ready'): Promise<void> {
  await store.update((tx) =>
    tx.create('node', {
      ID: id,
      Spec: { Role: 'worker', Availability: 'active', Labels: {} },
      Description: { Hostname: id, Platform: { OS: 'linux', Architecture: 'x86_64' } },
      Status: { State: state },
    }),
  );
}

export async function addService(
  store: MemoryStore,
  id: string,
  spec: Partial<ServiceSpec> = {},
  extra: object = {},
): Promise<void> {
  const full: ServiceSpec = {
    Name: id,
    TaskTemplate: { ContainerSpec: { Image: 'busybox:1', Args: ['sleep', '3600'] } },
    Mode: { Replicated: { Replicas: 1 } },
    ...spec,
  };
  await store.update((tx) => tx.create('service', { ID: id, Spec: full, ...extra }));
}

/** A task as the scheduler leaves it (assigned to `node`), with overrides. */
export async function addTask(
  store: MemoryStore,
  id: string,
  node: string | undefined,
  o: Partial<TaskObject> = {},
): Promise<void> {
  const t: NewObject<'task'> & { ID: string } = {
    ID: id,
    Labels: {},
    ServiceID: 'web',
    Slot: 1,
    Spec: { ContainerSpec: { Image: 'busybox:1', Args: ['sleep', '3600'] } },
    ServiceAnnotations: { Name: 'web', Labels: {} },
    Status: { State: 'assigned', Message: 'scheduler assigned task to node', Timestamp: '2026-01-01T00:00:00Z' },
    DesiredState: 'running',
    ...o,
  };
  if (node) t.NodeID = node;
  await store.update((tx) => tx.create('task', t));
}

/** Edits a stored task. */
export async function editTask(store: MemoryStore, id: string, fn: (t: TaskObject) => void): Promise<void> {
  await store.update((tx) => {
    const t = structuredClone(tx.get('task', id)!);
    fn(t);
    tx.update('task', t);
  });
}

export { until } from '../../support/until';

/** Lets queued watch events, immediates and timers of `ms` run. */
export const turn = (ms = 0) => new Promise((r) => setTimeout(r, ms));

/** A TaskAllocator on `store` with a quiet logger and a clock frozen at 2026-12-01 (not started). */
export function testAllocator(store: MemoryStore): TaskAllocator {
  return new TaskAllocator({
    store,
    logger: quiet,
    clock: { now: () => Date.parse('2026-12-01T00:00:00Z'), setTimer: () => 0, clearTimer() {} },
  });
}
