/** Errors of cluster calls between nodes. */
import { TsswarmError } from '../api';

/**
 * A cluster endpoint answered with an error. Keeps the remote's status, so a 400 for a bad
 * token on the manager stays a 400 on the joining node's API.
 */
export class RemoteCallError extends TsswarmError {
  constructor(
    readonly remoteStatus: number,
    message: string,
  ) {
    super('TSW_RPC_REMOTE', remoteStatus >= 400 && remoteStatus < 600 ? remoteStatus : 500, message);
  }
}

/** 503: the peer could not be reached (refused, timed out, TLS failed). */
export class PeerUnreachableError extends TsswarmError {
  constructor(addr: string, options?: { cause?: unknown }) {
    const detail = (options?.cause as Error | undefined)?.message;
    super('TSW_RPC_UNREACHABLE', 503, `could not reach ${addr}${detail ? `: ${detail}` : ''}`, options);
  }
}

export const RPC_ERROR_CODES = ['TSW_RPC_REMOTE', 'TSW_RPC_UNREACHABLE'] as const;
