// virtnet doctor's judgement of fixed host facts: each problem is reported with a fix, and a healthy host is not.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type DoctorNetwork,
  diagnose,
  type Finding,
  type HostFacts,
  report,
  type UdpListener,
} from '../../../src/doctor/checks.js';
import { parseProcUdp } from '../../../src/host/doctor-probe.js';
import { parseCidr, type Subnet } from '../../../src/model/addr.js';

const cidr = (t: string): Subnet => parseCidr(t) as Subnet;

function healthy(over: Partial<HostFacts> = {}): HostFacts {
  return {
    dnsmasq: '/usr/sbin/dnsmasq',
    nft: 'ok',
    ipForward: true,
    tables: ['inet virtnet'],
    chains: ['inet virtnet forward'],
    forwardDrops: [],
    firewalldRunning: false,
    routes: [
      { dev: 'eth0', subnet: cidr('192.168.1.0/24') },
      { dev: 'virbr0', subnet: cidr('192.168.122.0/24') },
    ],
    bridges: ['virbr0'],
    udp: [
      // virtnet's own dnsmasq binds the DHCP port on the wildcard address
      { address: '0.0.0.0', port: 67, inode: 10, pid: 100, comm: 'dnsmasq', virtnet: true },
      // a resolver on a specific address does not stop dnsmasq
      { address: '127.0.0.53', port: 53, inode: 11, pid: 101, comm: 'systemd-resolve', virtnet: false },
      { address: '0.0.0.0', port: 5353, inode: 12, pid: 102, comm: 'avahi-daemon', virtnet: false },
    ],
    ...over,
  };
}

const defaultNet: DoctorNetwork = {
  name: 'default',
  bridge: 'virbr0',
  mode: 'nat',
  active: true,
  subnets: [cidr('192.168.122.0/24')],
};

const ids = (f: Finding[]) => f.map((x) => x.id);
const one = (f: Finding[], id: string): Finding => {
  const hits = f.filter((x) => x.id === id);
  assert.equal(hits.length, 1, JSON.stringify(f));
  return hits[0] as Finding;
};

