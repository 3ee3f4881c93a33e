/**
 * What a node is given to run, computed from a store view: its tasks (as TaskAssignments, with
 * what the agent needs and the Engine API does not show), the secrets and configs those tasks
 * reference, Data included, and the view of each overlay network they attach to. Pure: no
 * store writes, no clock.
 */
import {
  TASK_STATES,
  type ConfigObject,
  type SecretObject,
  type ServiceObject,
  type TaskObject,
  type TaskState,
} from '../../src/api';
import type { AssignmentChange, NetworkView, TaskAssignment } from '../../src/rpc';
import type { ReadTx } from '../../src/store';
import { NetworkViews, networksOfTasks, networkViewKey } from './network-views';

/** A node's assignments. Each list is sorted by ID, so equal sets compare equal. */
export interface NodeAssignmentSet {
  readonly tasks: readonly TaskAssignment[];
  readonly secrets: readonly SecretObject[];
  readonly configs: readonly ConfigObject[];
  readonly networks: readonly NetworkView[];
}

const rank = (s: TaskState) => TASK_STATES.indexOf(s);
const ASSIGNED = rank('assigned');
const RUNNING = rank('running');

/**
 * Whether the agent of the task's node must know the task: from the moment the scheduler
 * assigned it until the task reaper deletes it, as with swarmkit. That is how the agent learns
 * to start it and to stop it, and a task that ended keeps its exited container, with its logs,
 * as long as the task is in the history (`docker service ps`, `docker service logs`). A task
 * that left the set is shut down and removed by the agent.
 */
export function isAgentTask(t: TaskObject): boolean {
  return rank(t.Status.State) >= ASSIGNED;
}

/**
 * Whether the task still needs what it depends on: its secrets and configs, and the views of
 * its networks. A task past running has stopped for good (its container only keeps its logs),
 * as swarmkit releases a task's dependencies once it is past running.
 */
function isLive(t: TaskObject): boolean {
  return rank(t.Status.State) <= RUNNING;
}

type PullOptions = { RegistryAuth?: string };

function pullOptionsOf(spec: { ContainerSpec?: object } | undefined): PullOptions | undefined {
  return (spec?.ContainerSpec as { PullOptions?: PullOptions } | undefined)?.PullOptions;
}

/**
 * The task as its agent gets it: ServiceAnnotations {Name, Labels} and Endpoint from the
 * service (the task's own annotations when the service is gone), and the registry auth kept
 * with the image: the task's spec's (the spec it was made from), else the service's.
 */
export function toTaskAssignment(task: TaskObject, service: ServiceObject | undefined): TaskAssignment {
  const out = structuredClone(task) as TaskAssignment;
  if (service) {
    out.ServiceAnnotations = { Name: service.Spec.Name, Labels: { ...(service.Spec.Labels ?? {}) } };
    if (service.Endpoint) out.Endpoint = structuredClone(service.Endpoint);
  }
  const auth = pullOptionsOf(task.Spec)?.RegistryAuth ?? pullOptionsOf(service?.Spec.TaskTemplate)?.RegistryAuth;
  if (out.Spec.ContainerSpec) {
    if (auth) out.Spec.ContainerSpec.PullOptions = { RegistryAuth: auth };
    else delete out.Spec.ContainerSpec.PullOptions;
  }
  return out;
}

const byId = (a: { ID: string }, b: { ID: string }) => (a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0);

/**
 * Each stored task's assignment, made once per version of the task and of its service: store
 * objects are immutable, and every commit that touches a node's tasks recomputes its whole set,
 * so 50 tasks starting cost 50 sets of 50 clones without it. The assignments are shared by the
 * sets that include them; nothing downstream modifies them (they are serialized to the agent).
 */
const assignments = new WeakMap<TaskObject, { service: ServiceObject | undefined; assignment: TaskAssignment }>();
/** assignmentSetKey's part for each assignment. */
const taskKeys = new WeakMap<TaskAssignment, string>();

function assignmentOf(t: TaskObject, service: ServiceObject | undefined): TaskAssignment {
  const hit = assignments.get(t);
  if (hit && hit.service === service) return hit.assignment;
  const assignment = toTaskAssignment(t, service);
  assignments.set(t, { service, assignment });
  return assignment;
}

function taskKey(t: TaskAssignment): string {
  let key = taskKeys.get(t);
  if (key === undefined) {
    const { Status: _s, Version: _v, UpdatedAt: _u, ...rest } = t;
    key = JSON.stringify(rest);
    taskKeys.set(t, key);
  }
  return key;
}

/**
 * The assignment set of `nodeId` in the view `tx`. Secrets and configs that are gone are left
 * out (the task is rejected). `views` is shared by the sessions so that each network's view is
 * built once per store index.
 */
export function assignmentSet(tx: ReadTx, nodeId: string, views = new NetworkViews()): NodeAssignmentSet {
  const tasks: TaskAssignment[] = [];
  const secretIds = new Set<string>();
  const configIds = new Set<string>();
  const services = new Map<string, ServiceObject | undefined>();
  const live: TaskObject[] = [];
  for (const t of tx.find('task', { nodeId })) {
    if (!isAgentTask(t)) continue;
    if (!services.has(t.ServiceID)) services.set(t.ServiceID, tx.get('service', t.ServiceID));
    tasks.push(assignmentOf(t, services.get(t.ServiceID)));
    if (!isLive(t)) continue;
    live.push(t);
    for (const s of t.Spec.ContainerSpec?.Secrets ?? []) secretIds.add(s.SecretID);
    for (const c of t.Spec.ContainerSpec?.Configs ?? []) configIds.add(c.ConfigID);
  }
  const secrets = [...secretIds].flatMap((id) => tx.get('secret', id) ?? []);
  const configs = [...configIds].flatMap((id) => tx.get('config', id) ?? []);
  // The routing mesh listens on every node, so the ingress view goes to nodes without its tasks too.
  const mesh = views.meshNetwork(tx);
  const ids = networksOfTasks(live);
  if (mesh && !ids.includes(mesh)) ids.push(mesh);
  const networks = ids.sort().flatMap((id) => views.view(tx, id) ?? []);
  return {
    tasks: tasks.sort(byId),
    secrets: secrets.map((s) => structuredClone(s)).sort(byId),
    configs: configs.map((c) => structuredClone(c)).sort(byId),
    networks,
  };
}

/** The set as the changes of a full `assignments` message (all updates; networks before the tasks on them). */
export function fullAssignmentChanges(set: NodeAssignmentSet): AssignmentChange[] {
  return [
    ...set.networks.map((network): AssignmentChange => ({
      action: 'update',
      assignment: { kind: 'network', network },
    })),
    ...set.secrets.map((secret): AssignmentChange => ({ action: 'update', assignment: { kind: 'secret', secret } })),
    ...set.configs.map((config): AssignmentChange => ({ action: 'update', assignment: { kind: 'config', config } })),
    ...set.tasks.map((task): AssignmentChange => ({ action: 'update', assignment: { kind: 'task', task } })),
  ];
}

/**
 * A key that changes when the set changes in a way the agent must hear about. A task's Status,
 * Version and UpdatedAt are left out: the agent wrote them (its task-status reports) and
 * already knows, so its own reports do not echo back as new sets (swarmkit skips those too).
 * A network view's Version is left out too: only its content counts.
 */
export function assignmentSetKey(set: NodeAssignmentSet): string {
  const rest = [set.secrets, set.configs, set.networks.map(networkViewKey)].map((x) => JSON.stringify(x));
  return `[[${set.tasks.map(taskKey).join(',')}],${rest.join(',')}]`;
}
