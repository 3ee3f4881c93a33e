import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import {
  BoundedLogWriter,
  contextDetails,
  formatLogMessage,
  queryEscape,
  type LogContext,
} from '../../../manager/controlapi/logs-writer';
import { parseLogsQuery, parseSince } from '../../../manager/controlapi/logs-routes';
import { parseStdcopy } from '../../../worker/engine/containers/stdcopy';

const ctx: LogContext = { nodeId: 'n1', serviceId: 's1', taskId: 't1' };
const ctx2: LogContext = { nodeId: 'n2', serviceId: 's1', taskId: 't2' };
const TS = '2026-12-01T20:00:00.123000000Z';

/** A response that takes `room` writes before it says to wait, until drain(). */
class FakeOut extends EventEmitter {
  chunks: Buffer[] = [];
  ended = false;
  constructor(public room = Infinity) {
    super();
  }
  write(b: Buffer): boolean {
    this.chunks.push(b);
    return this.chunks.length < this.room;
  }
  end(): void {
    this.ended = true;
  }
  drain(room = Infinity): void {
    this.room = this.chunks.length + room;
    this.emit('drain');
  }
  texts(): string[] {
    return parseStdcopy(Buffer.concat(this.chunks)).map((f) => `${f.stream}:${f.data.toString()}`);
  }
}

describe('service logs: the response format (Docker WriteLogStream)', () => {
  it('details are the swarm context labels, query-escaped as Go does, comma-joined', () => {
    assert.equal(
      contextDetails({ nodeId: 'abc', serviceId: 'svc', taskId: 'tsk' }),
      'com.docker.swarm.node.id=abc,com.docker.swarm.service.id=svc,com.docker.swarm.task.id=tsk',
    );
    assert.equal(queryEscape("a b,c=d!'()*~._-"), 'a+b%2Cc%3Dd%21%27%28%29%2A~._-');
  });

  it('one stdcopy frame per message: [timestamp ][details ]line, on its stream', () => {
    const m = { stream: 'stderr' as const, timestamp: TS, line: 'boom\n' };
    const all = formatLogMessage(ctx, m, { timestamps: true, details: true, mux: true });
    const [f] = parseStdcopy(all);
    assert.equal(all[0], 2);
    assert.equal(f!.stream, 'stderr');
    assert.equal(f!.data.toString(), `${TS} ${contextDetails(ctx)} boom\n`);
    const plain = parseStdcopy(formatLogMessage(ctx, m, { timestamps: false, details: false, mux: true }));
    assert.equal(plain[0]!.data.toString(), 'boom\n');
    // TTY services: raw bytes, no frame
    assert.equal(
      formatLogMessage(ctx, { ...m, stream: 'stdout' }, { timestamps: false, details: true, mux: false }).toString(),
      `${contextDetails(ctx)} boom\n`,
    );
  });

  it('writes through while the client keeps up, then ends', () => {
    const out = new FakeOut();
    const w = new BoundedLogWriter(out, { timestamps: false, details: false, mux: true });
    w.line(ctx, { stream: 'stdout', timestamp: TS, line: 'a\n' });
    w.line(ctx2, { stream: 'stderr', timestamp: TS, line: 'b\n' });
    w.end();
    assert.deepEqual(out.texts(), ['stdout:a\n', 'stderr:b\n']);
    assert.ok(out.ended);
  });

  it('a slow client: lines queue up to the bound, the rest are dropped with a note per task once it drains', () => {
    const out = new FakeOut(1);
    // each frame is 8 + 2 bytes: the queue holds 3
    const w = new BoundedLogWriter(out, { timestamps: false, details: false, mux: true }, 30);
    for (let i = 0; i < 10; i++) w.line(i % 2 ? ctx2 : ctx, { stream: 'stdout', timestamp: TS, line: `${i}\n` });
    assert.equal(out.chunks.length, 1, 'only the first went out');
    assert.equal(w.queuedBytes, 30);
    assert.equal(w.droppedTotal, 6);
    w.end();
    assert.equal(out.ended, false, 'waits for the queue');
    out.drain();
    const t = out.texts();
    assert.deepEqual(t.slice(0, 4), ['stdout:0\n', 'stdout:1\n', 'stdout:2\n', 'stdout:3\n']);
    assert.deepEqual(t.slice(4).sort(), [
      'stderr:tsswarm: 3 log lines dropped: the client read too slowly\n',
      'stderr:tsswarm: 3 log lines dropped: the client read too slowly\n',
    ]);
    assert.ok(out.ended);
    assert.equal(w.queuedBytes, 0);
  });

  it("the notes carry their task's details (the docker CLI needs them on every line)", () => {
    const out = new FakeOut(1);
    const w = new BoundedLogWriter(out, { timestamps: false, details: true, mux: true }, 1);
    w.line(ctx, { stream: 'stdout', timestamp: TS, line: 'x\n' });
    w.line(ctx2, { stream: 'stdout', timestamp: TS, line: 'y\n' });
    out.drain();
    assert.deepEqual(out.texts(), [
      `stdout:${contextDetails(ctx)} x\n`,
      `stderr:${contextDetails(ctx2)} tsswarm: 1 log line dropped: the client read too slowly\n`,
    ]);
  });

  it('close() (the client left) drops what waits and writes nothing more', () => {
    const out = new FakeOut(1);
    const w = new BoundedLogWriter(out, { timestamps: false, details: false, mux: true });
    w.line(ctx, { stream: 'stdout', timestamp: TS, line: 'a\n' });
    w.line(ctx, { stream: 'stdout', timestamp: TS, line: 'b\n' });
    w.close();
    out.drain();
    w.line(ctx, { stream: 'stdout', timestamp: TS, line: 'c\n' });
    w.end();
    assert.deepEqual(out.texts(), ['stdout:a\n']);
    assert.equal(out.ended, false);
  });
});

describe('service logs: the query', () => {
  const q = (s: string) => parseLogsQuery(new URLSearchParams(s));
  it('reads the Docker parameters', () => {
    assert.deepEqual(q('stdout=1&details=1&follow=1&tail=5&since=12.5&timestamps=true'), {
      stdout: true,
      stderr: false,
      follow: true,
      timestamps: true,
      details: true,
      tail: 5,
      since: 12.5,
    });
    assert.equal(q('stderr=1&tail=all').tail, 'all');
    assert.equal(q('stderr=1&tail=-1').tail, 'all');
    assert.equal(q('stderr=1').tail, 'all');
  });
  it('refuses no stream, a bad tail, a bad since', () => {
    assert.throws(() => q('details=1'), /Bad parameters: you must choose at least one stream/);
    assert.throws(() => q('stdout=1&tail=x'), /tail value must be a positive integer/);
    assert.throws(() => q('stdout=1&since=yesterday'), /invalid value for since/);
    assert.equal(parseSince('2026-01-01T00:00:00Z'), Date.parse('2026-01-01T00:00:00Z') / 1000);
  });
});
