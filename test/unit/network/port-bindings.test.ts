import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../../src/api';
import {
  formatPortMap,
  parseExposedPorts,
  parsePortBindings,
  toCniPortMappings,
} from '../../../worker/network/port-bindings';

describe('network port bindings', () => {
  it('parses Docker PortBindings', () => {
    const r = parsePortBindings({
      '80/tcp': [{ HostIp: '', HostPort: '8080' }],
      '53/udp': [{ HostIp: '127.0.0.1', HostPort: '' }],
      '443': [{ HostIp: '0.0.0.0', HostPort: '8000-8010' }],
      '22/tcp': null,
    });
    // '443' is an integer-like key, so JavaScript enumerates it first.
    assert.deepEqual(r, [
      { containerPort: 443, protocol: 'tcp', hostIp: '', hostPortMin: 8000, hostPortMax: 8010 },
      { containerPort: 80, protocol: 'tcp', hostIp: '', hostPortMin: 8080, hostPortMax: 8080 },
      { containerPort: 53, protocol: 'udp', hostIp: '127.0.0.1', hostPortMin: 0, hostPortMax: 0 },
    ]);
    assert.deepEqual(parsePortBindings(undefined), []);
    assert.deepEqual(parsePortBindings({ '80/tcp': [{ HostIp: '', HostPort: '0' }] })[0].hostPortMin, 0);
  });
  it('rejects bad bindings with a message naming the field', () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ '80/sctp': [{ HostPort: '1' }] }, /PortBindings key "80\/sctp".*tcp or udp/],
      [{ '0/tcp': [{ HostPort: '1' }] }, /PortBindings key "0\/tcp"/],
      [{ abc: [] }, /PortBindings key "abc"/],
      [{ '80/tcp': [{ HostPort: '70000' }] }, /PortBindings\["80\/tcp"\]\.HostPort "70000"/],
      [{ '80/tcp': [{ HostPort: '9-3' }] }, /HostPort "9-3"/],
      [{ '80/tcp': [{ HostPort: 80 }] }, /HostPort: want a string/],
      [{ '80/tcp': [{ HostIp: '::', HostPort: '80' }] }, /HostIp "::".*IPv6/],
      [{ '80/tcp': 'x' }, /want a list/],
      [[1], /PortBindings: want an object/],
      [{ '80/tcp': [{ HostPort: '8080' }], '81/tcp': [{ HostPort: '8080' }] }, /8080\/tcp is bound twice/],
    ];
    for (const [input, re] of bad) {
      assert.throws(
        () => parsePortBindings(input as never),
        (e: Error) => e instanceof InvalidArgumentError && re.test(e.message),
        JSON.stringify(input),
      );
    }
  });
  it('formats NetworkSettings.Ports as Docker does', () => {
    const ports = formatPortMap(
      [
        { containerPort: 80, protocol: 'tcp', hostIp: '', hostPort: 8080 },
        { containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 9090 },
      ],
      parseExposedPorts({ '80/tcp': {}, '443/tcp': {} }),
    );
    assert.deepEqual(ports, {
      '80/tcp': [
        { HostIp: '0.0.0.0', HostPort: '8080' },
        { HostIp: '127.0.0.1', HostPort: '9090' },
      ],
      '443/tcp': null,
    });
    assert.deepEqual(parseExposedPorts(['53/udp', '80']), ['53/udp', '80/tcp']);
  });
  it('maps to CNI portmap runtimeConfig', () => {
    assert.deepEqual(
      toCniPortMappings([
        { containerPort: 80, protocol: 'tcp', hostIp: '', hostPort: 8080 },
        { containerPort: 53, protocol: 'udp', hostIp: '127.0.0.1', hostPort: 5353 },
      ]),
      [
        { hostPort: 8080, containerPort: 80, protocol: 'tcp' },
        { hostPort: 5353, containerPort: 53, protocol: 'udp', hostIP: '127.0.0.1' },
      ],
    );
  });
});