describe('doctor checks', () => {
  it('reports nothing on a healthy host with an active NAT network', () => {
    const f = diagnose(healthy(), [defaultNet]);
    assert.deepEqual(f, []);
    assert.equal(report(f).ok, true);
  });

  it('reports missing dnsmasq and nft as errors with install fixes', () => {
    const f = diagnose(healthy({ dnsmasq: undefined, nft: 'missing' }), [defaultNet]);
    assert.deepEqual(ids(f), ['dnsmasq-missing', 'nft-missing']);
    assert.ok(f.every((x) => x.severity === 'error' && x.fix?.includes('install')));
    assert.equal(report(f).ok, false);
  });

  it('reports a kernel without nf_tables with nft’s message', () => {
    const f = diagnose(healthy({ nft: 'unavailable', nftError: 'Error: Could not process rule' }), []);
    const x = one(f, 'nftables-unavailable');
    assert.match(x.message, /Could not process rule/);
    assert.match(x.fix ?? '', /modprobe nf_tables/);
  });

  it('warns about ip_forward = 0 only when a network needs forwarding', () => {
    const needed = one(diagnose(healthy({ ipForward: false }), [defaultNet]), 'ip-forward-off');
    assert.equal(needed.severity, 'warning');
    assert.match(needed.message, /default.*turns it on when it starts/);
    const isolated = { ...defaultNet, mode: 'isolated' };
    const notNeeded = diagnose(healthy({ ipForward: false }), [isolated]);
    assert.equal(one(notNeeded, 'ip-forward-off').severity, 'info');
    assert.equal(report(notNeeded).ok, true);
    assert.deepEqual(diagnose(healthy({ ipForward: undefined }), [defaultNet]), []);
  });

  it('tells how to get past a foreign forward drop chain, or that DOCKER-USER is used', () => {
    const plain = one(
      diagnose(healthy({ forwardDrops: ['ip filter FORWARD'] }), [defaultNet]),
      'forward-drop',
    );
    assert.equal(plain.severity, 'warning');
    assert.match(plain.fix ?? '', /nft insert rule ip filter FORWARD iifname "virbr0" accept/);
    assert.match(plain.fix ?? '', /oifname "virbr0" accept/);
    const docker = healthy({
      forwardDrops: ['ip filter FORWARD'],
      chains: ['ip filter FORWARD', 'ip filter DOCKER-USER'],
    });
    const handled = one(diagnose(docker, [defaultNet]), 'forward-drop');
    assert.equal(handled.severity, 'info');
    assert.match(handled.message, /ip filter DOCKER-USER \(comment "virtnet:BRIDGE"\)/);
    // another table's drop chain is not handled through DOCKER-USER
    const other = healthy({ forwardDrops: ['inet fw fwd'], chains: ['ip filter DOCKER-USER'] });
    assert.equal(one(diagnose(other, [defaultNet]), 'forward-drop').severity, 'warning');
  });

  it('warns about firewalld by its table or its state, with the zone fix', () => {
    for (const facts of [healthy({ tables: ['inet firewalld'] }), healthy({ firewalldRunning: true })]) {
      const x = one(diagnose(facts, [defaultNet]), 'firewalld');
      assert.match(x.fix ?? '', /firewall-cmd --permanent --zone=libvirt --add-interface=virbr0/);
    }
  });

  it('reports a subnet that overlaps a host route, but not the route on its own active bridge', () => {
    const lan: DoctorNetwork = { ...defaultNet, name: 'lan', bridge: 'virbr1', active: false };
    lan.subnets = [cidr('192.168.1.0/24')];
    const x = one(diagnose(healthy({ bridges: ['virbr0'] }), [defaultNet, lan]), 'subnet-route-overlap');
    assert.equal(x.severity, 'error');
    assert.match(x.message, /lan: subnet 192\.168\.1\.0\/24 overlaps route 192\.168\.1\.0\/24 on eth0/);
    const v6: DoctorNetwork = { ...lan, name: 'v6', subnets: [cidr('fd00:1::/64')] };
    const routes = [{ dev: 'eth1', subnet: cidr('fd00::/16') }];
    assert.deepEqual(ids(diagnose(healthy({ routes, bridges: [] }), [v6])), ['subnet-route-overlap']);
    // the same route on the bridge of the network itself, once it is active, is no clash
    const active = { ...v6, active: true };
    const own = [{ dev: 'virbr1', subnet: cidr('fd00:1::/64') }];
    assert.deepEqual(
      diagnose(healthy({ routes: own, bridges: ['virbr0', 'virbr1'] }), [defaultNet, active]),
      [],
    );
  });

  it('reports two networks that overlap each other, without host facts too', () => {
    const b: DoctorNetwork = { ...defaultNet, name: 'b', bridge: 'virbr1', active: false };
    b.subnets = [cidr('192.168.122.128/25')];
    const x = one(diagnose(undefined, [defaultNet, b]), 'subnet-network-overlap');
    assert.match(x.message, /default and b overlap/);
    const c: DoctorNetwork = { ...b, name: 'c', subnets: [cidr('192.168.123.0/24')] };
    assert.deepEqual(ids(diagnose(undefined, [defaultNet, c])), ['host-not-probed']);
    assert.equal(report(diagnose(undefined, [])).ok, true);
  });

  it('reports leftover bridges: of an inactive network, or virbrN unused', () => {
    const down: DoctorNetwork = {
      ...defaultNet,
      name: 'down',
      bridge: 'vnbr-down',
      active: false,
      subnets: [],
    };
    const hostBr: DoctorNetwork = { name: 'br', bridge: 'br0', mode: 'bridge', active: false, subnets: [] };
    const facts = healthy({ bridges: ['virbr0', 'virbr7', 'vnbr-down', 'br0', 'docker0'] });
    const f = diagnose(facts, [defaultNet, down, hostBr]).filter((x) => x.id === 'stale-bridge');
    assert.equal(f.length, 2, JSON.stringify(f));
    assert.match(f[0]?.message ?? '', /virbr7 is not used/);
    assert.match(f[1]?.message ?? '', /vnbr-down of inactive network down/);
    assert.match(f[1]?.fix ?? '', /ip link delete vnbr-down && virtnet net-start down/);
    // virbr0 of an inactive network is reported once, as that network's (its route is left over too)
    const stopped = diagnose(healthy(), [{ ...defaultNet, active: false }]);
    assert.deepEqual(ids(stopped), ['subnet-route-overlap', 'stale-bridge']);
    assert.match(stopped[1]?.message ?? '', /of inactive network default/);
  });

  it('reports a foreign wildcard listener on UDP 53 or 67, once per socket owner', () => {
    const udp: UdpListener[] = [
      { address: '0.0.0.0', port: 53, inode: 20, pid: 200, comm: 'named', virtnet: false },
      { address: '::', port: 53, inode: 21, pid: 200, comm: 'named', virtnet: false },
      { address: '0.0.0.0', port: 67, inode: 22, virtnet: false },
      { address: '192.168.1.5', port: 53, inode: 23, pid: 201, comm: 'unbound', virtnet: false },
      { address: '0.0.0.0', port: 53, inode: 24, pid: 202, comm: 'dnsmasq', virtnet: true },
    ];
    const f = diagnose(healthy({ udp }), [defaultNet]);
    assert.deepEqual(ids(f), ['udp-port-in-use', 'udp-port-in-use', 'udp-port-in-use']);
    assert.match(f[0]?.message ?? '', /UDP port 53 \(DNS\) is bound to 0\.0\.0\.0 by named \(pid 200\)/);
    assert.match(f[1]?.message ?? '', /bound to :: by named/);
    assert.match(f[2]?.message ?? '', /port 67 \(DHCP\).*unknown process \(socket inode 22\)/);
    assert.ok(f.every((x) => x.severity === 'error' && x.fix));
  });

  it('parses /proc/net/udp and udp6', () => {
    const v4 = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  1: 00000000:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4242 2 0000000000000000 0
  2: 0100007F:0043 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4343 2 0000000000000000 0
  3: 0100007F:A000 0100007F:0035 01 00000000:00000000 00:00000000 00000000     0        0 4444 2 0000000000000000 0
`;
    assert.deepEqual(parseProcUdp(v4), [
      { address: '0.0.0.0', port: 53, inode: 4242, virtnet: false },
      { address: '127.0.0.1', port: 67, inode: 4343, virtnet: false },
    ]);
    const v6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  1: 00000000000000000000000000000000:0035 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 5151 2 0000000000000000 0
  2: 000080FE00000000FF4A5702FE3FAF36:0222 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 5252 2 0000000000000000 0
`;
    assert.deepEqual(
      parseProcUdp(v6).map((l) => `${l.address} ${l.port} ${l.inode}`),
      [':: 53 5151', 'fe80::257:4aff:36af:3ffe 546 5252'],
    );
  });
});
