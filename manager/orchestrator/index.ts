/**
 * manager/orchestrator: the swarm orchestrators (replicated, global, restart and update
 * supervisors, task reaper, constraint enforcer). See README.md for what each one writes.
 */
export { systemClock, type Clock } from './clock';
export { ReconcileLoop, type ReconcileLoopOptions } from './reconcile-loop';
export { ReplicatedOrchestrator, type ReplicatedOrchestratorOptions } from './replicated-orchestrator';
export { GlobalOrchestrator, type GlobalOrchestratorOptions } from './global-orchestrator';
export { TaskReaper, type TaskReaperOptions } from './task-reaper';
export { ConstraintEnforcer, type ConstraintEnforcerOptions } from './constraint-enforcer';
export { RestartSupervisor } from './restart-supervisor';
export { UpdateSupervisor } from './update-supervisor';
export { matchConstraints } from './constraint-match';
export { isTaskDirty } from './is-task-dirty';
export { newTask, instanceKey } from './new-task';
export * from './resolved-config';
