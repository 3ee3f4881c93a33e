import assert from 'node:assert/strict';
import type { NetworkView } from '../../../../src/rpc';
import { peerChanges, remotePeers } from '../../../../worker/network/overlay/overlay-peers';
import { overlayLookup } from '../../../../worker/network/overlay/overlay-records';
import { containerRuleset } from '../../../../worker/network/overlay/overlay-ruleset';
import { endpointVethName, overlayNetnsName } from '../../../../worker/network/overlay/overlay-names';
import { overlayAttachments } from '../../../../worker/network/overlay/task-attachments';
import type { NetworkAttachment, NetworkObject } from '../../../../src/api';

const view: NetworkView = {
  ID: 'n1',
  Name: 'ovl',
  VNI: 4097,
  Subnet: '10.0.1.0/24',
  Gateway: '10.0.1.1',
  Internal: false,
  Ingress: false,
  Version: 3,
  Endpoints: [
    { TaskID: 't1', TaskName: 'web.1.t1', ServiceID: 's1', NodeID: 'A', NodeAddr: '192.168.1.1', Addr: '10.0.1.3' },
    { TaskID: 't2', TaskName: 'web.2.t2', ServiceID: 's1', NodeID: 'B', NodeAddr: '192.168.1.2', Addr: '10.0.1.4' },
  ],
  Services: [
    {
      ServiceID: 's1',
      Name: 'web',
      Aliases: ['www'],
      Mode: 'vip',
      VIP: '10.0.1.2',
      Backends: ['10.0.1.4', '10.0.1.3'],
    },
    { ServiceID: 's2', Name: 'db', Aliases: [], Mode: 'dnsrr', Backends: ['10.0.1.9'] },
    { ServiceID: 's3', Name: 'idle', Aliases: [], Mode: 'vip', VIP: '10.0.1.7', Backends: [] },
  ],
};

describe('overlay: peers, names and rules (pure)', () => {
  it('takes the endpoints of other nodes as peers, not local tasks', () => {
    assert.deepEqual(remotePeers(view.Endpoints, '192.168.1.1', new Set(['t1'])), [
      { mac: '02:42:0a:00:01:04', addr: '10.0.1.4', nodeAddr: '192.168.1.2' },
    ]);
    assert.deepEqual(remotePeers(view.Endpoints, '192.168.1.9', new Set(['t1', 't2'])), []);
  });

  it('adds missing or moved FDB/neighbour entries and removes stale ones', () => {
    const peers = [{ mac: '02:42:0a:00:01:04', addr: '10.0.1.4', nodeAddr: '192.168.1.2' }];
    const ch = peerChanges(
      peers,
      {
        fdb: new Map([
          ['02:42:0a:00:01:04', '192.168.1.5'],
          ['02:42:0a:00:01:08', '192.168.1.3'],
        ]),
        neigh: new Map([['10.0.1.4', '02:42:0a:00:01:04']]),
      },
      'vxlan0',
    );
    assert.deepEqual(ch.bridge, [
      ['fdb', 'replace', '02:42:0a:00:01:04', 'dev', 'vxlan0', 'dst', '192.168.1.2', 'self', 'permanent'],
      ['fdb', 'del', '02:42:0a:00:01:08', 'dev', 'vxlan0', 'dst', '192.168.1.3', 'self'],
    ]);
    assert.deepEqual(ch.ip, []);
    assert.deepEqual(
      peerChanges(peers, { fdb: new Map([[peers[0].mac, peers[0].nodeAddr]]), neigh: new Map() }, 'vxlan0').ip,
      [['neigh', 'replace', '10.0.1.4', 'lladdr', '02:42:0a:00:01:04', 'dev', 'vxlan0', 'nud', 'permanent']],
    );
  });

  it('answers service names with the VIP, tasks.<name> and dnsrr with tasks, task names with their address', () => {
    assert.deepEqual(overlayLookup([view], 'web'), ['10.0.1.2']);
    assert.deepEqual(overlayLookup([view], 'WWW.'), ['10.0.1.2']);
    assert.deepEqual(overlayLookup([view], 'tasks.web'), ['10.0.1.4', '10.0.1.3']);
    assert.deepEqual(overlayLookup([view], 'db'), ['10.0.1.9']);
    assert.deepEqual(overlayLookup([view], 'web.2.t2'), ['10.0.1.4']);
    assert.deepEqual(overlayLookup([view], 'tasks.idle'), []);
    assert.equal(overlayLookup([view], 'example.com'), null);
  });

  it('balances each VIP over its backends with numgen, rejects empty ones, sends 127.0.0.11 to the daemon', () => {
    const text = containerRuleset({ dns: { address: '10.197.0.1', port: 53 }, services: view.Services });
    assert.match(text, /^table ip tsswarm_overlay \{\}\ndelete table ip tsswarm_overlay\n/);
    assert.match(text, /ip daddr 127\.0\.0\.11 udp dport 53 dnat to 10\.197\.0\.1:53/);
    assert.match(
      text,
      /ip daddr 10\.0\.1\.2 meta l4proto \{ tcp, udp \} dnat to numgen inc mod 2 map \{ 0 : 10\.0\.1\.3, 1 : 10\.0\.1\.4 \}/,
    );
    assert.match(text, /ip daddr \{ 10\.0\.1\.7 \} reject/);
    assert.doesNotMatch(containerRuleset({ services: [] }), /127\.0\.0\.11/);
  });

  it('names namespaces per daemon and VNI, veths within 15 characters', () => {
    assert.equal(overlayNetnsName('tsswarm0', 4097), 'tsswarm0-ov4097');
    assert.ok(endpointVethName('n1', 't1').length <= 15);
    assert.notEqual(endpointVethName('n1', 't1'), endpointVethName('n2', 't1'));
  });

  it("reads a task's overlay attachments as Docker gives them, ingress included, unallocated ones left out", () => {
    const net = (id: string, name: string, vni: string | undefined, ingress = false): NetworkObject => ({
      ID: id,
      Version: { Index: 1 },
      CreatedAt: '',
      UpdatedAt: '',
      Spec: { Name: name, Ingress: ingress },
      DriverState: {
        Name: 'overlay',
        Options: vni ? { 'com.docker.network.driver.overlay.vxlanid_list': vni } : ({} as Record<string, string>),
      },
      IPAMOptions: { Configs: [{ Subnet: '10.0.1.0/24', Gateway: '10.0.1.1' }] },
    });
    const list: NetworkAttachment[] = [
      { Network: net('i', 'ingress', '4096', true), Addresses: ['10.0.0.4/24'] },
      { Network: net('n1', 'appnet', '4097'), Addresses: ['10.0.1.3/24'] },
      { Network: net('n2', 'noaddr', '4098'), Addresses: [] },
      { Network: net('n3', 'novni', undefined), Addresses: ['10.0.1.5/24'] },
    ];
    assert.deepEqual(overlayAttachments(list), [
      {
        networkId: 'i',
        networkName: 'ingress',
        vni: 4096,
        subnet: '10.0.1.0/24',
        gateway: '10.0.1.1',
        addr: '10.0.0.4',
        prefixLen: 24,
      },
      {
        networkId: 'n1',
        networkName: 'appnet',
        vni: 4097,
        subnet: '10.0.1.0/24',
        gateway: '10.0.1.1',
        addr: '10.0.1.3',
        prefixLen: 24,
      },
    ]);
    assert.deepEqual(overlayAttachments(undefined), []);
  });
});
