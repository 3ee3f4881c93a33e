export * from './container-service';
export * from './container-record';
export {
  ExecService,
  EXEC_RETENTION_MS,
  MAX_FINISHED_EXECS_PER_CONTAINER,
  type ExecAttach,
  type ExecStart,
} from './exec-service';
export { parseExecCreate, parseExecStart, parseDetachKeys } from './exec-schema';
export { buildExecProcess, execStartFailureCode } from './exec-process';
export {
  parseContainerCreate,
  validateBind,
  validateContainerName,
  type ContainerCreateBody,
  type HostConfig,
} from './create-schema';
export { JsonFileLog, readLogs, type ReadLogsOptions } from './json-file-log';
export { stdcopyFrame, parseStdcopy } from './stdcopy';
export {
  buildOciSpec,
  processArgs,
  mergeEnv,
  processEnv,
  DEFAULT_PATH_ENV,
  resolveUser,
  capabilities,
} from './oci-spec';
export { shouldRestart, restartDelayMs } from './restart-policy';
