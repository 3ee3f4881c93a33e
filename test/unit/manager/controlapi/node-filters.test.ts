import assert from 'node:assert/strict';
import type { NodeObject } from '../../../../src/api';
import { nodeMatches } from '../../../../manager/controlapi/node-filters';

function node(id: string, role: 'manager' | 'worker', host: string, labels: Record<string, string> = {}): NodeObject {
  return {
    ID: id,
    Version: { Index: 1 },
    CreatedAt: '',
    UpdatedAt: '',
    Spec: { Role: role, Availability: 'active', Labels: labels },
    Description: { Hostname: host, Engine: { Labels: { disk: 'ssd' } } },
    Status: { State: 'ready' },
  };
}

describe('node list filters', () => {
  const n1 = node('abc123', 'manager', 'host-a', { zone: 'a' });
  const n2 = node('abd456', 'worker', 'host-b');

  it('id and name are prefix matches', () => {
    assert.ok(nodeMatches(n1, { id: ['abc'] }));
    assert.ok(!nodeMatches(n2, { id: ['abc'] }));
    assert.ok(nodeMatches(n2, { name: ['host-'] }));
  });

  it('role, membership, node.label and (engine) label', () => {
    assert.ok(nodeMatches(n1, { role: ['manager'] }) && !nodeMatches(n2, { role: ['manager'] }));
    assert.ok(nodeMatches(n1, { membership: ['accepted'] }));
    assert.ok(nodeMatches(n1, { 'node.label': ['zone=a'] }) && !nodeMatches(n2, { 'node.label': ['zone'] }));
    assert.ok(nodeMatches(n2, { label: ['disk=ssd'] }) && !nodeMatches(n2, { label: ['disk=hdd'] }));
  });

  it('refuses an unknown role', () => {
    assert.throws(() => nodeMatches(n1, { role: ['boss'] }), /Invalid role/);
  });
});
