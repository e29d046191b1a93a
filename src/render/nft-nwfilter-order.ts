// The order libvirt gives a binding's rules (ebiptablesApplyNewRules): rules of 'root' filters first, then by
// priority, stable; sub-chains (one per chain name and direction) are jumped to from the root chain at their
// chain priority, before root rules of the same priority. Pure.

import type { RuleInstance } from '../model/nwfilter-instantiate.js';
import { isL3Rule } from './nft-nwfilter-l3.js';

/** One entry of a direction's root chain: a rule of a 'root' filter, or the jump to a sub-chain. */
export type RootEntry = { rule: RuleInstance } | { subchain: string };

export interface L2Layout {
  /** Root chain entries for frames from the guest (rules with direction out/inout) and to it (in/inout). */
  root: { from: RootEntry[]; to: RootEntry[] };
  /** Sub-chain name → its rules, per direction. */
  sub: { from: Map<string, RuleInstance[]>; to: Map<string, RuleInstance[]> };
}

/** virNWFilterRuleInstSort: root-chain rules before all others, then priority; ties keep instantiation order. */
export function sortRules(rules: readonly RuleInstance[]): RuleInstance[] {
  return [...rules].sort((a, b) => {
    const ra = a.chain === 'root';
    const rb = b.chain === 'root';
    if (ra !== rb) return ra ? -1 : 1;
    return a.rule.priority - b.rule.priority || a.seq - b.seq;
  });
}

/** The Ethernet-level half of a binding, laid out in libvirt's order. */
export function layoutL2(rules: readonly RuleInstance[]): L2Layout {
  const sorted = sortRules(rules).filter((r) => !isL3Rule(r.rule));
  // libvirt raises a sub-chain rule's priority to its chain's priority (for interleaving only)
  const effective = (r: RuleInstance) =>
    r.chain !== 'root' && r.chainPriority > r.rule.priority ? r.chainPriority : r.rule.priority;
  const fromSet = new Map<string, number>();
  const toSet = new Map<string, number>();
  for (const r of sorted) {
    if (r.chain === 'root') continue;
    if (r.rule.direction !== 'in') fromSet.set(r.chain, r.chainPriority);
    if (r.rule.direction !== 'out') toSet.set(r.chain, r.chainPriority);
  }
  const subchains = [
    ...[...fromSet].map(([name, prio]) => ({ name, prio, from: true })),
    ...[...toSet].map(([name, prio]) => ({ name, prio, from: false })),
  ]
    .filter((s) => protoPrefix(s.name) !== undefined)
    .sort((a, b) => a.prio - b.prio || Number(b.from) - Number(a.from) || (a.name < b.name ? -1 : 1));
  const layout: L2Layout = { root: { from: [], to: [] }, sub: { from: new Map(), to: new Map() } };
  for (const s of subchains) (s.from ? layout.sub.from : layout.sub.to).set(s.name, []);
  let j = 0;
  const openSub = (s: (typeof subchains)[number]) => {
    (s.from ? layout.root.from : layout.root.to).push({ subchain: s.name });
  };
  for (const r of sorted) {
    while (j < subchains.length && (subchains[j] as (typeof subchains)[number]).prio <= effective(r))
      openSub(subchains[j++] as (typeof subchains)[number]);
    const place = (from: boolean) => {
      if (r.chain === 'root') (from ? layout.root.from : layout.root.to).push({ rule: r });
      else (from ? layout.sub.from : layout.sub.to).get(r.chain)?.push(r);
    };
    if (r.rule.direction !== 'in') place(true);
    if (r.rule.direction !== 'out') place(false);
  }
  while (j < subchains.length) openSub(subchains[j++] as (typeof subchains)[number]);
  return layout;
}

/** The IP-level rules of a binding in libvirt's order (they all share the from-guest and to-guest chains). */
export function orderL3(rules: readonly RuleInstance[]): RuleInstance[] {
  return sortRules(rules).filter((r) => isL3Rule(r.rule));
}

/** ebtablesGetProtoIdxByFiltername: the protocol a sub-chain is for, from its name's prefix. */
export function protoPrefix(chain: string): string | undefined {
  for (const p of ['ipv4', 'ipv6', 'arp', 'rarp', 'mac', 'vlan', 'stp']) if (chain.startsWith(p)) return p;
  return undefined;
}
