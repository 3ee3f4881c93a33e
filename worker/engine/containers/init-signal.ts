import { readFileSync } from 'node:fs';

/**
 * When a process started, in clock ticks since boot (field 22 of /proc/<pid>/stat), or
 * undefined when there is no such process. With the PID it names one process for good: a PID
 * the kernel hands out again comes with a later start time.
 */
export function processStartTime(pid: number): string | undefined {
  if (!(pid > 0)) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command, which may hold spaces and parentheses: state is field 3.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[22 - 3];
  } catch {
    return undefined;
  }
}

/**
 * Signals a container's init process directly, as runc's kill does once it has checked that
 * the PID is still the init it started (same start time); false, and nothing sent, when it is
 * not (gone, or the PID reused). This saves the stop of a container containerd's Kill and the
 * shim's runc run; a signal to all of its processes (SIGKILL on timeout) still goes through
 * containerd, which walks the cgroup.
 */
export function signalInit(pid: number, startTime: string | undefined, signal: number): boolean {
  if (!startTime || processStartTime(pid) !== startTime) return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}
