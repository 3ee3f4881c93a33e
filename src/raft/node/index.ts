export { RaftNode, type RaftNodeOptions, type StateMachine } from './raft-node';
export { NotLeaderError, TimeoutError, StoppedError } from './errors';
export { RaftMetrics } from './raft-metrics';
export { stage as traceStage } from './stage-trace';
