// virtnet's nftables ruleset: one table, `inet virtnet`. Base chains dispatch through verdict maps keyed by
// interface name to small per-network chains, so the per-packet cost does not grow with the number of networks,
// and adding or removing a network is one transaction touching only its own chains and map elements. Pure text.

import { formatSubnet } from '../model/addr.js';
import { type NetworkDef, networkMode } from '../model/network-def.js';
import { ipSubnet } from '../model/network-ip.js';
import { assertIfName } from '../model/safe-strings.js';

export const TABLE = 'inet virtnet';

/** The table, its maps and base chains. Only used when the table does not exist yet. */
export function baseTableScript(): string {
  return `table ${TABLE} {
  map fwd_in {
    type ifname : verdict
  }
  map fwd_out {
    type ifname : verdict
  }
  map nat_out {
    type ifname : verdict
  }
  chain forward {
    type filter hook forward priority filter; policy accept;
    oifname vmap @fwd_in
    iifname vmap @fwd_out
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    iifname vmap @nat_out
  }
}
`;
}

/** Chain names of a network (derived from its bridge, which is unique among active networks). */
export function chainNames(bridge: string): { in: string; out: string; nat: string } {
  const id = /^[A-Za-z0-9_]+$/.test(bridge) ? bridge : Buffer.from(bridge).toString('hex');
  return { in: `br_${id}_in`, out: `br_${id}_out`, nat: `br_${id}_nat` };
}

/** True when the mode gets firewall rules at all (open and bridged networks get none). */
export function hasFirewallRules(def: NetworkDef): boolean {
  const mode = networkMode(def);
  return (mode === 'nat' || mode === 'route' || mode === 'isolated') && !!def.bridge?.name;
}

/** nft statements that add one network's chains, rules and map elements (one atomic transaction). */
export function networkAddScript(def: NetworkDef): string {
  const bridge = def.bridge?.name as string;
  assertIfName(bridge, 'bridge name');
  const mode = networkMode(def);
  const c = chainNames(bridge);
  const q = (s: string) => `"${s}"`;
  const lines: string[] = [];
  const rule = (chain: string, text: string) => lines.push(`add rule ${TABLE} ${chain} ${text}`);
  lines.push(`add chain ${TABLE} ${c.in}`, `add chain ${TABLE} ${c.out}`);
  const dev = def.forward?.interfaces[0]?.dev ?? def.forward?.dev;
  if (dev !== undefined) assertIfName(dev, 'forward dev');
  const toDev = dev !== undefined ? `oifname ${q(dev)} ` : '';
  const fromDev = dev !== undefined ? `iifname ${q(dev)} ` : '';
  // L3 hairpin between two ports of the same bridge is guest-to-guest traffic: always allowed (libvirt's FWX)
  rule(c.in, `iifname ${q(bridge)} accept`);
  const subnets = def.ips.map(ipSubnet).filter((s) => s !== undefined);
  const natV6 = def.forward?.nat?.ipv6 === true;
  for (const s of subnets) {
    const fam = s.family === 4 ? 'ip' : 'ip6';
    const net = formatSubnet(s);
    if (mode === 'nat' && (s.family === 4 || natV6)) {
      rule(c.in, `${fromDev}${fam} daddr ${net} ct state established,related accept`);
      rule(c.out, `${toDev}${fam} saddr ${net} accept`);
    } else if (mode === 'route' || mode === 'nat') {
      rule(c.in, `${fromDev}${fam} daddr ${net} accept`);
      rule(c.out, `${toDev}${fam} saddr ${net} accept`);
    }
  }
  rule(c.in, 'reject');
  rule(c.out, 'reject');
  lines.push(`add element ${TABLE} fwd_in { ${q(bridge)} : jump ${c.in} }`);
  lines.push(`add element ${TABLE} fwd_out { ${q(bridge)} : jump ${c.out} }`);
  if (mode === 'nat') {
    lines.push(`add chain ${TABLE} ${c.nat}`);
    const nat = def.forward?.nat;
    const ports = `${nat?.portStart ?? 1024}-${nat?.portEnd ?? 65535}`;
    for (const s of subnets) {
      if (s.family === 6 && !natV6) continue;
      const fam = s.family === 4 ? 'ip' : 'ip6';
      const net = formatSubnet(s);
      if (s.family === 4) {
        rule(c.nat, 'ip daddr 224.0.0.0/24 return');
        rule(c.nat, 'ip daddr 255.255.255.255 return');
      }
      rule(c.nat, `${fam} daddr ${net} return`);
      if (s.family === 4 && nat?.addressStart) {
        const range =
          nat.addressEnd && nat.addressEnd !== nat.addressStart
            ? `${nat.addressStart}-${nat.addressEnd}`
            : nat.addressStart;
        for (const proto of ['tcp', 'udp'])
          rule(c.nat, `${toDev}meta l4proto ${proto} ip saddr ${net} snat ip to ${range}:${ports}`);
        rule(c.nat, `${toDev}ip saddr ${net} snat ip to ${range}`);
      } else {
        for (const proto of ['tcp', 'udp'])
          rule(c.nat, `${toDev}meta l4proto ${proto} ${fam} saddr ${net} masquerade to :${ports}`);
        rule(c.nat, `${toDev}${fam} saddr ${net} masquerade`);
      }
    }
    lines.push(`add element ${TABLE} nat_out { ${q(bridge)} : jump ${c.nat} }`);
  }
  return `${lines.join('\n')}\n`;
}

/** Statements removing one network (elements first: chains cannot go while a map still jumps to them). */
export function networkRemoveStatements(bridge: string, mode: string): string[] {
  const c = chainNames(bridge);
  const q = `"${bridge}"`;
  const out = [`delete element ${TABLE} fwd_in { ${q} }`, `delete element ${TABLE} fwd_out { ${q} }`];
  if (mode === 'nat') out.push(`delete element ${TABLE} nat_out { ${q} }`);
  for (const ch of mode === 'nat' ? [c.in, c.out, c.nat] : [c.in, c.out]) {
    out.push(`flush chain ${TABLE} ${ch}`, `delete chain ${TABLE} ${ch}`);
  }
  return out;
}
