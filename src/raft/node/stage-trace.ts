/**
 * Per-stage timestamps of the write path, for finding where a put's latency goes. Off unless
 * RAFT_STAGE_TRACE names a file prefix: each process then writes "<prefix>.<pid>" at exit,
 * one "stage detail wallclock_ms" line per event (wall clock so that members' lines can be merged).
 */
import * as fs from 'node:fs';

const prefix = process.env.RAFT_STAGE_TRACE;
const names: string[] = [];
const details: number[] = [];
const times: number[] = [];

/** Records that `name` happened now, with a number saying more (a count, a type); a no-op unless tracing is on. */
export const stage: (name: string, detail?: number) => void = prefix
  ? (name, detail = 0) => {
      names.push(name);
      details.push(detail);
      times.push(performance.timeOrigin + performance.now());
    }
  : () => {};

if (prefix) {
  process.on('exit', () => {
    let out = '';
    for (let i = 0; i < names.length; i++) out += `${names[i]} ${details[i]} ${times[i].toFixed(3)}\n`;
    fs.writeFileSync(`${prefix}.${process.pid}`, out);
  });
}
