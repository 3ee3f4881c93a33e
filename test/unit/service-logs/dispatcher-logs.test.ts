import assert from 'node:assert/strict';
import type { Dispatcher } from '../../../manager/dispatcher/dispatcher';
import type { LogsDataMessage } from '../../../src/rpc';
import { startDispatcherHarness, type DispatcherHarness } from '../services-wiring/dispatcher-harness';
import { until } from '../services-wiring/fixtures';

const OPTS = { stdout: true, stderr: true, follow: false, tail: 'all' as const, since: 0 };

describe('Dispatcher: log subscriptions on the sessions', () => {
  let h: DispatcherHarness;
  let d: Dispatcher;

  beforeEach(async () => {
    h = await startDispatcherHarness();
    ({ d } = h);
  });

  afterEach(() => h.close());

  const connect = (node: string) => h.connect(node, 'assignments');

  function sink() {
    const lines: string[] = [];
    let ended: ReadonlyMap<string, string> | undefined;
    return {
      lines,
      ended: () => ended,
      sink: {
        data: (node: string, m: LogsDataMessage) => lines.push(`${node}/${m.taskId}:${m.line}`),
        end: (e: ReadonlyMap<string, string>) => (ended = e),
      },
    };
  }
  const line = (subscriptionId: string, taskId: string, text: string) => ({
    type: 'logs-data',
    subscriptionId,
    taskId,
    stream: 'stdout',
    timestamp: new Date().toISOString(),
    line: text,
  });

  it('routes a subscription to the nodes of its tasks and their lines and ends back to it', async () => {
    const [p1, p2] = [await connect('n1'), await connect('n2')];
    const s = sink();
    const sub = d.logs.subscribe(
      new Map([
        ['n1', ['t1']],
        ['n2', ['t2']],
      ]),
      OPTS,
      s.sink,
    );
    await until(() => p1.of('logs-subscribe').length === 1 && p2.of('logs-subscribe').length === 1, 2000, 'subscribes');
    assert.deepEqual(p1.of('logs-subscribe')[0], {
      type: 'logs-subscribe',
      subscriptionId: sub.id,
      taskIds: ['t1'],
      options: OPTS,
    });
    p1.send(line(sub.id, 't1', 'one\n'));
    p2.send(line(sub.id, 't2', 'two\n'));
    p1.send({ type: 'logs-end', subscriptionId: sub.id, taskId: 't1' });
    p1.send({ type: 'logs-end', subscriptionId: sub.id });
    p2.send({ type: 'logs-end', subscriptionId: sub.id });
    await until(() => s.ended() !== undefined, 2000, 'the end');
    assert.deepEqual([...s.lines].sort(), ['n1/t1:one\n', 'n2/t2:two\n']);
    assert.equal(d.logs.size, 0);
  });

  it('a node without a session is not asked; a follow is cancelled on the nodes; a closed session ends a non-follow', async () => {
    const p1 = await connect('n1');
    const s = sink();
    const sub = d.logs.subscribe(new Map([['n1', ['t1']]]), { ...OPTS, follow: true }, s.sink);
    await until(() => p1.of('logs-subscribe').length === 1, 2000, 'subscribe');
    sub.cancel();
    await until(() => p1.of('logs-cancel').length === 1, 2000, 'cancel');
    assert.equal(s.ended(), undefined);

    const s2 = sink();
    d.logs.subscribe(
      new Map([
        ['n1', ['t1']],
        ['n2', ['t2']],
      ]),
      OPTS,
      s2.sink,
    );
    p1.ws.close();
    await until(() => s2.ended() !== undefined, 2000, 'ended by the close (n2 has no session)');
    assert.deepEqual([...s2.ended()!], [['n1', 'the node disconnected']]);
  });

  it('a follow survives a node reconnecting: the new session is asked again', async () => {
    const p1 = await connect('n1');
    const s = sink();
    const sub = d.logs.subscribe(new Map([['n1', ['t1']]]), { ...OPTS, follow: true }, s.sink);
    await until(() => p1.of('logs-subscribe').length === 1, 2000, 'subscribe');
    p1.send(line(sub.id, 't1', 'before\n'));
    await until(() => s.lines.length === 1, 2000, 'a line');
    p1.ws.close();
    const again = await connect('n1');
    await until(() => again.of('logs-subscribe').length === 1, 2000, 'asked again');
    const opts = again.of('logs-subscribe')[0]!.options as { tail: unknown; since: number };
    assert.equal(opts.tail, 'all');
    assert.ok(opts.since > 0);
    again.send(line(sub.id, 't1', 'after\n'));
    await until(() => s.lines.length === 2, 2000, 'the line after');
    assert.equal(s.ended(), undefined);
    sub.cancel();
  });
});
