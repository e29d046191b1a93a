// The nftables ruleset: one table, dispatch by verdict maps, per-network transactions that touch only their own
// chains and elements.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseNetworkXml } from '../../../src/model/network-parse.js';
import {
  BASE_TABLE,
  baseTableScript,
  chainNames,
  dnsGuarded,
  hasFirewallRules,
  networkAddScript,
  networkRemoveStatements,
} from '../../../src/render/nft-ruleset.js';

const nat = (n: number) =>
  parseNetworkXml(`<network><name>n${n}</name><forward mode='nat'/><bridge name='vbr${n}'/>
  <ip address='10.${n}.0.1' prefix='24'/></network>`);

describe('nft ruleset', () => {
  it('base chains only dispatch through maps: the same rules whatever the networks, as the probe expects them', () => {
    const base = baseTableScript();
    // parse the script into chains and their rules (a chain's first line with `hook` is its type, not a rule)
    const chains = new Map<string, string[]>();
    const maps: string[] = [];
    let chain: string | undefined;
    for (const line of base.split('\n').map((l) => l.trim())) {
      const c = /^chain (\S+) \{$/.exec(line);
      const m = /^map (\S+) \{$/.exec(line);
      if (c) {
        chain = c[1] as string;
        chains.set(chain, []);
      } else if (m) maps.push(m[1] as string);
      else if (line === '}') chain = undefined;
      else if (chain && line && !/^type .* hook /.test(line)) chains.get(chain)?.push(line);
    }
    assert.deepEqual(
      Object.fromEntries([...chains].map(([k, v]) => [k, v.length])),
      BASE_TABLE.chains,
      'BASE_TABLE (what the probe checks) matches the script',
    );
    assert.deepEqual(maps.sort(), [...BASE_TABLE.maps].sort());
    assert.match(base, /^table inet virtnet \{\n {2}flags owner;\n/, 'owned by the session that makes it');
    assert.deepEqual(chains.get('forward'), [
      'ct status dnat accept',
      'oifname vmap @fwd_if',
      'iifname vmap @fwd_if',
    ]);
    // multicast and broadcast skip NAT once, before dispatch
    assert.deepEqual(chains.get('postrouting'), [
      'ip daddr { 224.0.0.0/24, 255.255.255.255 } return',
      'ct status dnat oifname vmap @nat_out',
      'iifname vmap @nat_out',
    ]);
    // nothing in the base table names a network: adding one never changes it
    const withNetworks = networkAddScript(nat(7)) + networkAddScript(nat(8));
    for (const line of withNetworks.split('\n').filter(Boolean))
      assert.doesNotMatch(
        line,
        /chain inet virtnet (forward|postrouting|prerouting|output|port_forwards) /,
        line,
      );
  });

  it("a network's transaction names only its own chains and map keys", () => {
    const s = networkAddScript(nat(7));
    const c = chainNames('vbr7');
    for (const line of s.trim().split('\n')) {
      assert.ok(line.includes(c.fwd) || line.includes(c.nat), line);
      assert.equal(/vbr(?!7)\d/.test(line), false, line);
    }
    assert.match(
      s,
      /^add map inet virtnet nat_out \{ type ifname : verdict; elements = \{ "vbr7" : jump br_vbr7_nat \} \}$/m,
    );
    assert.match(s, /oifname "vbr7" ip daddr 10\.7\.0\.0\/24 ct state established,related accept/);
    assert.match(s, /iifname "vbr7" ip saddr 10\.7\.0\.0\/24 accept/);
    assert.match(s, /iifname "vbr7" oifname "vbr7" accept/);
    assert.match(s, /meta l4proto tcp ip saddr 10\.7\.0\.0\/24 masquerade to :1024-65535/);
    assert.match(s, /ip daddr 10\.7\.0\.0\/24 return/);
  });

  it('removes map elements before the chains they jump to', () => {
    const st = networkRemoveStatements(nat(7));
    const lastElement = Math.max(...st.map((l, i) => (l.startsWith('delete element') ? i : -1)));
    const firstChain = st.findIndex((l) => l.includes('chain'));
    assert.ok(lastElement < firstChain);
    // filter, NAT and (DNS is on by default) the dnsmasq guard; what the add made, nothing else
    assert.deepEqual(
      st.filter((l) => l.startsWith('delete chain')),
      [
        'delete chain inet virtnet br_vbr7',
        'delete chain inet virtnet br_vbr7_nat',
        'delete chain inet virtnet br_vbr7_dns',
      ],
    );
    assert.equal(st.filter((l) => l.startsWith('delete element')).length, 3);
    assert.deepEqual(
      networkRemoveStatements(
        parseNetworkXml(`<network><name>r8</name><forward mode='route'/><bridge name='vbr8'/>
        <dns enable='no'/><ip address='10.8.0.1' prefix='24'/></network>`),
      ),
      [
        'delete element inet virtnet fwd_if { "vbr8" }',
        'flush chain inet virtnet br_vbr8',
        'delete chain inet virtnet br_vbr8',
      ],
    );
  });

  it('a network with dnsmasq behind our rules gets the DNS guard: its addresses jump to a drop for other interfaces', () => {
    const def = parseNetworkXml(`<network><name>g</name><forward mode='nat'/><bridge name='vg1'/>
      <ip address='10.5.0.1' prefix='24'><dhcp><range start='10.5.0.10' end='10.5.0.20'/></dhcp></ip>
      <ip family='ipv6' address='2001:db8:5::1' prefix='64'/></network>`);
    assert.equal(dnsGuarded(def), true);
    const s = networkAddScript(def);
    assert.match(s, /^add chain inet virtnet br_vg1_dns \{ iifname != "vg1" drop; \}$/m);
    assert.match(
      s,
      /^add map inet virtnet dns4 \{ type ipv4_addr : verdict; elements = \{ 10\.5\.0\.1 : jump br_vg1_dns \} \}$/m,
    );
    assert.match(
      s,
      /^add map inet virtnet dns6 \{ type ipv6_addr : verdict; elements = \{ 2001:db8:5::1 : jump br_vg1_dns \} \}$/m,
    );
    const rm = networkRemoveStatements(def);
    assert.ok(rm.includes('delete element inet virtnet dns4 { 10.5.0.1 }'));
    assert.ok(rm.includes('delete element inet virtnet dns6 { 2001:db8:5::1 }'));
    assert.ok(
      rm.indexOf('delete chain inet virtnet br_vg1_dns') >
        rm.indexOf('delete element inet virtnet dns4 { 10.5.0.1 }'),
    );
    // no dnsmasq (no DNS, no DHCP), or no rules of ours (open): no guard, and that dnsmasq keeps bind-dynamic
    const quiet =
      parseNetworkXml(`<network><name>q</name><forward mode='nat'/><bridge name='vq1'/><dns enable='no'/>
      <ip address='10.4.0.1' prefix='24'/></network>`);
    assert.equal(dnsGuarded(quiet), false);
    assert.doesNotMatch(networkAddScript(quiet), /_dns|dns4/);
    const open = parseNetworkXml(`<network><name>o</name><forward mode='open'/><bridge name='vo2'/>
      <ip address='10.3.0.1' prefix='24'/></network>`);
    assert.equal(dnsGuarded(open), false);
  });

  it('route mode forwards both ways without NAT; isolated rejects all; open has no rules', () => {
    const route = networkAddScript(
      parseNetworkXml(`<network><name>r</name><forward mode='route'/><bridge name='vr1'/>
      <ip address='10.9.0.1' prefix='24'/></network>`),
    );
    assert.match(route, /ip daddr 10\.9\.0\.0\/24 accept/);
    assert.match(route, /ip saddr 10\.9\.0\.0\/24 accept/);
    assert.equal(route.includes('masquerade'), false);
    const iso = networkAddScript(
      parseNetworkXml(
        `<network><name>i</name><bridge name='vi1'/><ip address='10.8.0.1' prefix='24'/></network>`,
      ),
    );
    // nothing routed in or out: no rule matches an address; the only accept is guest-to-guest on the bridge
    assert.doesNotMatch(iso, /saddr|daddr/);
    assert.deepEqual(
      iso.split('\n').filter((l) => l.startsWith('add chain')),
      [
        'add chain inet virtnet br_vi1 { iifname "vi1" oifname "vi1" accept; reject; }',
        // (its dnsmasq's guard: DNS to 10.8.0.1 from anywhere but the bridge)
        'add chain inet virtnet br_vi1_dns { iifname != "vi1" drop; }',
      ],
    );
    // a chain's rules travel in its body: an `add rule` makes nft read the whole ruleset first
    assert.doesNotMatch(iso, /^add rule/m);
    const open = parseNetworkXml(`<network><name>o</name><forward mode='open'/><bridge name='vo1'/>
      <ip address='10.6.0.1' prefix='24'/></network>`);
    assert.equal(hasFirewallRules(open), false);
  });
});
