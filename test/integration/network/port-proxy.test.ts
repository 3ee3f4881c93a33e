import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConflictError } from '../../../src/api';
import { PortProxy } from '../../../worker/network/port-proxy';
import { hostGet } from './netns-tools';

describe('network port proxy (loopback only)', () => {
  let server: http.Server;
  let target: number;
  const proxies: PortProxy[] = [];

  before(async () => {
    server = http.createServer((_req, res) => res.end('proxied\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    target = (server.address() as AddressInfo).port;
  });
  after(async () => {
    for (const p of proxies) await p.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('forwards TCP once it has a target, and holds the port against a second claim', async () => {
    const p = await PortProxy.open({
      containerPort: 80,
      protocol: 'tcp',
      hostIp: '127.0.0.1',
      hostPortMin: 0,
      hostPortMax: 0,
    });
    proxies.push(p);
    const port = p.published.hostPort;
    assert.ok(port > 0);
    // Without a target (the container has no address yet) connections are dropped, not hung.
    await assert.rejects(hostGet(`http://127.0.0.1:${port}/`));
    p.setTarget('127.0.0.1', target);
    assert.equal(await hostGet(`http://127.0.0.1:${port}/`), 'proxied\n');
    await assert.rejects(
      PortProxy.open({ containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1', hostPortMin: port, hostPortMax: port }),
      (e: Error) =>
        e instanceof ConflictError &&
        new RegExp(`127\\.0\\.0\\.1:${port}/tcp failed: port is already allocated`).test(e.message),
    );
  });

  it('takes the first free port of a range, and reserves UDP ports', async () => {
    const first = await PortProxy.open({
      containerPort: 53,
      protocol: 'udp',
      hostIp: '127.0.0.1',
      hostPortMin: 0,
      hostPortMax: 0,
    });
    proxies.push(first);
    const taken = first.published.hostPort;
    const next = await PortProxy.open({
      containerPort: 53,
      protocol: 'udp',
      hostIp: '127.0.0.1',
      hostPortMin: taken,
      hostPortMax: taken + 1,
    });
    proxies.push(next);
    assert.ok(next.published.hostPort > taken && next.published.hostPort <= taken + 20);
    assert.equal(next.published.protocol, 'udp');
  });
});
