// Traffic filters as nftables text: libvirt's rule and chain order, its meaning of directions, states and
// variables, and per-port transactions that touch nothing of other ports. Goldens in test/fixtures/nwfilter-render
// are rewritten only with VIRTNET_REGENERATE=1 (review the diff like code).

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { isVirtError } from '../../../src/model/errors.js';
import type { NwfilterBindingDef } from '../../../src/model/nwfilter-binding.js';
import type { NwfilterDef } from '../../../src/model/nwfilter-def.js';
import { instantiate } from '../../../src/model/nwfilter-instantiate.js';
import { parseNwfilterXml } from '../../../src/model/nwfilter-parse.js';
import { type PortFilterInput, portRemoveScript, portScript } from '../../../src/render/nft-nwfilter.js';

const ROOT = join(import.meta.dirname, '../../../..');
const GOLDEN = join(ROOT, 'test/fixtures/nwfilter-render');
const CONFORMANCE = join(ROOT, 'test/fixtures/conformance/libvirt/nwfilterxml2xmlin');

function standard(): Map<string, NwfilterDef> {
  const out = new Map<string, NwfilterDef>();
  const dir = join(ROOT, 'share/nwfilter');
  for (const f of readdirSync(dir)) {
    const d = parseNwfilterXml(readFileSync(join(dir, f), 'utf8'));
    out.set(d.name, d);
  }
  return out;
}

function render(
  filter: string,
  params: Record<string, string[]>,
  extra: NwfilterDef[] = [],
  opts: Partial<PortFilterInput> = {},
) {
  const filters = standard();
  for (const d of extra) filters.set(d.name, d);
  const binding: NwfilterBindingDef = {
    owner: { name: 'g1', uuid: 'd54df46f-1ab5-4a22-8618-4560ef5fac2c' },
    portdev: 'vnet0',
    mac: '52:54:00:7b:35:93',
    filter,
    params: new Map(Object.entries(params)),
  };
  const inst = instantiate(binding, (n) => filters.get(n));
  return portScript({ portdev: 'vnet0', mac: binding.mac, inst, markId: 3, ...opts });
}

function golden(name: string, text: string): void {
  const file = join(GOLDEN, `${name}.nft`);
  if (process.env.VIRTNET_REGENERATE === '1') {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, text);
  }
  assert.ok(existsSync(file), `golden ${file} is missing (VIRTNET_REGENERATE=1 writes it)`);
  assert.equal(text, readFileSync(file, 'utf8'));
}

/** The rules added to one chain, in order. */
function chain(script: string, name: string): string[] {
  const prefix = `add rule bridge virtnet_filter ${name} `;
  const inet = `add rule inet virtnet_filter ${name} `;
  return script
    .split('\n')
    .filter((l) => l.startsWith(prefix) || l.startsWith(inet))
    .map((l) => l.slice(l.startsWith(prefix) ? prefix.length : inet.length));
}

const conformance = (name: string) =>
  parseNwfilterXml(readFileSync(join(CONFORMANCE, `${name}.xml`), 'utf8'));

