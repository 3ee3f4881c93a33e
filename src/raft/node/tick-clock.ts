/**
 * Turns a late timer into the raft ticks that are due, so that an election timeout of N ticks
 * lasts N ticks of wall time on a busy machine, where a 10 ms interval often fires tens of
 * milliseconds late. Lag up to `maxCatchUp` ticks is replayed in full; a longer stall (the
 * process was not scheduled) replays only that many and forgets the rest, so that a follower
 * does not time out on time it spent unable to read the heartbeats waiting in its socket.
 * The replay bound only needs to cover ordinary timer lateness: with pre-vote, a follower that
 * times out while a heartbeat is still unread only sends pre-votes, which cannot unseat a
 * live leader.
 */
export class TickClock {
  private due: number;

  constructor(
    private readonly tickMs: number,
    private readonly maxCatchUp: number,
    now: number,
  ) {
    this.due = now + tickMs;
  }

  /** The number of ticks to run at time `now` (monotonic milliseconds). */
  take(now: number): number {
    let n = 0;
    for (; this.due <= now && n < this.maxCatchUp; n++) this.due += this.tickMs;
    if (this.due <= now) this.due = now + this.tickMs;
    return n;
  }
}
