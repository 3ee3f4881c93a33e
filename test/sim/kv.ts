import type { ConfState } from '../../src/raft';

/** A put command as carried in a raft entry. */
export interface PutCommand {
  c: number; // client
  s: number; // client's sequence number
  k: string;
  v: string;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export function encodePut(cmd: PutCommand): Uint8Array {
  return enc.encode(JSON.stringify(cmd));
}

export function decodePut(data: Uint8Array): PutCommand {
  return JSON.parse(dec.decode(data)) as PutCommand;
}

/**
 * The replicated state machine of the simulation: a map with per-client sessions, so that a
 * proposal delivered twice by the network is applied once (seq <= last seq is ignored).
 */
export class KvStateMachine {
  data = new Map<string, string>();
  lastSeq = new Map<number, number>();
  appliedIndex = 0;
  confState: ConfState = { voters: [], learners: [] };

  /** Applies a put; returns false when it is a duplicate. */
  apply(index: number, cmd: PutCommand): boolean {
    this.appliedIndex = index;
    if ((this.lastSeq.get(cmd.c) ?? 0) >= cmd.s) return false;
    this.lastSeq.set(cmd.c, cmd.s);
    this.data.set(cmd.k, cmd.v);
    return true;
  }

  serialize(): Uint8Array {
    return enc.encode(JSON.stringify({ d: [...this.data], s: [...this.lastSeq] }));
  }

  static restore(bytes: Uint8Array, index: number, cs: ConfState): KvStateMachine {
    const sm = new KvStateMachine();
    if (bytes.length > 0) {
      const o = JSON.parse(dec.decode(bytes)) as { d: [string, string][]; s: [number, number][] };
      sm.data = new Map(o.d);
      sm.lastSeq = new Map(o.s);
    }
    sm.appliedIndex = index;
    sm.confState = cs;
    return sm;
  }

  fingerprint(): string {
    return JSON.stringify([...this.data].sort()) + JSON.stringify([...this.lastSeq].sort());
  }
}
