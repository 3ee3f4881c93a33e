export * from './client';
export * from './content-directory';
export * from './supervisor';
export * from './types';
export { isAlreadyExists, isNotFound } from './grpc-errors';
export { OCI_PROCESS_TYPE_URL, OCI_SPEC_TYPE_URL, toDate } from './schema';
export { installRuncShimLauncher, START_HINTS_DIR } from './runc-shim-launcher';
