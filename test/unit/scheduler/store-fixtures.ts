import type { NodeObject, TaskObject } from '../../../src/api';
import type { MemoryStore } from '../../../src/store';

type Meta = 'Version' | 'CreatedAt' | 'UpdatedAt';
const strip = <T extends { Version: unknown }>(o: T): Omit<T, Meta> => {
  const { Version: _v, CreatedAt: _c, UpdatedAt: _u, ...rest } = o as T & { CreatedAt: string; UpdatedAt: string };
  return rest;
};

/** Creates nodes and tasks (fixtures' objects) in one batch. */
export function put(store: MemoryStore, nodes: NodeObject[], tasks: TaskObject[] = []): Promise<void> {
  return store.update((tx) => {
    for (const n of nodes) tx.create('node', strip(n));
    for (const t of tasks) tx.create('task', strip(t));
  });
}

/** Applies `fn` to the stored node and writes it back. */
export function editNode(store: MemoryStore, id: string, fn: (n: NodeObject) => void): Promise<void> {
  return store.update((tx) => {
    const n = structuredClone(tx.get('node', id)!);
    fn(n);
    tx.update('node', n);
  });
}

export function editTask(store: MemoryStore, id: string, fn: (t: TaskObject) => void): Promise<void> {
  return store.update((tx) => {
    const t = structuredClone(tx.get('task', id)!);
    fn(t);
    tx.update('task', t);
  });
}

export const allTasks = (store: MemoryStore) => store.view((tx) => tx.find('task'));

export function countByNode(store: MemoryStore, serviceId?: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of allTasks(store))
    if (t.NodeID && (!serviceId || t.ServiceID === serviceId)) out[t.NodeID] = (out[t.NodeID] ?? 0) + 1;
  return out;
}
