import type { StateMachine } from '../../../src/raft';

/** A state machine that keeps the applied entries as strings, in order; apply answers the count. */
export class Log implements StateMachine {
  items: string[] = [];
  apply(e: { data: Buffer }): number {
    this.items.push(e.data.toString());
    return this.items.length;
  }
  snapshot(): Uint8Array {
    return Buffer.from(JSON.stringify(this.items));
  }
  restore(data: Uint8Array): void {
    this.items = JSON.parse(Buffer.from(data).toString());
  }
}
