// virNWFilterRuleDefFixup: after a rule is read, masks and range ends take the negation of the value they belong
// to, and ipset attributes are completed or dropped, with libvirt 9.0's quirks. Pure.

import { DT, ITEM_EXISTS, ITEM_NEG, type RuleDef, type RuleItem } from './nwfilter-def.js';

/** virNWFilterRuleDefFixup: masks and range ends take the negation of the value they belong to. */
export function fixupRule(rule: RuleDef): void {
  const copyNeg = (to: string, from: string) => {
    const f = rule.items.get(from)?.flags ?? 0;
    const t = rule.items.get(to) ?? { flags: 0, datatype: 0 };
    t.flags = (t.flags & ~ITEM_NEG) | (f & ITEM_NEG);
    if (t.flags || rule.items.has(to)) rule.items.set(to, t);
  };
  const ipAddrs = () => {
    copyNeg('srcipmask', 'srcipaddr');
    copyNeg('dstipmask', 'dstipaddr');
  };
  const ipRanges = () => {
    copyNeg('srcipto', 'srcipfrom');
    copyNeg('dstipto', 'dstipfrom');
  };
  // libvirt copies the negation of srcportstart to dstportstart and dstportend too
  const ports = () => {
    copyNeg('srcportend', 'srcportstart');
    copyNeg('dstportstart', 'srcportstart');
    copyNeg('dstportend', 'srcportstart');
  };
  const p = rule.protocol;
  if (p === 'mac' || p === 'vlan') {
    copyNeg('srcmacmask', 'srcmacaddr');
    copyNeg('dstmacmask', 'dstmacaddr');
  } else if (p === 'stp') {
    copyNeg('srcmacmask', 'srcmacaddr');
    for (const [hi, lo] of [
      ['root-priority-hi', 'root-priority'],
      ['root-address-mask', 'root-address'],
      ['root-cost-hi', 'root-cost'],
      ['sender-priority-hi', 'sender-priority'],
      ['sender-address-mask', 'sender-address'],
      ['port-hi', 'port'],
      ['age-hi', 'age'],
      ['max-age-hi', 'max-age'],
      ['hello-time-hi', 'hello-time'],
      ['forward-delay-hi', 'forward-delay'],
    ] as const)
      copyNeg(hi, lo);
  } else if (p === 'ip') {
    ipAddrs();
    fixupIpset(rule);
  } else if (p === 'ipv6') {
    ipAddrs();
    copyNeg('typeend', 'type');
    copyNeg('code', 'type');
    copyNeg('codeend', 'type');
    fixupIpset(rule);
  } else if (['tcp', 'tcp-ipv6', 'udp', 'udp-ipv6', 'sctp', 'sctp-ipv6'].includes(p)) {
    ipAddrs();
    ipRanges();
    ports();
    fixupIpset(rule);
  } else if (['udplite', 'udplite-ipv6', 'esp', 'esp-ipv6', 'ah', 'ah-ipv6', 'igmp'].includes(p)) {
    ipAddrs();
    ipRanges();
    fixupIpset(rule);
  } else if (p === 'icmp' || p === 'icmpv6') {
    ipAddrs();
    ipRanges();
    copyNeg('code', 'type');
    fixupIpset(rule);
  } else if (p === 'all' || p === 'all-ipv6') {
    // libvirt does not fix up ipset on 'all'
    ipAddrs();
    ipRanges();
  }
}

/**
 * virNWFilterRuleDefFixupIPSet: an ipset without flags gets 'src'; otherwise libvirt clears both attributes
 * (also when both were given: a quirk of 9.0 kept here).
 */
function fixupIpset(rule: RuleDef): void {
  const set = rule.items.get('ipset');
  const flags = rule.items.get('ipsetflags');
  const has = (i?: RuleItem) => !!i && (i.flags & ITEM_EXISTS) !== 0;
  if (has(set) && !has(flags)) {
    rule.items.set('ipsetflags', {
      flags: ITEM_EXISTS,
      datatype: DT.IPSETFLAGS,
      value: { n: 1, bits: 1 },
    });
  } else {
    if (set) set.flags = 0;
    if (flags) flags.flags = 0;
  }
}
