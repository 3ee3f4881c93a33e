/** manager/: the swarm control plane that runs on managers. */
export { Manager, type ManagerOptions } from './manager';
export * from './errors';
export * from './internal-fields';
export { defaultSwarmSpec, mergeSwarmSpec, heartbeatPeriodMs, DEFAULT_HEARTBEAT_PERIOD_NS } from './cluster-defaults';
export { consistentReads } from './controlapi/consistent-reads';
export { swarmRoutes } from './controlapi/swarm-routes';
export { serviceRoutes, type ServiceRoutesOptions } from './controlapi/service-routes';
export { LeaderComponents, type LeaderComponentsOptions } from './leader-components';
export type { SwarmControl, InitRequest, JoinApiRequest } from './controlapi/swarm-control';
export { initCluster, type InitClusterOptions } from './init-cluster';
export { clusterOf } from './ca/join-handler';
export { issueFor } from './ca/node-ca';
export { checkCanRemoveMember, checkCanDemote, quorumOf } from './membership/quorum-rules';
export { SwarmNetworks } from './controlapi/swarm-networks';
