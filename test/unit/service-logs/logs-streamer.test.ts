import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { LogsAgentMessage } from '../../../src/rpc';
import { JsonFileLog, readLogs } from '../../../worker/engine/containers/json-file-log';
import { stdcopyFrame } from '../../../worker/engine/containers/stdcopy';
import { LogsStreamer, StdcopyParser, splitStamp, type LogContainers } from '../../../worker/agent/logs-streamer';
import { AgentTasks } from '../../../worker/agent/agent-tasks';
import type { TaskContainers } from '../../../worker/agent/tasks';

const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet } as never;
const OPTS = { stdout: true, stderr: true, follow: false, tail: 'all' as const, since: 0 };
const tick = () => new Promise((r) => setTimeout(r, 10));

/** Task containers over real json-file logs: task id -> its log. */
function containers(logs: Map<string, { log: JsonFileLog; tty?: boolean }>): LogContainers {
  return {
    list: (o) => {
      const want = o.filters?.label?.[0]?.split('=')[1];
      return logs.has(want!) ? [{ Id: `c-${want}` }] : [];
    },
    get: (id) => ({ Id: id, Config: { Tty: logs.get(id.slice(2))!.tty } }),
    logs: (id, o) => {
      const l = logs.get(id.slice(2))!;
      return readLogs(l.log, { ...o, until: 0, raw: !!l.tty, running: !l.log.isClosed });
    },
  };
}

describe("LogsStreamer: the agent reads its task containers' logs for a subscription", () => {
  let dir: string;
  let logs: Map<string, { log: JsonFileLog; tty?: boolean }>;
  let sent: LogsAgentMessage[];
  let backlog = 0;
  let streamer: LogsStreamer;
  const lines = () =>
    sent.filter((m) => m.type === 'logs-data').map((m) => `${m.taskId}/${m.stream}:${(m as { line: string }).line}`);
  const ends = () => sent.filter((m) => m.type === 'logs-end');

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tsswarm-logs-'));
    logs = new Map();
    for (const t of ['t1', 't2']) logs.set(t, { log: new JsonFileLog(path.join(dir, `${t}.log`)) });
    sent = [];
    backlog = 0;
    streamer = new LogsStreamer({
      containers: containers(logs),
      send: (m) => sent.push(m),
      backlog: () => backlog,
      maxBacklogBytes: 100,
      logger: quiet,
    });
  });
  afterEach(() => {
    streamer.stopAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends each line with its stream and time, a logs-end per task, then the final one', async () => {
    logs.get('t1')!.log.write('stdout', Buffer.from('one\ntwo\n'));
    logs.get('t2')!.log.write('stderr', Buffer.from('oops\n'));
    assert.ok(
      streamer.onMessage({
        type: 'logs-subscribe',
        subscriptionId: 's1',
        taskIds: ['t1', 't2'],
        options: OPTS,
      } as never),
    );
    await tick();
    assert.deepEqual(lines().sort(), ['t1/stdout:one\n', 't1/stdout:two\n', 't2/stderr:oops\n']);
    const first = sent.find((m) => m.type === 'logs-data') as { timestamp: string };
    assert.match(first.timestamp, /^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
    assert.deepEqual(ends(), [
      { type: 'logs-end', subscriptionId: 's1', taskId: 't1' },
      { type: 'logs-end', subscriptionId: 's1', taskId: 't2' },
      { type: 'logs-end', subscriptionId: 's1' },
    ]);
    assert.equal(streamer.size, 0);
  });

  it("tail and the stream choice are the container log API's", async () => {
    logs.get('t1')!.log.write('stdout', Buffer.from('a\nb\nc\n'));
    logs.get('t1')!.log.write('stderr', Buffer.from('e\n'));
    streamer.onMessage({
      type: 'logs-subscribe',
      subscriptionId: 's',
      taskIds: ['t1'],
      options: { ...OPTS, stderr: false, tail: 2 },
    } as never);
    await tick();
    assert.deepEqual(lines(), ['t1/stdout:b\n', 't1/stdout:c\n']);
  });

  it('a task without a container here: its logs-end says so, the subscription still ends', async () => {
    streamer.onMessage({ type: 'logs-subscribe', subscriptionId: 's', taskIds: ['gone'], options: OPTS } as never);
    await tick();
    assert.deepEqual(ends(), [
      { type: 'logs-end', subscriptionId: 's', taskId: 'gone', error: 'no container for task gone' },
      { type: 'logs-end', subscriptionId: 's' },
    ]);
  });

  it('follow sends the lines written later until logs-cancel, then nothing', async () => {
    const l = logs.get('t1')!.log;
    l.write('stdout', Buffer.from('old\n'));
    streamer.onMessage({
      type: 'logs-subscribe',
      subscriptionId: 'f',
      taskIds: ['t1'],
      options: { ...OPTS, follow: true },
    } as never);
    await tick();
    l.write('stdout', Buffer.from('new\n'));
    await tick();
    assert.deepEqual(lines(), ['t1/stdout:old\n', 't1/stdout:new\n']);
    assert.equal(ends().length, 0, 'still following');
    assert.ok(streamer.onMessage({ type: 'logs-cancel', subscriptionId: 'f' } as never));
    l.write('stdout', Buffer.from('after\n'));
    await tick();
    assert.equal(lines().length, 2);
    assert.equal(ends().length, 0, 'a cancelled subscription says nothing more');
    assert.equal(streamer.size, 0);
    assert.equal(l.listenerCount('line'), 0, 'the follower is gone from the log');
  });

  it('a follow ends when the container stops (its log closes)', async () => {
    streamer.onMessage({
      type: 'logs-subscribe',
      subscriptionId: 'f',
      taskIds: ['t1'],
      options: { ...OPTS, follow: true },
    } as never);
    await tick();
    logs.get('t1')!.log.close();
    await tick();
    assert.deepEqual(
      ends().map((m) => m.taskId ?? 'all'),
      ['t1', 'all'],
    );
  });

  it("pauses while the session's send buffer is over the bound, resumes once it drains", async () => {
    const l = logs.get('t1')!.log;
    streamer.onMessage({
      type: 'logs-subscribe',
      subscriptionId: 'f',
      taskIds: ['t1'],
      options: { ...OPTS, follow: true },
    } as never);
    await tick();
    backlog = 1000;
    l.write('stdout', Buffer.from('x1\n'));
    await tick();
    const n = lines().length;
    for (let i = 2; i < 6; i++) l.write('stdout', Buffer.from(`x${i}\n`));
    await tick();
    assert.equal(lines().length, n, 'paused: nothing sent');
    backlog = 0;
    await new Promise((r) => setTimeout(r, 60));
    assert.deepEqual(lines(), [
      't1/stdout:x1\n',
      't1/stdout:x2\n',
      't1/stdout:x3\n',
      't1/stdout:x4\n',
      't1/stdout:x5\n',
    ]);
  });

  it('TTY containers (raw stream): the lines are split on newlines, all stdout', async () => {
    const tty = new JsonFileLog(path.join(dir, 'tty.log'));
    logs.set('t3', { log: tty, tty: true });
    tty.write('stdout', Buffer.from('a\r\nb\r\n'));
    streamer.onMessage({ type: 'logs-subscribe', subscriptionId: 's', taskIds: ['t3'], options: OPTS } as never);
    await tick();
    assert.deepEqual(lines(), ['t3/stdout:a\r\n', 't3/stdout:b\r\n']);
  });

  it('stopAll (the session closed) stops every stream quietly', async () => {
    streamer.onMessage({
      type: 'logs-subscribe',
      subscriptionId: 'f',
      taskIds: ['t1', 't2'],
      options: { ...OPTS, follow: true },
    } as never);
    await tick();
    streamer.stopAll();
    logs.get('t1')!.log.write('stdout', Buffer.from('z\n'));
    await tick();
    assert.deepEqual(sent, []);
  });

  it('other messages are not its', () => {
    assert.equal(streamer.onMessage({ type: 'assignments' }), false);
  });
});

