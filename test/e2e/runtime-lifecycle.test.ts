// LinuxRuntime start/stop in a namespace of our own: bridge, addresses, sysctls, nft elements, dnsmasq, teardown.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isRoot, RuntimeNs } from './helpers/runtime-ns.js';
import { natXml } from './helpers/runtime-xml.js';

describe('LinuxRuntime start/stop', { skip: !isRoot && 'needs root' }, () => {
  let ns: RuntimeNs;
  before(() => {
    ns = new RuntimeNs();
  });
  after(() => ns?.dispose());

  it('starts a NAT network with DHCP and IPv6, then stops it leaving only the lease file', () => {
    const xml = ns.writeXml('nat', natXml(31, { v6: true, mtu: 1400 }));
    const r = ns.driver('start', xml);
    assert.equal(r.code, 0, r.stderr);
    const state = JSON.parse(r.stdout) as { bridge: string; dnsmasqPid: number; firewall: boolean };
    assert.equal(state.bridge, 'vrt31');

    const br = ns.links().find((l) => l.ifname === 'vrt31');
    assert.ok(br, 'bridge exists');
    assert.equal(br.linkinfo?.info_kind, 'bridge');
    assert.equal(br.mtu, 1400);
    assert.equal(br.address, '52:54:00:aa:00:1f');
    assert.ok(br.flags.includes('UP'));
    const addrs = ns.addrs('vrt31').filter((a) => !a.startsWith('fe80:'));
    assert.deepEqual(addrs.sort(), ['10.31.0.1/24', 'fd00:1f::1/64']);
    assert.equal(ns.sh(['cat', '/proc/sys/net/ipv4/ip_forward']).trim(), '1');
    assert.equal(ns.sh(['cat', '/proc/sys/net/ipv6/conf/all/forwarding']).trim(), '1');

    assert.deepEqual(ns.mapKeys('fwd_if'), ['vrt31']);
    assert.deepEqual(ns.mapKeys('nat_out'), ['vrt31']);
    assert.deepEqual(
      ns
        .chains()
        .filter((c) => c.startsWith('br_'))
        .sort(),
      ['br_vrt31', 'br_vrt31_dns', 'br_vrt31_nat'],
    );
    // the guard of its dnsmasq (bind-interfaces): DNS to these addresses only from the bridge
    assert.deepEqual(ns.mapKeys('dns4'), ['10.31.0.1']);
    assert.deepEqual(ns.mapKeys('dns6'), ['fd00:1f::1']);
    assert.match(readFileSync(join(ns.stateDir, 'dnsmasq', 'rt31.conf'), 'utf8'), /^bind-interfaces$/m);

    assert.deepEqual(ns.dnsmasqPids(), [state.dnsmasqPid]);
    const udp = ns.udpListeners();
    assert.ok(udp.includes('10.31.0.1:53'), `DNS bound: ${udp}`);
    assert.ok(
      udp.some((u) => u.endsWith(':67')),
      `DHCP bound: ${udp}`,
    );

    const check = ns.driver('check', xml);
    assert.equal(check.code, 0, check.stderr);
    assert.deepEqual(JSON.parse(check.stdout), []);

    const leaseFile = join(ns.stateDir, 'dnsmasq', 'rt31.leases');
    assert.ok(existsSync(leaseFile));
    const s = ns.driver('stop', xml);
    assert.equal(s.code, 0, s.stderr);
    assert.equal(
      ns.links().find((l) => l.ifname === 'vrt31'),
      undefined,
    );
    assert.deepEqual(ns.mapKeys('fwd_if'), []);
    assert.deepEqual(ns.mapKeys('nat_out'), []);
    assert.deepEqual(ns.mapKeys('dns4'), []);
    assert.deepEqual(ns.mapKeys('dns6'), []);
    assert.deepEqual(
      ns.chains().filter((c) => c.startsWith('br_')),
      [],
    );
    assert.deepEqual(ns.dnsmasqPids(), []);
    assert.ok(existsSync(leaseFile), 'lease file kept like libvirt');
    assert.equal(existsSync(join(ns.stateDir, 'dnsmasq', 'rt31.conf')), false);
    assert.equal(existsSync(join(ns.stateDir, 'run', 'network', 'rt31.pid')), false);
  });

  it('keeps two networks independent in the firewall', () => {
    const a = ns.writeXml('a', natXml(41));
    const b = ns.writeXml('b', natXml(42, { mode: 'route' }));
    assert.equal(ns.driver('start', a).code, 0);
    const rb = ns.driver('start', b);
    assert.equal(rb.code, 0, rb.stderr);
    assert.deepEqual(ns.mapKeys('fwd_if').sort(), ['vrt41', 'vrt42']);
    assert.deepEqual(ns.mapKeys('nat_out'), ['vrt41'], 'a routed network gets no NAT');
    assert.equal(ns.driver('stop', a).code, 0);
    assert.deepEqual(ns.mapKeys('fwd_if'), ['vrt42']);
    assert.deepEqual(
      ns
        .chains()
        .filter((c) => c.startsWith('br_'))
        .sort(),
      ['br_vrt42', 'br_vrt42_dns'],
    );
    assert.deepEqual(JSON.parse(ns.driver('check', b).stdout), []);
    assert.equal(ns.driver('stop', b).code, 0);
    assert.deepEqual(ns.mapKeys('fwd_if'), []);
  });

  it('an isolated network rejects all forwarding and has no NAT; the bridge gets no IPv6 without v6 addresses', () => {
    const x = ns.writeXml('iso', natXml(43, { mode: 'isolated' }));
    const r = ns.driver('start', x);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(ns.sh(['cat', '/proc/sys/net/ipv6/conf/vrt43/disable_ipv6']).trim(), '1');
    const rules = ns.chainRules('br_vrt43').map((r) => JSON.stringify(r.expr));
    // only guest-to-guest hairpin on its own bridge, then reject: nothing routed in or out
    assert.equal(rules.length, 2);
    assert.doesNotMatch(rules.join(' '), /saddr|daddr/);
    assert.match(rules[1] as string, /reject/);
    assert.deepEqual(ns.mapKeys('nat_out'), []);
    assert.equal(
      readFileSync(join(ns.stateDir, 'dnsmasq', 'rt43.conf'), 'utf8').includes('interface=vrt43'),
      true,
    );
    assert.equal(ns.driver('stop', x).code, 0);
  });
});
