import { strict as assert } from 'node:assert';
import { InvalidArgumentError } from '../../../src/api';
import { nodeMatches, parseConstraints } from '../../../manager/scheduler';
import { node } from './fixtures';

const matches = (expr: string, n = node('n1')) => nodeMatches(parseConstraints([expr]), n);

describe('scheduler: constraints', () => {
  it('parses == and !=, trimming spaces', () => {
    const [a, b] = parseConstraints(['node.role == manager', 'node.labels.zone!=a']);
    assert.deepEqual([a!.key, a!.op, a!.value], ['node.role', '==', 'manager']);
    assert.deepEqual([b!.key, b!.op, b!.value], ['node.labels.zone', '!=', 'a']);
  });

  it("refuses bad input with Docker's messages, as 400s", () => {
    const cases: [string, string][] = [
      ['node.role', 'constraint expected one operator from ==, !='],
      ['node.role=manager', 'constraint expected one operator from ==, !='],
      ['==manager', "key '' is invalid"],
      ['no de==x', "key 'no de' is invalid"],
      ['node.role==', "value '' is invalid"],
      ['node.role==a!=b', "value 'a!=b' is invalid"],
      ['node.labels.x==<y>', "value '<y>' is invalid"],
    ];
    for (const [expr, msg] of cases) {
      assert.throws(
        () => parseConstraints([expr]),
        (e: unknown) => e instanceof InvalidArgumentError && e.message === msg && e.httpStatus === 400,
        expr,
      );
    }
  });

  it('node.id, node.hostname, node.role, case-insensitively', () => {
    const n = node('abc123', { hostname: 'Web-1', role: 'manager' });
    assert.ok(matches('node.id==abc123', n));
    assert.ok(!matches('node.id!=abc123', n));
    assert.ok(matches('node.hostname==web-1', n));
    assert.ok(matches('NODE.HOSTNAME!=web-2', n));
    assert.ok(matches('node.role==manager', n));
    assert.ok(!matches('node.role==worker', n));
  });

  it('node.platform.os and node.platform.arch', () => {
    const n = node('n', { os: 'linux', arch: 'aarch64' });
    assert.ok(matches('node.platform.os==linux', n));
    assert.ok(!matches('node.platform.os==windows', n));
    assert.ok(matches('node.platform.arch==aarch64', n));
    assert.ok(matches('node.platform.arch!=x86_64', n));
  });

  it('node.labels and engine.labels: a missing label is the empty value', () => {
    const n = node('n', { labels: { zone: 'A' }, engineLabels: { disk: 'ssd' } });
    assert.ok(matches('node.labels.zone==a', n));
    assert.ok(!matches('node.labels.Zone==a', n), 'label names are case-sensitive');
    assert.ok(matches('node.labels.rack!=x', n));
    assert.ok(!matches('node.labels.rack==x', n));
    assert.ok(matches('engine.labels.disk==ssd', n));
    assert.ok(!matches('engine.labels.disk!=ssd', n));
  });

  it('node.ip: an address or a subnet', () => {
    const n = node('n', { addr: '10.1.2.3' });
    assert.ok(matches('node.ip==10.1.2.3', n));
    assert.ok(matches('node.ip==10.1.0.0/16', n));
    assert.ok(matches('node.ip!=10.2.0.0/16', n));
    assert.ok(!matches('node.ip==not-an-ip', n));
  });

  it('an unknown key matches no node; every constraint must hold', () => {
    assert.ok(!matches('node.color==red'));
    const n = node('n', { labels: { a: '1', b: '2' } });
    assert.ok(nodeMatches(parseConstraints(['node.labels.a==1', 'node.labels.b==2']), n));
    assert.ok(!nodeMatches(parseConstraints(['node.labels.a==1', 'node.labels.b==3']), n));
  });
});
