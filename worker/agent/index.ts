/** worker/agent: the node's session to the managers (and, next, its task runners). */
export { Agent, type AgentOptions } from './agent';
export { AgentTasks, type AgentTasksOptions } from './agent-tasks';
export { TaskSession, type TaskSessionOptions, type SessionTasks } from './task-session';
export { localNodeDescription } from './node-description';
