import { allCapabilities, mergeEnv } from './oci-spec';

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
    const all = allCapabilities();
    p.capabilities = { bounding: all, effective: all, permitted: all };
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
