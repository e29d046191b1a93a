// virtnet's nftables ruleset: one table, `inet virtnet`. Base chains dispatch through verdict maps keyed by
// interface name to small per-network chains, so the per-packet cost does not grow with the number of networks,
// and adding or removing a network is one transaction touching only its own chains and map elements. Pure text.

import { formatIp, type Subnet } from '../model/addr.js';
import { type NetworkDef, networkMode } from '../model/network-def.js';
import { ipAddress, ipSubnet } from '../model/network-ip.js';
import { type PortForward, readForwards } from '../model/port-forward.js';
import { assertIfName } from '../model/safe-strings.js';
import { needsDnsmasq } from './dnsmasq-conf.js';
import { forwardRemoveStatements, forwardRules } from './nft-forwards.js';
import {
  BASE_MAPS,
  elementKey,
  type MapEntry,
  type NetworkRules,
  type Rule,
  rulesToText,
  type Term,
  type Verdict,
} from './nft-rules.js';

export const TABLE = 'inet virtnet';

/**
 * The table, its maps and base chains. Only used when the table does not exist yet. Connections that a port
 * forward (or the admin's own DNAT) sent somewhere are accepted once, here, rather than by a rule in every
 * network's chain: nft reloads the whole table for each transaction, so every rule per network costs each start.
 * `flags owner`: the table belongs to the nft session that made it; the kernel lets no other process change it
 * and `nft flush ruleset` of others skips it (docs/firewall.md). Every later `table … {}` block must repeat the
 * flag: the kernel refuses to take it away.
 */
export function baseTableScript(): string {
  return `table ${TABLE} {
  flags owner;
${Object.entries(BASE_MAPS)
  .map(([name, type]) => `  map ${name} {\n    type ${type}\n  }\n`)
  .join('')}  chain input {
    type filter hook input priority filter; policy accept;
    iifname "lo" return
    meta l4proto { tcp, udp } th dport { 53, 69 } ip daddr vmap @dns4
    meta l4proto { tcp, udp } th dport { 53, 69 } ip6 daddr vmap @dns6
  }
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    fib daddr type local jump port_forwards
  }
  chain output {
    type nat hook output priority -100; policy accept;
    ip daddr != 127.0.0.0/8 fib daddr type local jump port_forwards
  }
  chain port_forwards {
    ip daddr . meta l4proto . th dport vmap @pf4_addr
    meta nfproto ipv4 meta l4proto . th dport vmap @pf4_any
  }
  chain forward {
    type filter hook forward priority filter; policy accept;
    ct status dnat accept
    oifname vmap @fwd_if
    iifname vmap @fwd_if
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    ip daddr { 224.0.0.0/24, 255.255.255.255 } return
    ct status dnat oifname vmap @nat_out
    iifname vmap @nat_out
  }
}
`;
}

/** The base table's maps and chains with their rule counts, as a probe sees them (must match the script). */
export const BASE_TABLE = {
  maps: Object.keys(BASE_MAPS),
  chains: { prerouting: 1, output: 1, port_forwards: 2, forward: 3, postrouting: 3, input: 3 } as Record<
    string,
    number
  >,
};

/**
 * A network's part of nft chain names, from its bridge (unique among active networks). Letters and digits stay;
 * every other byte becomes '-' and two hex digits ('-' included), so the id never holds '_' and decodes
 * uniquely: distinct bridges get distinct ids, and `br_ID`, `br_ID_nat` and `pf_ID_…` can never be each other
 * (with plain words kept and the rest hex, bridge 'a-c' and bridge '612d63' shared one chain, and so did the
 * NAT chain of bridge 'a' and the filter chain of bridge 'a_nat').
 */
