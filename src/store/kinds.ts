/**
 * The store's object kinds and what each one is indexed by. Names are compared
 * case-insensitively, as swarmkit does (its name index lowercases).
 */
import type { Labels, SwarmObjectKind, SwarmObjectKinds } from '../api';

export type Kind = SwarmObjectKind;
export type ObjectOf<K extends Kind> = SwarmObjectKinds[K];
export type AnyObject = SwarmObjectKinds[Kind];

/** Every kind, in the fixed order snapshots use. */
export const KINDS: readonly Kind[] = ['cluster', 'node', 'service', 'task', 'network', 'secret', 'config'];

/** Kinds whose name is unique: creating a second one is a NameConflictError. Node hostnames and task names are not. */
export const UNIQUE_NAME_KINDS: ReadonlySet<Kind> = new Set<Kind>([
  'cluster',
  'service',
  'network',
  'secret',
  'config',
]);

export function isKind(k: unknown): k is Kind {
  return typeof k === 'string' && (KINDS as readonly string[]).includes(k);
}

/** The name an object is looked up by: Spec.Name, a node's Description.Hostname, a task's Name. */
export function nameOf(kind: Kind, obj: AnyObject): string | undefined {
  let n: unknown;
  if (kind === 'node') {
    const node = obj as SwarmObjectKinds['node'];
    n = node.Description?.Hostname || node.Spec?.Name;
  } else if (kind === 'task') n = (obj as SwarmObjectKinds['task']).Name;
  else n = (obj as { Spec?: { Name?: unknown } }).Spec?.Name;
  return typeof n === 'string' && n !== '' ? n : undefined;
}

/** The key of the name index. */
export function nameKey(name: string): string {
  return name.toLowerCase();
}

/** The labels `labels` filters match: a task's own Labels, Spec.Labels for every other kind. */
export function labelsOf(kind: Kind, obj: AnyObject): Labels | undefined {
  const l =
    kind === 'task' ? (obj as SwarmObjectKinds['task']).Labels : (obj as { Spec?: { Labels?: Labels } }).Spec?.Labels;
  return l && typeof l === 'object' ? l : undefined;
}
