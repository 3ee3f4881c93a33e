import type { ProtoAny, ProtoTimestamp } from './schema';

/** A mount as containerd hands it out for a snapshot (overlay or bind). */
export interface Mount {
  type: string;
  source: string;
  target?: string;
  options: string[];
}

/** An OCI content descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface ContentInfo {
  digest: string;
  size: number;
  createdAt?: ProtoTimestamp;
  updatedAt?: ProtoTimestamp;
  labels: Record<string, string>;
}

export interface SnapshotInfo {
  name: string;
  parent: string;
  kind: 'UNKNOWN' | 'VIEW' | 'ACTIVE' | 'COMMITTED';
  labels: Record<string, string>;
  createdAt?: ProtoTimestamp;
}

export interface ImageRecord {
  name: string;
  labels: Record<string, string>;
  target: Descriptor;
  createdAt?: ProtoTimestamp;
  updatedAt?: ProtoTimestamp;
}

export interface ContainerRecord {
  id: string;
  labels: Record<string, string>;
  image: string;
  runtime: { name: string; options?: ProtoAny | null };
  spec: ProtoAny | null;
  snapshotter: string;
  snapshotKey: string;
  createdAt?: ProtoTimestamp;
  updatedAt?: ProtoTimestamp;
  extensions?: Record<string, ProtoAny>;
}

export type TaskStatus = 'UNKNOWN' | 'CREATED' | 'RUNNING' | 'STOPPED' | 'PAUSED' | 'PAUSING';

export interface ProcessState {
  containerId: string;
  id: string;
  pid: number;
  status: TaskStatus;
  stdin: string;
  stdout: string;
  stderr: string;
  terminal: boolean;
  exitStatus: number;
  exitedAt?: ProtoTimestamp;
}

/** Where a task's stdio goes: paths of FIFOs (or files) the shim opens. Empty = none. */
export interface TaskIO {
  stdin?: string;
  stdout?: string;
  stderr?: string;
  terminal?: boolean;
}

export interface ExitStatus {
  exitStatus: number;
  exitedAt?: Date;
}

/** A decoded containerd event. `event` is the typed payload for task events, else undefined. */
export interface ContainerdEvent {
  timestamp?: Date;
  namespace: string;
  topic: string;
  type: string;
  event?: Record<string, unknown>;
}