describe('nftables rendering of nwfilter', () => {
  test("clean-traffic: libvirt's order of root rules and sub-chain jumps, and its sub-chains", () => {
    const { script } = render('clean-traffic', { IP: ['10.88.0.11'] });
    golden('clean-traffic', script);
    // the order libvirt 9.0 gave ebtables for the same binding (clean-traffic.rules.txt)
    assert.deepEqual(chain(script, 'libvirt-I-vnet0'), [
      'jump I-vnet0/mac',
      'ether type ip jump I-vnet0/ipv4-ip',
      'ether type 0x0800 accept',
      'ether type arp jump I-vnet0/arp-mac',
      'ether type arp jump I-vnet0/arp-ip',
      'ether type 0x0806 accept',
      'ether type 0x8035 jump I-vnet0/rarp',
      'ether type 0x0835 accept',
      'drop',
    ]);
    assert.deepEqual(chain(script, 'libvirt-O-vnet0'), [
      'ether type ip jump O-vnet0/ipv4',
      'ether type 0x0806 accept',
      'ether type 0x8035 jump O-vnet0/rarp',
      'drop',
    ]);
    assert.deepEqual(chain(script, 'I-vnet0/ipv4-ip'), [
      'ether type ip ip saddr 0.0.0.0 ip protocol 17 return',
      'ether type ip ip saddr 10.88.0.11 return',
      'drop',
    ]);
    assert.deepEqual(chain(script, 'I-vnet0/mac'), ['ether saddr 52:54:00:7b:35:93 return', 'drop']);
  });

  test("without IP the address is learned in the kernel; meanwhile libvirt's basic rules apply", () => {
    const { script, applied } = render('clean-traffic', {});
    golden('clean-traffic-learning', script);
    assert.equal(applied.ipSet, true);
    const from = chain(script, 'libvirt-I-vnet0');
    assert.match(
      from[0] as string,
      /^iifname != @learned ether saddr 52:54:00:7b:35:93 ether type ip ip saddr != \{ 0\.0\.0\.0, 224\.0\.0\.0\/3 \} add @ip-vnet0 \{ ip saddr \} add @learned \{ iifname \}$/,
    );
    assert.equal(from[1], 'iifname != @learned jump L-vnet0');
    assert.deepEqual(chain(script, 'L-vnet0'), [
      'ether saddr != 52:54:00:7b:35:93 drop',
      'ether type ip accept',
      'ether type arp accept',
      'drop',
    ]);
    assert.deepEqual(chain(script, 'I-vnet0/ipv4-ip').slice(1, 2), [
      'ether type ip ip saddr @ip-vnet0 return',
    ]);
    assert.equal(chain(script, 'libvirt-O-vnet0')[0], 'oifname != @learned accept');
  });

  test('CTRL_IP_LEARNING=dhcp: only DHCP (from the given servers) until the lease is known', () => {
    const { script } = render('clean-traffic', { CTRL_IP_LEARNING: ['dhcp'] }, [], {
      dhcpServers: ['10.88.0.1'],
    });
    golden('clean-traffic-dhcp', script);
    assert.equal(script.includes('add @ip-vnet0'), false);
    assert.deepEqual(chain(script, 'LO-vnet0'), [
      'ether daddr { 52:54:00:7b:35:93, ff:ff:ff:ff:ff:ff } ether type ip ip protocol udp th sport 67 th dport 68 ip saddr { 10.88.0.1 } accept',
      'drop',
    ]);
    const known = render('clean-traffic', { CTRL_IP_LEARNING: ['dhcp'] }, [], {
      learnedIp: '10.88.0.77',
    }).script;
    assert.match(known, /add element bridge virtnet_filter ip-vnet0 \{ 10\.88\.0\.77 \}/);
  });

  test("IP-level rules: libvirt's states per direction, accept only returns from the guest's chain", () => {
    const fw = parseNwfilterXml(`<filter name='fw'>
  <rule action='accept' direction='in' priority='100'><tcp dstportstart='22'/></rule>
  <rule action='accept' direction='out' priority='200'><tcp/></rule>
  <rule action='accept' direction='inout' priority='300'><icmp/></rule>
  <rule action='drop' direction='inout' priority='1000'><all/></rule>
</filter>`);
    const { script, applied } = render('fw', {}, [fw]);
    golden('ip-level', script);
    assert.equal(applied.markId, 3);
    assert.deepEqual(chain(script, 'FI-vnet0'), [
      'meta nfproto ipv4 meta l4proto 6 th sport 22 ct state established ct direction reply return',
      'meta nfproto ipv4 meta l4proto 6 ct state new,established ct direction original return',
      'meta nfproto ipv4 meta l4proto 1 return',
      'meta nfproto ipv4 drop',
    ]);
    assert.deepEqual(chain(script, 'FO-vnet0'), [
      'meta nfproto ipv4 meta l4proto 6 th dport 22 ct state new,established ct direction original accept',
      'meta nfproto ipv4 meta l4proto 6 ct state established ct direction reply accept',
      'meta nfproto ipv4 meta l4proto 1 accept',
      'meta nfproto ipv4 drop',
    ]);
    assert.deepEqual(chain(script, 'libvirt-I-vnet0'), ['meta mark set meta mark & 0xf000ffff | 0x00030000']);
    assert.deepEqual(chain(script, 'E-vnet0'), ['meta mark set meta mark & 0xfffff000 | 0x00000003']);
    assert.match(script, /add element inet virtnet_filter l3_from_guest \{ 0x00030000 : jump FI-vnet0 \}/);
  });

  test('explicit states, statematch=false, connection limits and ICMP types as libvirt places them', () => {
    const { script } = render('testcase', {}, [conformance('example-2')]);
    golden('example-2', script);
    assert.deepEqual(chain(script, 'FO-vnet0').slice(0, 3), [
      'meta nfproto ipv4 ct state established accept',
      'meta nfproto ipv4 meta l4proto 6 th dport 21-22 ct state new accept',
      'meta nfproto ipv4 meta l4proto 1 ct state new accept',
    ]);
    const cl = render('testcase', {}, [conformance('conntrack-test')]).script;
    assert.match(
      cl,
      /add rule inet virtnet_filter FI-vnet0 meta nfproto ipv4 meta l4proto 6 add @cl-vnet0-\d \{ ip saddr ct count over 2 \} drop/,
    );
    // libvirt limits connections only in the guest's outgoing direction
    assert.equal(
      chain(cl, 'FO-vnet0').some((r) => r.includes('ct count')),
      false,
    );
    const icmp = render('testcase', {}, [conformance('icmp-direction-test')]).script;
    assert.deepEqual(chain(icmp, 'FI-vnet0'), [
      'meta nfproto ipv4 meta l4proto 1 icmp type 8 ct state new,established return',
      'meta nfproto ipv4 meta l4proto 1 drop',
    ]);
    assert.deepEqual(chain(icmp, 'FO-vnet0'), [
      'meta nfproto ipv4 meta l4proto 1 icmp type 0 ct state new,established accept',
      'meta nfproto ipv4 meta l4proto 1 drop',
    ]);
    const noState = parseNwfilterXml(`<filter name='ns'>
  <rule action='accept' direction='out' statematch='false'><udp dstportstart='53'/></rule></filter>`);
    const ns = render('ns', {}, [noState]).script;
    assert.deepEqual(chain(ns, 'FI-vnet0'), ['meta nfproto ipv4 meta l4proto 17 th dport 53 return']);
    assert.deepEqual(chain(ns, 'FO-vnet0'), ['meta nfproto ipv4 meta l4proto 17 th sport 53 accept']);
  });

  test('Ethernet-level protocols: inout rules reversed from the guest, masks, STP, VLAN, IPv6, RARP', () => {
    const parts = ['stp-test', 'vlan', 'l2'].map((n) =>
      n === 'stp-test'
        ? conformance('stp-test')
        : parseNwfilterXml(
            n === 'vlan'
              ? `<filter name='vlan'>
  <rule action='continue' direction='inout'><vlan srcmacaddr='1:2:3:4:5:6' dstmacaddr='aa:bb:cc:dd:ee:ff' vlanid='0x123'/></rule>
  <rule action='drop' direction='out'><vlan encap-protocol='arp'/></rule></filter>`
              : `<filter name='l2'>
  <rule action='accept' direction='inout'><mac srcmacaddr='52:54:00:00:00:00' srcmacmask='ff:ff:ff:00:00:00' protocolid='0x1234'/></rule>
  <rule action='reject' direction='out'><ip srcipaddr='10.1.2.3' srcipmask='8' protocol='udp' dstportstart='53' dscp='8'/></rule>
  <rule action='accept' direction='inout'><ipv6 srcipaddr='fd00::1' srcipmask='64' protocol='icmpv6' type='1' typeend='4'/></rule>
  <rule action='drop' direction='in'><arp match='no' arpsrcipaddr='10.0.0.1' arpsrcipmask='24' opcode='Reply'/></rule>
  <rule action='accept' direction='out'><rarp opcode='Request_Reverse' arpsrcipaddr='0.0.0.0'/></rule></filter>`,
          ),
    );
    const top = parseNwfilterXml(
      "<filter name='all-l2'><filterref filter='vlan'/><filterref filter='l2'/><filterref filter='testcase'/></filter>",
    );
    const { script } = render('all-l2', {}, [...parts, top]);
    golden('ethernet-level', script);
    const from = chain(script, 'libvirt-I-vnet0');
    const to = chain(script, 'libvirt-O-vnet0');
    assert.ok(
      from.includes(
        'ether daddr 01:02:03:04:05:06 ether saddr aa:bb:cc:dd:ee:ff ether type 8021q vlan id 291 continue',
      ),
    );
    assert.ok(
      to.includes(
        'ether saddr 01:02:03:04:05:06 ether daddr aa:bb:cc:dd:ee:ff ether type 8021q vlan id 291 continue',
      ),
    );
    assert.ok(from.includes('ether daddr & ff:ff:ff:00:00:00 == 52:54:00:00:00:00 ether type 0x1234 accept'));
    assert.ok(
      from.includes('ether type ip ip saddr 10.0.0.0/8 ip protocol 17 th dport 53 @nh,8,8 8 drop'),
      from.join('\n'),
    );
    assert.ok(from.includes('ether type ip6 ip6 daddr fd00::/64 meta l4proto 58 icmpv6 type 1-4 accept'));
    assert.ok(
      to.includes(
        'ether type arp arp operation != 2 arp hlen 6 arp plen 4 arp ptype 0x0800 arp saddr ip != 10.0.0.0/24 drop',
      ),
    );
    // stp-test has its own chain 'stp-xyz', jumped to for frames to the bridge group address
    assert.ok(to.includes('ether daddr 01:80:c2:00:00:00 jump O-vnet0/stp-xyz'));
    assert.ok(from.includes('ether daddr 01:80:c2:00:00:00 jump I-vnet0/stp-xyz'));
  });

  test("variables: one rule per combination of list values, in libvirt's order", () => {
    const { script } = render('testcase', { A: ['10.0.0.1', '10.0.0.2'], B: ['80', '81'], C: ['1', '2'] }, [
      conformance('iter-test2'),
    ]);
    golden('iter-test2', script);
    const from = chain(script, 'FI-vnet0');
    // $A and $B under the default iterator advance together: two rules for the first <tcp>
    assert.deepEqual(from.slice(0, 2), [
      'meta nfproto ipv4 meta l4proto 6 ip saddr 10.0.0.1 ip dscp 1 th sport 80 ct state new,established ct direction original return',
      'meta nfproto ipv4 meta l4proto 6 ip saddr 10.0.0.2 ip dscp 1 th sport 81 ct state new,established ct direction original return',
    ]);
    // $A[@1] with $B[@2] multiply (2 x 2); $C[@2] runs with $B[@2]: lists of 2 and 3 cannot
    assert.throws(
      () =>
        render('testcase', { A: ['10.0.0.1'], B: ['80', '81'], C: ['1', '2', '3'] }, [
          conformance('iter-test2'),
        ]),
      /Cardinality of list items must be the same/,
    );
  });

  test('a variable whose value does not fit its attribute is refused before it reaches nft', () => {
    assert.throws(
      () => render('clean-traffic', { IP: ['drop'] }),
      (e: unknown) =>
        isVirtError(e) &&
        /variable 'IP' has the value 'drop', which is not valid for attribute 'srcipaddr'/.test(e.message),
    );
    assert.throws(
      () => render('no-mac-spoofing', { MAC: ['1.2.3.4'] }),
      /variable 'MAC' has the value '1.2.3.4'/,
    );
  });

  test("a port's transaction names only its own chains, sets and map keys; removal undoes it", () => {
    const { script, applied } = render('clean-traffic', {});
    for (const line of script.trim().split('\n')) {
      if (/^add table (bridge|inet) virtnet_filter$/.test(line)) continue;
      if (
        /^(add|flush) (map|set|chain) (bridge|inet) virtnet_filter (from_guest|to_guest|egress_mark|learned|from-guest|to-guest|mark-egress|l3_from_guest|l3_to_guest|l3-forward|l3-input)\b/.test(
          line,
        )
      )
        continue;
      if (/^add rule bridge virtnet_filter (from-guest|to-guest|mark-egress) /.test(line)) continue;
      assert.match(line, /vnet0/, line);
    }
    const rm = portRemoveScript('vnet0', applied);
    for (const c of applied.bridgeChains)
      assert.ok(rm.includes(`delete chain bridge virtnet_filter ${c}\n`), c);
    assert.ok(rm.includes('delete set bridge virtnet_filter ip-vnet0'));
    assert.ok(rm.includes('delete element bridge virtnet_filter from_guest { "vnet0" }'));
  });

  test('replacing a port drops the chains its new rules no longer use', () => {
    const first = render('clean-traffic', { IP: ['10.0.0.1'] });
    const filters = standard();
    const binding: NwfilterBindingDef = {
      owner: { name: 'g1', uuid: 'd54df46f-1ab5-4a22-8618-4560ef5fac2c' },
      portdev: 'vnet0',
      mac: '52:54:00:7b:35:93',
      filter: 'no-mac-spoofing',
      params: new Map(),
    };
    const second = portScript(
      { portdev: 'vnet0', mac: binding.mac, inst: instantiate(binding, (n) => filters.get(n)) },
      first.applied,
    );
    assert.match(second.script, /delete chain bridge virtnet_filter I-vnet0\/arp-ip\n/);
    assert.equal(/delete chain bridge virtnet_filter I-vnet0\/mac\n/.test(second.script), false);
  });
});
