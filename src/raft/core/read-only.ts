import type { Message, NodeId } from '../types';

interface ReadIndexStatus {
  readonly req: Message;
  readonly index: number;
  readonly acks: Set<NodeId>;
}

/** A Uint8Array as a string key (contexts are short). */
export function contextKey(ctx: Uint8Array | undefined): string {
  if (!ctx || ctx.length === 0) return '';
  return Buffer.from(ctx.buffer, ctx.byteOffset, ctx.length).toString('latin1');
}

/**
 * The leader's ReadIndex requests awaiting a heartbeat quorum (Raft §6.4). Requests are
 * answered in order: a quorum for one context confirms every older one too.
 */
export class ReadOnly {
  private pending = new Map<string, ReadIndexStatus>();
  private queue: string[] = [];

  addRequest(index: number, m: Message): void {
    const key = contextKey(m.context);
    if (this.pending.has(key)) return;
    this.pending.set(key, { req: m, index, acks: new Set() });
    this.queue.push(key);
  }

  /** Records an ack; returns the acks so far for that context, or undefined if unknown. */
  recvAck(id: NodeId, ctx: Uint8Array | undefined): Set<NodeId> | undefined {
    const rs = this.pending.get(contextKey(ctx));
    if (!rs) return undefined;
    rs.acks.add(id);
    return rs.acks;
  }

  /** Removes and returns the requests up to and including the one for ctx. */
  advance(ctx: Uint8Array | undefined): { req: Message; index: number }[] {
    const key = contextKey(ctx);
    const at = this.queue.indexOf(key);
    if (at < 0) return [];
    const keys = this.queue.splice(0, at + 1);
    const out: { req: Message; index: number }[] = [];
    for (const k of keys) {
      const rs = this.pending.get(k);
      if (rs) out.push(rs);
      this.pending.delete(k);
    }
    return out;
  }

  lastPendingContext(): Uint8Array | undefined {
    if (this.queue.length === 0) return undefined;
    return this.pending.get(this.queue[this.queue.length - 1])?.req.context;
  }

  reset(): void {
    this.pending.clear();
    this.queue = [];
  }
}
