import assert from 'node:assert/strict';
import { LogsBroker, type LogsSink } from '../../../manager/dispatcher/logs-broker';
import type { DispatcherMessage, LogsDataMessage } from '../../../src/rpc';

const OPTS = { stdout: true, stderr: true, follow: false, tail: 'all' as const, since: 0 };

function setup(online = ['n1', 'n2'], idleMs?: number) {
  const sent: Array<{ node: string; m: DispatcherMessage }> = [];
  const broker = new LogsBroker((node, m) => {
    if (!online.includes(node)) return false;
    sent.push({ node, m });
    return true;
  }, idleMs);
  const lines: string[] = [];
  let ended: ReadonlyMap<string, string> | undefined;
  const sink: LogsSink = {
    data: (node, d) => lines.push(`${node}/${d.taskId}:${d.line}`),
    end: (errors) => {
      assert.equal(ended, undefined, 'end once');
      ended = errors;
    },
  };
  return { sent, broker, lines, sink, ended: () => ended };
}

const data = (subscriptionId: string, taskId: string, line: string): LogsDataMessage => ({
  type: 'logs-data',
  subscriptionId,
  taskId,
  stream: 'stdout',
  timestamp: '2026-12-01T00:00:00.000000000Z',
  line,
});

describe('LogsBroker: log subscriptions over the sessions', () => {
  it("asks each node for its tasks, merges the lines as they come, ends after every node's final logs-end", () => {
    const s = setup();
    const sub = s.broker.subscribe(
      new Map([
        ['n1', ['t1', 't2']],
        ['n2', ['t3']],
      ]),
      OPTS,
      s.sink,
    );
    assert.deepEqual(
      s.sent.map((x) => [x.node, x.m]),
      [
        ['n1', { type: 'logs-subscribe', subscriptionId: sub.id, taskIds: ['t1', 't2'], options: OPTS }],
        ['n2', { type: 'logs-subscribe', subscriptionId: sub.id, taskIds: ['t3'], options: OPTS }],
      ],
    );
    assert.ok(s.broker.handle('n1', data(sub.id, 't1', 'a\n')));
    s.broker.handle('n2', data(sub.id, 't3', 'b\n'));
    s.broker.handle('n1', data(sub.id, 't2', 'c\n'));
    s.broker.handle('n1', data('other', 't2', 'x\n')); // another subscription: ignored
    s.broker.handle('n1', { type: 'logs-end', subscriptionId: sub.id, taskId: 't1' } as never); // a task's end
    s.broker.handle('n1', { type: 'logs-end', subscriptionId: sub.id } as never);
    assert.equal(s.ended(), undefined, 'n2 is not done');
    s.broker.handle('n1', data(sub.id, 't1', 'late\n')); // after its end: ignored
    s.broker.handle('n2', { type: 'logs-end', subscriptionId: sub.id, error: 'disk on fire' } as never);
    assert.deepEqual(s.lines, ['n1/t1:a\n', 'n2/t3:b\n', 'n1/t2:c\n']);
    assert.deepEqual([...s.ended()!], [['n2', 'disk on fire']]);
    assert.equal(s.broker.size, 0);
    assert.equal(s.broker.handle('n1', { type: 'task-status' }), false);
  });

  it('a node without a session counts as done; none at all ends in a microtask, not before subscribe returns', async () => {
    const s = setup([]);
    s.broker.subscribe(new Map([['n9', ['t1']]]), OPTS, s.sink);
    assert.equal(s.ended(), undefined);
    await Promise.resolve();
    assert.deepEqual(s.ended() && [...s.ended()!], []);
  });

  it('following: a node whose session closes is asked again when it comes back, from after its last line', () => {
    const s = setup();
    const two = new Map([
      ['n1', ['t1']],
      ['n2', ['t2']],
    ]);
    const sub = s.broker.subscribe(two, { ...OPTS, follow: true, tail: 5 }, s.sink);
    s.broker.handle('n1', {
      ...data(sub.id, 't1', 'a\n'),
      timestamp: '2026-12-01T00:00:01.500000000Z',
    } as LogsDataMessage);
    s.broker.nodeClosed('n1');
    s.broker.nodeClosed('n2');
    assert.equal(s.ended(), undefined, 'still following');
    s.sent.length = 0;
    s.broker.nodeOpened('n1');
    s.broker.nodeOpened('n2');
    s.broker.nodeOpened('n2'); // once only
    const since = Date.parse('2026-12-01T00:00:01.501Z') / 1000;
    assert.deepEqual(s.sent, [
      {
        node: 'n1',
        m: {
          type: 'logs-subscribe',
          subscriptionId: sub.id,
          taskIds: ['t1'],
          options: { ...OPTS, follow: true, tail: 'all', since },
        },
      },
      // it had sent nothing: asked as at first
      {
        node: 'n2',
        m: {
          type: 'logs-subscribe',
          subscriptionId: sub.id,
          taskIds: ['t2'],
          options: { ...OPTS, follow: true, tail: 5 },
        },
      },
    ]);
    s.broker.handle('n1', data(sub.id, 't1', 'b\n'));
    assert.deepEqual(s.lines, ['n1/t1:a\n', 'n1/t1:b\n']);
    s.sent.length = 0;
    sub.cancel();
    assert.equal(s.sent.length, 2, 'both cancelled');
  });

  it('a node whose session closes ends its part', () => {
    const s = setup();
    s.broker.subscribe(
      new Map([
        ['n1', ['t1']],
        ['n2', ['t2']],
      ]),
      OPTS,
      s.sink,
    );
    s.broker.nodeClosed('n1');
    assert.equal(s.ended(), undefined);
    s.broker.nodeClosed('n2');
    assert.deepEqual([...s.ended()!.keys()], ['n1', 'n2']);
  });

  it('cancel sends logs-cancel to the nodes still streaming, and the sink hears nothing more', () => {
    const s = setup();
    const sub = s.broker.subscribe(
      new Map([
        ['n1', ['t1']],
        ['n2', ['t2']],
      ]),
      { ...OPTS, follow: true },
      s.sink,
    );
    s.broker.handle('n2', { type: 'logs-end', subscriptionId: sub.id } as never);
    s.sent.length = 0;
    sub.cancel();
    sub.cancel();
    assert.deepEqual(s.sent, [{ node: 'n1', m: { type: 'logs-cancel', subscriptionId: sub.id } }]);
    s.broker.handle('n1', data(sub.id, 't1', 'a\n'));
    assert.deepEqual(s.lines, []);
    assert.equal(s.ended(), undefined);
    assert.equal(s.broker.size, 0);
  });

  it('without follow, a node silent for idleMs is taken as done (an agent that does not know the messages)', async () => {
    const s = setup(['n1', 'n2'], 50);
    const sub = s.broker.subscribe(
      new Map([
        ['n1', ['t1']],
        ['n2', ['t2']],
      ]),
      OPTS,
      s.sink,
    );
    s.broker.handle('n1', { type: 'logs-end', subscriptionId: sub.id } as never);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(s.ended(), undefined);
    await new Promise((r) => setTimeout(r, 80));
    assert.deepEqual([...s.ended()!], [['n2', 'the node did not answer']]);
    assert.deepEqual(s.sent.at(-1), { node: 'n2', m: { type: 'logs-cancel', subscriptionId: sub.id } });
    // a follow has no such limit
    const f = setup(['n1'], 20);
    f.broker.subscribe(new Map([['n1', ['t1']]]), { ...OPTS, follow: true }, f.sink);
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(f.ended(), undefined);
    f.broker.closeAll('done');
  });

  it('closeAll (leadership lost) cancels on the nodes and ends every sink with the reason', () => {
    const s = setup();
    const sub = s.broker.subscribe(new Map([['n1', ['t1']]]), { ...OPTS, follow: true }, s.sink);
    s.broker.closeAll('leadership changed');
    assert.deepEqual(s.sent.at(-1), { node: 'n1', m: { type: 'logs-cancel', subscriptionId: sub.id } });
    assert.deepEqual([...s.ended()!], [['n1', 'leadership changed']]);
  });
});
