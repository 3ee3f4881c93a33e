/**
 * The task messages of the agent session (the next step after hello and heartbeats): the
 * dispatcher sends a node its assignments, the agent sends back its tasks' statuses. Both are
 * JSON frames on the same WebSocket as the other SessionMessages.
 */
import type {
  ConfigObject,
  ContainerSpec,
  Endpoint,
  Labels,
  SecretObject,
  TaskObject,
  TaskSpec,
  TaskStatus,
} from '../api';
import type { NetworkView } from './network-messages';

/**
 * A task as the dispatcher hands it to a worker: the Docker-shaped TaskObject plus what
 * swarmkit's Task carries for its agent and the Engine API does not show: the service's name
 * and labels, its endpoint (host-mode ports) and the registry auth of the image (the base64
 * JSON of X-Registry-Auth, as the service was created or updated with).
 */
export interface TaskAssignment extends TaskObject {
  ServiceAnnotations?: { Name?: string; Labels?: Labels };
  Endpoint?: Endpoint;
  Spec: TaskSpec & { ContainerSpec?: ContainerSpec & { PullOptions?: { RegistryAuth?: string } } };
}

/**
 * One thing a node is given: a task, a secret or config (with its Data) a task references, or
 * the view of an overlay network a task attaches to.
 */
export type Assignment =
  | { readonly kind: 'task'; readonly task: TaskAssignment }
  | { readonly kind: 'secret'; readonly secret: SecretObject }
  | { readonly kind: 'config'; readonly config: ConfigObject }
  | { readonly kind: 'network'; readonly network: NetworkView };

/** swarmkit's AssignmentChange: `update` adds or replaces an assignment, `remove` drops it (by ID). */
export interface AssignmentChange {
  readonly action: 'update' | 'remove';
  readonly assignment: Assignment;
}

/**
 * Dispatcher -> agent. With `full` the changes are the node's whole set (every one an
 * `update`): what is not in it is no longer the node's. Without it they apply to the last set.
 */
export interface AssignmentsMessage {
  readonly type: 'assignments';
  readonly full: boolean;
  readonly changes: readonly AssignmentChange[];
}

/** The latest status of one task the node runs. */
export interface TaskStatusReport {
  readonly taskId: string;
  readonly status: TaskStatus;
}

/** Agent -> dispatcher: status changes, one entry per task, batched. */
export interface TaskStatusMessage {
  readonly type: 'task-status';
  readonly updates: readonly TaskStatusReport[];
}

/** The ID of what an assignment carries. */
export function assignmentId(a: Assignment): string {
  switch (a.kind) {
    case 'task':
      return a.task.ID;
    case 'secret':
      return a.secret.ID;
    case 'config':
      return a.config.ID;
    case 'network':
      return a.network.ID;
  }
}
