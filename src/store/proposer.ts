/**
 * The store's only dependency on consensus. propose() puts one encoded batch in the
 * replicated log and resolves, once the entry is committed and applied on this member, with
 * what this member's StoreStateMachine.apply returned for it (an ApplyResult). Rejects with
 * ProposalFailedError when it cannot commit (no leader, timeout, stopped).
 */
export interface Proposer {
  propose(data: Buffer): Promise<unknown>;
}