describe('LogsStreamer parsing', () => {
  it('StdcopyParser takes frames split across chunks', () => {
    const buf = Buffer.concat([
      stdcopyFrame('stdout', Buffer.from('hello\n')),
      stdcopyFrame('stderr', Buffer.from('x\n')),
    ]);
    const out: string[] = [];
    const p = new StdcopyParser();
    for (let i = 0; i < buf.length; i += 3) p.push(buf.subarray(i, i + 3), (s, d) => out.push(`${s}:${d}`));
    assert.deepEqual(out, ['stdout:hello\n', 'stderr:x\n']);
  });
  it('splitStamp takes the time off a timestamped line', () => {
    assert.deepEqual(splitStamp('2026-12-01T20:00:00.123000000Z a b\n'), {
      timestamp: '2026-12-01T20:00:00.123000000Z',
      line: 'a b\n',
    });
    assert.equal(splitStamp('no time\n').line, 'no time\n');
  });
});

describe('AgentTasks routes the log messages to its streamer', () => {
  it('subscribe answers through sendLogs; without sendLogs the node says it cannot', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tsswarm-logs-'));
    const fakeContainers = { list: () => [], get: () => ({}), logs: () => undefined } as unknown as TaskContainers;
    const base = {
      containers: fakeContainers,
      images: { resolveForRun: async () => ({}), pull: async () => ({}) },
      nodeId: 'n1',
      dataRoot: dir,
      send: () => undefined,
      logger: quiet,
    };
    const got: LogsAgentMessage[] = [];
    const a = new AgentTasks({ ...base, sendLogs: (m) => got.push(m) });
    assert.ok(a.onMessage({ type: 'logs-subscribe', subscriptionId: 's', taskIds: ['t'], options: OPTS } as never));
    assert.deepEqual(
      got.map((m) => m.taskId ?? 'all'),
      ['t', 'all'],
    );
    const b = new AgentTasks(base);
    assert.ok(b.onMessage({ type: 'logs-cancel', subscriptionId: 's' } as never));
    rmSync(dir, { recursive: true, force: true });
  });
});