export function bridgeId(bridge: string): string {
  let out = '';
  for (const b of new TextEncoder().encode(bridge)) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9]/.test(c) ? c : `-${b.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** Chain names of a network. */
export function chainNames(bridge: string): { fwd: string; nat: string; dns: string } {
  const id = bridgeId(bridge);
  return { fwd: `br_${id}`, nat: `br_${id}_nat`, dns: `br_${id}_dns` };
}

/** True when the mode gets firewall rules at all (open and bridged networks get none). */
export function hasFirewallRules(def: NetworkDef): boolean {
  const mode = networkMode(def);
  return (mode === 'nat' || mode === 'route' || mode === 'isolated') && !!def.bridge?.name;
}

/**
 * Whether the network's dnsmasq is guarded by our input chain and so runs with `bind-interfaces`. libvirt's
 * `bind-dynamic` makes every dnsmasq read all the host's interfaces and addresses again whenever an address is
 * added anywhere: with N networks, each start costs N such reads (measured: 765 ms per start from 128 to 1000
 * networks, 180 s of dnsmasq system time). `bind-interfaces` binds the network's own addresses once, but it
 * answers a query for them whatever interface it came in on (CVE-2012-3411, the reason libvirt moved to
 * bind-dynamic): the guard chain drops DNS and TFTP to those addresses from any interface but the bridge (and the
 * host's own loopback). Open networks get no rules from us, so they keep bind-dynamic.
 */
export function dnsGuarded(def: NetworkDef): boolean {
  return hasFirewallRules(def) && needsDnsmasq(def);
}

/** The network's addresses its dnsmasq listens on, by family (the guard's map keys). */
function guardedAddrs(def: NetworkDef): Array<{ family: 4 | 6; addr: string }> {
  return def.ips.flatMap((ip) => {
    const a = ipAddress(ip);
    return a ? [{ family: a.family, addr: formatIp(a) }] : [];
  });
}

function guardElements(def: NetworkDef, chain: string): MapEntry[] {
  return guardedAddrs(def).map((a) => ({
    map: a.family === 4 ? 'dns4' : 'dns6',
    key: a.addr,
    concat: true,
    chain,
  }));
}

/** One network's chains, rules and map elements as data (see nft-rules.ts for the two serialisations). */
export function networkRules(def: NetworkDef): NetworkRules {
  const bridge = def.bridge?.name as string;
  assertIfName(bridge, 'bridge name');
  const mode = networkMode(def);
  const c = chainNames(bridge);
  const rules: Rule[] = [];
  const rule = (chain: string, match: Term[], verdict: Verdict) => rules.push({ chain, match, verdict });
  const dev = def.forward?.interfaces[0]?.dev ?? def.forward?.dev;
  if (dev !== undefined) assertIfName(dev, 'forward dev');
  const toDev: Term[] = dev !== undefined ? [{ kind: 'ifname', dir: 'oifname', name: dev }] : [];
  const fromDev: Term[] = dev !== undefined ? [{ kind: 'ifname', dir: 'iifname', name: dev }] : [];
  const addr = (s: Subnet, field: 'saddr' | 'daddr'): Term => ({
    kind: 'addr',
    family: s.family,
    field,
    addr: formatIp({ family: s.family, value: s.network }),
    len: s.prefix,
  });
  // One chain sees both directions (the forward chain jumps to it by oifname, then by iifname), so every rule
  // names the bridge. L3 hairpin between two ports of the same bridge is guest-to-guest: always allowed (FWX).
  const br = (dir: 'iifname' | 'oifname'): Term => ({ kind: 'ifname', dir, name: bridge });
  rule(c.fwd, [br('iifname'), br('oifname')], { kind: 'accept' });
  const subnets = def.ips.map(ipSubnet).filter((s) => s !== undefined);
  const natV6 = def.forward?.nat?.ipv6 === true;
  for (const s of subnets) {
    const inbound: Term[] = [...fromDev, br('oifname'), addr(s, 'daddr')];
    if (mode === 'nat' && (s.family === 4 || natV6)) {
      rule(c.fwd, [...inbound, { kind: 'established' }], { kind: 'accept' });
    } else if (mode === 'route' || mode === 'nat') {
      rule(c.fwd, inbound, { kind: 'accept' });
    } else continue;
    rule(c.fwd, [br('iifname'), ...toDev, addr(s, 'saddr')], { kind: 'accept' });
  }
  rule(c.fwd, [], { kind: 'reject' });
  const chains = [c.fwd];
  const elements: MapEntry[] = [{ map: 'fwd_if', key: bridge, chain: c.fwd }];
  if (mode === 'nat') {
    chains.push(c.nat);
    const nat = def.forward?.nat;
    const ports: [number, number] = [nat?.portStart ?? 1024, nat?.portEnd ?? 65535];
    // hairpin: a guest reaching another guest through a forward's listen address must see the reply come from
    // the host, not straight from the other guest. The base chain also dispatches forwarded (DNAT) connections by
    // output interface, because the input interface is not known on this hook for a packet routed back out the
    // bridge it came in on.
    for (const s of subnets) {
      if (s.family === 4)
        rule(c.nat, [br('oifname'), addr(s, 'saddr'), { kind: 'dnatted' }], { kind: 'masquerade' });
    }
    // multicast and broadcast are never translated: the base postrouting chain returns them before dispatch
    for (const s of subnets) {
      if (s.family === 6 && !natV6) continue;
      rule(c.nat, [addr(s, 'daddr')], { kind: 'return' });
      const start = nat?.addressStart;
      for (const proto of ['tcp', 'udp'] as const) {
        const m: Term[] = [...toDev, { kind: 'l4proto', proto }, addr(s, 'saddr')];
        if (s.family === 4 && start)
          rule(c.nat, m, { kind: 'snat', start, end: nat?.addressEnd ?? start, ports });
        else rule(c.nat, m, { kind: 'masquerade', ports });
      }
      const m: Term[] = [...toDev, addr(s, 'saddr')];
      if (s.family === 4 && start) rule(c.nat, m, { kind: 'snat', start, end: nat?.addressEnd ?? start });
      else rule(c.nat, m, { kind: 'masquerade' });
    }
    elements.push({ map: 'nat_out', key: bridge, chain: c.nat });
    const pf = forwardRules(bridgeId(bridge), readForwards(def));
    chains.push(...pf.chains);
    rules.push(...pf.rules);
    elements.push(...pf.elements);
  }
  if (dnsGuarded(def)) {
    chains.push(c.dns);
    rule(c.dns, [{ kind: 'ifname', dir: 'iifname', name: bridge, not: true }], { kind: 'drop' });
    elements.push(...guardElements(def, c.dns));
  }
  return { chains, rules, elements };
}

/** nft statements that add one network's chains, rules and map elements (one atomic transaction). */
export function networkAddScript(def: NetworkDef): string {
  return rulesToText(networkRules(def));
}

/** Statements removing one network: what networkRules adds, map elements first (a chain cannot go while a map
 * still jumps to it). */
export function networkRemoveStatements(def: NetworkDef): string[] {
  const r = networkRules(def);
  const out = r.elements.map((e) => `delete element ${TABLE} ${e.map} { ${elementKey(e)} }`);
  for (const ch of r.chains) out.push(`flush chain ${TABLE} ${ch}`, `delete chain ${TABLE} ${ch}`);
  return out;
}

/** The one nft transaction that adds and removes forwards of an active network. */
export function forwardChangeScript(bridge: string, add: PortForward[], remove: PortForward[]): string {
  const id = bridgeId(bridge);
  const lines = forwardRemoveStatements(TABLE, id, remove);
  if (add.length) lines.push(rulesToText(forwardRules(id, add)).trimEnd());
  return `${lines.join('\n')}\n`;
}
