/**
 * A Proposer over a raft-ts RaftNode whose state machine is this store's StoreStateMachine.
 * Raft's errors become ProposalFailedError (503) with Docker's no-leader message, the cause
 * kept.
 */
import { NotLeaderError, type RaftNode } from '../raft';
import { ProposalFailedError } from './errors';
import type { Proposer } from './proposer';

export const NO_LEADER_MESSAGE =
  "The swarm does not have a leader. It's possible that too few managers are online. Make sure more than half of the managers are online.";

type ProposingNode = Pick<RaftNode, 'propose'>;

export class RaftProposer implements Proposer {
  /**
   * @param node the RaftNode, or a function returning it: the node needs the store's state
   *   machine to be built, so the store's proposer usually has to find the node later.
   * @param timeoutMs per proposal; default the node's requestTimeoutMs.
   */
  constructor(
    private readonly node: ProposingNode | (() => ProposingNode),
    private readonly timeoutMs?: number,
  ) {}

  async propose(data: Buffer): Promise<unknown> {
    const node = typeof this.node === 'function' ? this.node() : this.node;
    try {
      return await node.propose(data, this.timeoutMs);
    } catch (err) {
      if (err instanceof NotLeaderError) throw new ProposalFailedError(NO_LEADER_MESSAGE, { cause: err });
      throw new ProposalFailedError(`store: proposal failed: ${(err as Error).message}`, { cause: err });
    }
  }
}
