/** The transport was given an invalid peer address or TLS material. The message names the field. */
export class TransportConfigError extends Error {
  readonly code = 'RAFT_TRANSPORT_CONFIG';
  constructor(message: string) {
    super(`raft transport: ${message}`);
    this.name = 'TransportConfigError';
  }
}
