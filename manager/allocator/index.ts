/**
 * manager/allocator: swarm networks' address space (subnets, VNIs), service VIPs and ingress
 * ports, task addresses; moves new tasks on to the scheduler once they have them.
 */
export { TaskAllocator, needsAllocation, PENDING_MESSAGE, type TaskAllocatorOptions } from './task-allocator';
export {
  allocateNetworkSpace,
  networkGateway,
  networkSubnet,
  networkUniqueKeys,
  isSubnetKey,
  subnetOfKey,
  networkVni,
  DEFAULT_ADDR_POOL,
  FIRST_VNI,
  type NetworkSpace,
  type NetworkSpaceRequest,
} from './network-space';
export { newNetworkObject, ingressNetworkObject, INGRESS_SPEC } from './network-object';
export { NetworkAllocations, attachedNetworkIds, ingressPorts } from './network-allocations';
