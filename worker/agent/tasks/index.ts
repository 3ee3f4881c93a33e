export type { AssignedTask, AssignedContainerSpec } from './assigned-task';
export type { Controller } from './controller';
export { TaskRejectedError, TaskFilesError, TASK_ERROR_CODES } from './errors';
export { TaskController, type TaskContainers, type TaskImages, type TaskControllerDeps } from './task-controller';
export {
  taskContainerConfig,
  stopGraceSeconds,
  hostPorts,
  taskPorts,
  type TaskContainerConfig,
  type TaskFileMount,
} from './task-container-config';
export { taskContainerName, taskServiceName } from './task-container-name';
export { TaskFiles, secretTarget, configTarget, isMountPoint, type TaskDependencies } from './task-files';
export { taskLabels, TASK_ID_LABEL, STACK_NAMESPACE_LABEL } from './task-labels';
export { TaskManager, type TaskManagerOptions, type TaskStatusUpdate } from './task-manager';
export {
  TaskHealthEvents,
  type ContainerEvent,
  type EngineEventSource,
  type TaskHealthStatus,
} from './task-health-events';
export { TaskHealthWatch } from './task-health-watch';
export { TaskRunner, RETRY_MS } from './task-runner';
export { stateRank, isTerminal, wantsShutdown } from './task-state-order';
export {
  step,
  nextAction,
  exitErr,
  GONE,
  UNHEALTHY,
  type ObservedHealth,
  type ObservedTask,
  type ObservedContainer,
  type SteppableTask,
  type TaskAction,
} from './task-step';
export type { TaskNetworks } from './task-networks';
