import assert from 'node:assert/strict';
import {
  hostRuleset,
  hostTableName,
  ingressLink,
  meshRuleset,
  publishedPorts,
} from '../../../../worker/network/ingress';
import type { NetworkServiceRecord } from '../../../../src/rpc';

const svc = (id: string, backends: string[], published: number, target = 80): NetworkServiceRecord => ({
  ServiceID: id,
  Name: id,
  Aliases: [],
  Mode: 'vip',
  Backends: backends,
  Ports: [{ Protocol: 'tcp', TargetPort: target, PublishedPort: published }],
});

describe('ingress routing mesh rules (pure)', () => {
  it('gives each daemon its own /30 link and host table', () => {
    const a = ingressLink('tsswarm0');
    const b = ingressLink('tsswarm1');
    assert.match(a.hostAddr, /^169\.254\.\d+\.\d+$/);
    assert.ok(a.hostDev.length <= 15);
    assert.notEqual(a.hostAddr, b.hostAddr);
    assert.notEqual(a.hostDev, b.hostDev);
    assert.equal(hostTableName('tsw-a.b'), 'tsswarm_ingress_tsw_a_b');
  });

  it('DNATs the host addresses to the link, and the link to numgen over the backends with SNAT to the LB address', () => {
    const ports = publishedPorts([svc('web', ['10.0.0.4', '10.0.0.3'], 8080), svc('db', [], 30000, 5432)]);
    assert.deepEqual(
      ports.map((p) => [p.PublishedPort, p.backends]),
      [
        [8080, ['10.0.0.3', '10.0.0.4']],
        [30000, []],
      ],
    );
    const host = hostRuleset('t', ports, '169.254.1.2', 'tsig1');
    assert.match(host, /^table ip t \{\}\ndelete table ip t\n/);
    assert.equal(host.match(/fib daddr type local tcp dport 8080 dnat to 169\.254\.1\.2/g)?.length, 2);
    assert.match(host, /oifname "tsig1" ip saddr 127\.0\.0\.0\/8 masquerade/, 'localhost:8080 too');
    const mesh = meshRuleset(ports, '10.0.0.10', 'br0');
    assert.match(
      mesh,
      /iifname "ig0" tcp dport 8080 dnat to numgen inc mod 2 map \{ 0 : 10\.0\.0\.3, 1 : 10\.0\.0\.4 \} : 80/,
    );
    assert.doesNotMatch(mesh, /dport 30000/, 'no backend: no rule, the namespace refuses');
    assert.match(mesh, /iifname "ig0" oifname "br0" snat to 10\.0\.0\.10/);
  });
});
