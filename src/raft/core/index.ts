/** raft-ts core: the deterministic Raft state machine behind a Ready/advance hand-off. */
export { RawNode, type RaftStatus } from './raw-node';
export type { RaftConfig } from './config';
export { MemoryStorage } from './memory-storage';
export {
  ProposalDroppedError,
  ConfChangePendingError,
  InvalidConfChangeError,
  LocalMessageError,
  RaftConfigError,
} from './errors';
export { encodeConfChange, decodeConfChange } from './conf-change-codec';
export { ProgressState } from './progress';
