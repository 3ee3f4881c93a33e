export * from './container-service';
export * from './container-record';
export { ShimStartHints } from './shim-start-hints';
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
  allCapabilities,
} from './oci-spec';
export { shouldRestart, restartDelayMs } from './restart-policy';
export { defaultSeccompProfile, ociSeccomp, parseSeccompProfile, type SeccompProfile } from './seccomp-profile';
export { parseSecurityOpts, type SecurityOptions, type SeccompChoice } from './security-opts';
export {
  validateHealthcheck,
  healthConfigOf,
  mergeHealthcheck,
  resolveHealthcheck,
  hasHealthcheck,
  formatGoDuration,
  HEALTH_DEFAULTS,
  MIN_HEALTH_DURATION_NS,
  type HealthConfig,
  type ResolvedHealthcheck,
} from './health-config';
export {
  HealthMonitor,
  LimitedOutput,
  applyProbeResult,
  nextProbeDelayMs,
  startingHealth,
  MAX_HEALTH_LOG,
  MAX_HEALTH_OUTPUT,
  PROBE_START_TIMEOUT_MS,
  REAL_CLOCK,
  type HealthClock,
  type HealthState,
  type HealthStatus,
  type HealthcheckResult,
  type HealthMonitorOptions,
  type ProbeOutcome,
  type ProbeRunner,
} from './health-monitor';
export { ContainerHealth, type ContainerHealthOptions } from './container-health';
export { HEALTH_FILTER_VALUES, healthFilterMatches, validateHealthFilter } from './health-filter';
