/** manager/allocator: moves new tasks on to the scheduler (network allocation goes here, next). */
export { TaskAllocator, needsAllocation, PENDING_MESSAGE, type TaskAllocatorOptions } from './task-allocator';
