// DHCP across an overlay's members: slices that cover the range exactly once between them, and the definition one
// member renders dnsmasq from (its slice, learned bindings as reservations, remote names, the MTU in RAs).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseIPv4 } from '../../../src/model/addr.js';
import type { DhcpRange } from '../../../src/model/network-def.js';
import { parseNetworkXml } from '../../../src/model/network-parse.js';
import { memberDef, sliceProblem, sliceRanges } from '../../../src/model/overlay-dhcp.js';

const addrs = (ranges: DhcpRange[]): number[] =>
  ranges.flatMap((r) => {
    const s = Number(parseIPv4(r.start)?.value);
    const e = Number(parseIPv4(r.end)?.value);
    return Array.from({ length: e - s + 1 }, (_, i) => s + i);
  });

const DEF = parseNetworkXml(`<network><name>ov</name><forward mode='nat'/><bridge name='vb0'/>
  <ip address='10.9.0.1' prefix='24'><dhcp>
    <range start='10.9.0.10' end='10.9.0.19'><lease expiry='2' unit='hours'/></range>
    <range start='10.9.0.100' end='10.9.0.104'/>
    <host mac='52:54:00:00:00:99' ip='10.9.0.99' name='fixed'/>
  </dhcp></ip></network>`);

describe('slices of the DHCP range', () => {
  it('cut the union of the ranges into parts that cover every address once, in order, keeping lease times', () => {
    const ranges = DEF.ips[0]?.dhcp?.ranges ?? [];
    for (const count of [1, 2, 3, 4, 7, 15]) {
      const parts = Array.from({ length: count }, (_, i) => addrs(sliceRanges(ranges, i, count)));
      assert.deepEqual(parts.flat(), addrs(ranges), `${count} members`);
      const sizes = parts.map((p) => p.length);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `even slices for ${count}: ${sizes}`);
    }
    const first = sliceRanges(ranges, 0, 3);
    assert.deepEqual(first, [{ start: '10.9.0.10', end: '10.9.0.14', lease: { expiry: 2, unit: 'hours' } }]);
    assert.deepEqual(sliceRanges(ranges, 2, 3), [{ start: '10.9.0.100', end: '10.9.0.104' }]);
  });

  it('a range smaller than the member list is a problem, named', () => {
    assert.equal(sliceProblem(DEF, 15), undefined);
    assert.match(sliceProblem(DEF, 16) ?? '', /has 15 address\(es\), fewer than the overlay's 16 members/);
  });
});

describe("one member's dnsmasq definition", () => {
  const ctx = {
    members: ['10.0.0.1', '10.0.0.2', '10.0.0.3'],
    self: '10.0.0.2',
    mtu: 1450,
    bindings: [
      { mac: '52:54:00:00:00:01', ip: '10.9.0.11', vtep: '10.0.0.1', name: 'web', seen: 10 },
      // reserved by the XML for another MAC: never overridden
      { mac: '52:54:00:00:00:02', ip: '10.9.0.99', vtep: '10.0.0.3', seen: 11 },
      // the XML's MAC: never overridden either
      { mac: '52:54:00:00:00:99', ip: '10.9.0.12', seen: 12 },
      // outside every subnet
      { mac: '52:54:00:00:00:03', ip: '10.8.0.5', seen: 13 },
      // names that are no host names stay out of dnsmasq's files
      { mac: '52:54:00:00:00:04', ip: '10.9.0.13', name: 'a b\nc', seen: 14 },
      // a MAC announced again with a new address: the newest wins
      { mac: '52:54:00:00:00:05', ip: '10.9.0.15', seen: 15 },
      { mac: '52:54:00:00:00:05', ip: '10.9.0.16', seen: 16 },
    ],
  };
  const m = memberDef(DEF, ctx);

  it('serves its own slice, with the MTU as option 26', () => {
    assert.deepEqual(m.ips[0]?.dhcp?.ranges, [
      { start: '10.9.0.15', end: '10.9.0.19', lease: { expiry: 2, unit: 'hours' } },
    ]);
    assert.equal(m.mtu, 1450);
    assert.deepEqual(DEF.ips[0]?.dhcp?.ranges.length, 2, 'the definition itself is untouched');
  });

  it('learned bindings become reservations, their names DNS hosts', () => {
    assert.deepEqual(m.ips[0]?.dhcp?.hosts, [
      { mac: '52:54:00:00:00:99', ip: '10.9.0.99', name: 'fixed' },
      { mac: '52:54:00:00:00:01', ip: '10.9.0.11' },
      { mac: '52:54:00:00:00:04', ip: '10.9.0.13' },
      { mac: '52:54:00:00:00:05', ip: '10.9.0.16' },
    ]);
    assert.deepEqual(m.dns?.hosts, [{ ip: '10.9.0.11', hostnames: ['web'] }]);
  });

  it('router advertisements carry the MTU on IPv6 networks (router lifetime 0 when isolated)', () => {
    assert.deepEqual(m.dnsmasqOptions, []);
    const v6 = parseNetworkXml(`<network><name>s</name><forward mode='route'/><bridge name='vb6'/>
      <ip family='ipv6' address='fd00:9::1' prefix='64'/></network>`);
    assert.deepEqual(memberDef(v6, ctx).dnsmasqOptions, ['ra-param=vb6,mtu:1450,0']);
    const iso = parseNetworkXml(
      `<network><name>s</name><bridge name='vb7'/><ip family='ipv6' address='fd00:7::1' prefix='64'/></network>`,
    );
    assert.deepEqual(memberDef(iso, ctx).dnsmasqOptions, ['ra-param=vb7,mtu:1450,0,0']);
  });
});
