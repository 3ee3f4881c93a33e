/**
 * Docker's list filters for services and tasks. Values of one key are ORed, keys ANDed;
 * `id` and `name` are prefix matches; `label` is `k` or `k=v`. On /tasks, `service` and `node`
 * are resolved (name, ID or prefix, as the daemon does) before matching, and `label` matches
 * the service's labels.
 */
import { InvalidArgumentError, type Labels, type ServiceObject, type TaskObject } from '../../src/api';

export const SERVICE_FILTERS = ['id', 'name', 'label', 'mode', 'runtime'] as const;
/** `_up-to-date` is the CLI's own key (the progress loop sends it). */
export const TASK_FILTERS = [
  'id',
  'name',
  'service',
  'node',
  'label',
  'desired-state',
  'runtime',
  '_up-to-date',
] as const;

export function labelMatches(labels: Labels | undefined, want: string): boolean {
  const eq = want.indexOf('=');
  const k = eq < 0 ? want : want.slice(0, eq);
  if (!labels || !Object.prototype.hasOwnProperty.call(labels, k)) return false;
  return eq < 0 || labels[k] === want.slice(eq + 1);
}

const anyOf = (f: Record<string, string[]>, key: string, test: (v: string) => boolean) =>
  !f[key]?.length || f[key]!.some(test);

export function serviceModeOf(s: ServiceObject): string {
  const m = s.Spec.Mode ?? {};
  if (m.Global) return 'global';
  if (m.ReplicatedJob) return 'replicated-job';
  if (m.GlobalJob) return 'global-job';
  return 'replicated';
}

/** Whether the service passes `f` (parsed with SERVICE_FILTERS). */
export function serviceMatches(s: ServiceObject, f: Record<string, string[]>): boolean {
  for (const m of f.mode ?? [])
    if (!['replicated', 'global', 'replicated-job', 'global-job'].includes(m))
      throw new InvalidArgumentError(`Invalid filter: 'mode'='${m}'`);
  return (
    anyOf(f, 'id', (v) => s.ID.startsWith(v)) &&
    anyOf(f, 'name', (v) => s.Spec.Name.toLowerCase().startsWith(v.toLowerCase())) &&
    anyOf(f, 'mode', (v) => serviceModeOf(s) === v) &&
    anyOf(f, 'runtime', (v) => (s.Spec.TaskTemplate.Runtime || 'container') === v) &&
    (f.label ?? []).every((v) => labelMatches(s.Spec.Labels, v))
  );
}

/** Swarmkit's naming.Task: `service.slot.id` (or `service.node.id` for global tasks) when the task has no Name. */
export function taskName(t: TaskObject, serviceName: string): string {
  if (t.Name) return t.Name;
  return `${serviceName}.${t.Slot ? t.Slot : (t.NodeID ?? '')}.${t.ID}`;
}

const DESIRED_STATES = ['running', 'shutdown', 'accepted'];

/** What a task filter needs beyond the task: its service (absent once deleted) and whether it runs the current spec. */
export interface TaskContext {
  service?: ServiceObject;
  upToDate: () => boolean;
}

/** Whether the task passes `f`, whose `service` and `node` values are already IDs. */
export function taskMatches(t: TaskObject, f: Record<string, string[]>, ctx: TaskContext): boolean {
  for (const d of f['desired-state'] ?? [])
    if (!DESIRED_STATES.includes(d)) throw new InvalidArgumentError(`Invalid desired-state filter: '${d}'`);
  const svcName = ctx.service?.Spec.Name ?? t.ServiceAnnotations?.Name ?? '';
  const svcLabels = ctx.service?.Spec.Labels ?? t.ServiceAnnotations?.Labels;
  return (
    anyOf(f, 'id', (v) => t.ID.startsWith(v)) &&
    anyOf(f, 'name', (v) => taskName(t, svcName).startsWith(v)) &&
    anyOf(f, 'service', (v) => t.ServiceID === v) &&
    anyOf(f, 'node', (v) => t.NodeID === v) &&
    anyOf(f, 'desired-state', (v) => t.DesiredState === v) &&
    anyOf(f, 'runtime', (v) => (t.Spec.Runtime || 'container') === v) &&
    (f.label ?? []).every((v) => labelMatches(svcLabels, v)) &&
    (!f['_up-to-date']?.length || ctx.upToDate())
  );
}
