export * from './container-service';
export * from './container-record';
export {
  parseContainerCreate,
  validateBind,
  validateContainerName,
  type ContainerCreateBody,
  type HostConfig,
} from './create-schema';
export { JsonFileLog, readLogs, type ReadLogsOptions } from './json-file-log';
export { stdcopyFrame, parseStdcopy } from './stdcopy';
export { buildOciSpec, processArgs, mergeEnv, resolveUser, capabilities } from './oci-spec';
export { shouldRestart, restartDelayMs } from './restart-policy';
