import type { ContainerSpec, Endpoint, Labels, TaskObject, TaskSpec } from '../../../src/api';

/**
 * A task as the dispatcher hands it to a worker: the Docker-shaped TaskObject plus the parts
 * swarmkit's Task carries for its agent and the Engine API does not show: the service's name
 * and labels (ServiceAnnotations), its endpoint (for host-mode ports) and the registry auth of
 * the service's image (ContainerSpec.PullOptions.RegistryAuth, the base64 JSON of
 * X-Registry-Auth).
 */
export interface AssignedTask extends TaskObject {
  ServiceAnnotations?: { Name?: string; Labels?: Labels };
  Endpoint?: Endpoint;
  Spec: TaskSpec & { ContainerSpec?: AssignedContainerSpec };
}

export interface AssignedContainerSpec extends ContainerSpec {
  PullOptions?: { RegistryAuth?: string };
}
