/**
 * manager/orchestrator: the swarm orchestrators (replicated, global, the two job modes, restart and update
 * supervisors, task reaper, constraint enforcer). See README.md for what each one writes.
 */
export { systemClock, type Clock } from './clock';
export { ReconcileLoop, type ReconcileLoopOptions } from './reconcile-loop';
export { ReplicatedOrchestrator, type ReplicatedOrchestratorOptions } from './replicated-orchestrator';
export { GlobalOrchestrator, type GlobalOrchestratorOptions } from './global-orchestrator';
export { ReplicatedJobOrchestrator, type ReplicatedJobOrchestratorOptions } from './replicated-job-orchestrator';
export { GlobalJobOrchestrator, type GlobalJobOrchestratorOptions } from './global-job-orchestrator';
export { isJob, jobIteration, inIteration } from './job-mode';
export { TaskReaper, type TaskReaperOptions } from './task-reaper';
export { ConstraintEnforcer, type ConstraintEnforcerOptions } from './constraint-enforcer';
export { RestartSupervisor } from './restart-supervisor';
export { UpdateSupervisor } from './update-supervisor';
export { matchConstraints } from './constraint-match';
export { isTaskDirty } from './is-task-dirty';
export { newTask, instanceKey } from './new-task';
export * from './resolved-config';
