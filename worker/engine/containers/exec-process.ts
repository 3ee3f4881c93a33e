import { mergeEnv } from './oci-spec';

/** Every capability, for exec --privileged (as Docker grants them). */
export const ALL_CAPS = [
  'CAP_AUDIT_CONTROL',
  'CAP_AUDIT_READ',
  'CAP_AUDIT_WRITE',
  'CAP_BLOCK_SUSPEND',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_KILL',
  'CAP_LEASE',
  'CAP_LINUX_IMMUTABLE',
  'CAP_MAC_ADMIN',
  'CAP_MAC_OVERRIDE',
  'CAP_MKNOD',
  'CAP_NET_ADMIN',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_RAW',
  'CAP_PERFMON',
  'CAP_SETFCAP',
  'CAP_SETGID',
  'CAP_SETPCAP',
  'CAP_SETUID',
  'CAP_SYSLOG',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_CHROOT',
  'CAP_SYS_MODULE',
  'CAP_SYS_NICE',
  'CAP_SYS_PACCT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_WAKE_ALARM',
];

export interface ExecProcessInput {
  args: string[];
  env: string[];
  /** Empty: the container's working directory. */
  cwd: string;
  /** Undefined: the container's user. */
  user?: { uid: number; gid: number; additionalGids: number[] };
  terminal: boolean;
  privileged: boolean;
  consoleSize?: { height: number; width: number };
}

/**
 * The OCI "process" of an exec: the container's own process (capabilities, rlimits, user,
 * apparmor, no-new-privileges) with the exec's command, env merged over the container's,
 * working directory and user.
 */
export function buildExecProcess(base: Record<string, unknown>, x: ExecProcessInput): Record<string, unknown> {
  const p: Record<string, unknown> = { ...base };
  p.args = x.args;
  p.env = mergeEnv((base.env as string[] | undefined) ?? [], x.env);
  if (x.cwd) p.cwd = x.cwd;
  p.cwd ||= '/';
  if (x.user) {
    p.user = {
      uid: x.user.uid,
      gid: x.user.gid,
      additionalGids: x.user.additionalGids.length ? x.user.additionalGids : undefined,
    };
  }
  p.terminal = x.terminal;
  if (x.terminal && x.consoleSize) p.consoleSize = x.consoleSize;
  else delete p.consoleSize;
  if (x.privileged) {
    p.capabilities = { bounding: ALL_CAPS, effective: ALL_CAPS, permitted: ALL_CAPS };
    delete p.apparmorProfile;
  }
  return p;
}

/**
 * The exit code Docker records when an exec cannot start: 127 when the command is missing,
 * 126 when it cannot be run.
 */
export function execStartFailureCode(message: string): number {
  const m = message.toLowerCase();
  if (m.includes('executable file not found') || m.includes('no such file or directory')) return 127;
  return 126;
}
