import type { EngineClient } from './engine-client';

/** One side of the comparison: a daemon the bench started and how to measure and stop it. */
export interface BenchDaemon {
  name: 'docker' | 'tsswarmd';
  client: EngineClient;
  /** The daemon process (dockerd, or node running tsswarmd). */
  pid: number;
  /** Its own containerd, a child process. */
  containerdPid(): number | undefined;
  /** Shims of this daemon's containerd have `-address` starting with this. */
  shimAddressPrefix: string;
  /** Stops the daemon and its containerd by PID and removes what it left on the host. */
  stop(): Promise<void>;
}
