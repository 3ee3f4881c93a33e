/**
 * src/rpc: the cluster wire protocol between nodes (one mutual-TLS port per manager, ALPN
 * routing raft and HTTP/1.1; JSON endpoints and the agent session's messages).
 */
export * from './protocol';
export * from './task-messages';
export * from './network-messages';
export * from './logs-messages';
export * from './errors';
export {
  ClusterServer,
  sendRpcError,
  splitHostPort,
  type ClusterServerHandlers,
  type ClusterServerOptions,
} from './cluster-server';
export {
  fetchTrustedRootCa,
  postPinned,
  callManager,
  sessionTlsOptions,
  DEFAULT_CALL_TIMEOUT_MS,
} from './cluster-client';
export { readJsonBody, MAX_RPC_BODY_BYTES } from './body';
