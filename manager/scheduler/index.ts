/**
 * manager/scheduler: puts tasks on nodes, as swarmkit's scheduler does. Filters -> spread and
 * placement preferences -> placement, in batches; decide (schedule) then apply (applyPlan).
 * See README.md.
 */
export { Scheduler, type SchedulerOptions, type PassStats } from './scheduler';
export { schedule, type ScheduleOptions } from './schedule';
export { applyPlan, type ApplyOptions, type ApplyOutcome } from './apply-plan';
export { ASSIGNED_MESSAGE, PREASSIGNED_MESSAGE, type Plan, type Assignment, type PendingDecision } from './plan';
export { NodeSet, taskEntry, occupiesNode } from './node-set';
export { NodeInfo, FAILURE_WINDOW_MS, MAX_FAILURES, type TaskEntry } from './node-info';
export { Pipeline, defaultFilters } from './pipeline';
export type { Filter } from './filter';
export { ReadyFilter } from './ready-filter';
export { ResourceFilter } from './resource-filter';
export { ConstraintFilter } from './constraint-filter';
export { PlatformFilter } from './platform-filter';
export { HostPortFilter } from './host-port-filter';
export { MaxReplicasFilter } from './max-replicas-filter';
export { parseConstraints, nodeMatches, type Constraint } from './constraint';
export { demandOf, sameDemand, hostPortKeys, taskEndpointPorts, type TaskDemand, type PortsOf } from './task-demand';
export { buildTree, DecisionTree } from './decision-tree';
export { nodeOrder, type NodeCompare } from './node-order';
export { isUnassigned, isPreassigned } from './task-states';
