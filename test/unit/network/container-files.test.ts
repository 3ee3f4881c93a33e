import assert from 'node:assert/strict';
import { containerHostsFile, containerResolvConf } from '../../../worker/network';

describe('network container files', () => {
  it('drops loopback nameservers for namespaced containers, keeps the host file for host', () => {
    const host = 'search lan\nnameserver 127.0.0.53\noptions edns0\n';
    assert.equal(containerResolvConf(host, { NetworkName: 'host' }), host);
    assert.equal(
      containerResolvConf(host, { NetworkName: 'bridge' }),
      'search lan\noptions edns0\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n',
    );
    assert.equal(
      containerResolvConf('nameserver 192.0.2.53\nnameserver ::1\n', { NetworkName: 'bridge' }),
      'nameserver 192.0.2.53\n',
    );
  });
  it('points resolv.conf at the network name server when there is one', () => {
    assert.equal(
      containerResolvConf('search lan\nnameserver 127.0.0.53\noptions edns0\n', {
        NetworkName: 'app',
        DnsServers: ['10.198.0.1'],
      }),
      'nameserver 10.198.0.1\nsearch lan\noptions edns0\n',
    );
    assert.equal(
      containerResolvConf('search lan\nnameserver 127.0.0.53\noptions edns0\n', {
        NetworkName: 'bridge',
        DnsServers: ['127.0.0.11'],
        DnsOptions: ['ndots:0'],
      }),
      'nameserver 127.0.0.11\nsearch lan\noptions ndots:0\n',
    );
  });
  it('writes /etc/hosts with the container address under its hostname', () => {
    const hosts = containerHostsFile({ NetworkName: 'bridge', IPAddress: '10.197.0.2' }, 'abc123', '');
    assert.match(hosts, /^127\.0\.0\.1\tlocalhost\n/);
    assert.match(hosts, /\n10\.197\.0\.2\tabc123\n$/);
    assert.match(
      containerHostsFile({ NetworkName: 'bridge', IPAddress: '10.197.0.2' }, 'web', '', 'example.org'),
      /10\.197\.0\.2\tweb\.example\.org web\n$/,
    );
    assert.doesNotMatch(containerHostsFile({ NetworkName: 'none', IPAddress: '' }, 'x', ''), /\tx\n/);
    assert.equal(containerHostsFile({ NetworkName: 'host', IPAddress: '' }, 'x', '127.0.0.1 h\n'), '127.0.0.1 h\n');
  });
});
