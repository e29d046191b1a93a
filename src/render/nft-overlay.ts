// The bridge-family table that keeps each member's DHCP and router advertisements on its own side of the
// overlay: every member runs the network's dnsmasq with the same (anycast) gateway address, and each must answer
// only its own guests. One set of VXLAN ports, so the cost per packet does not grow with the number of networks.
// Owned by virtnet's nft session like `inet virtnet` (see nft-ruleset.ts). Pure text.

import { assertIfName } from '../model/safe-strings.js';

export const OVERLAY_TABLE = 'bridge virtnet';
export const OVERLAY_SET = 'overlay_ports';

/** Chains with their rule counts, as a probe sees them (must match the script). */
export const OVERLAY_TABLE_CHAINS: Record<string, number> = { input: 1, forward: 2, output: 1, guard: 3 };

/**
 * DHCPv4 (67/68) and DHCPv6 (546/547) and router solicitations/advertisements, in either direction through a
 * VXLAN port: what reaches the bridge from a remote member (input, forward) and what would leave toward one
 * (forward, output).
 */
export function overlayTableScript(): string {
  return `table ${OVERLAY_TABLE} {
  flags owner;
  set ${OVERLAY_SET} {
    type ifname
  }
  chain input {
    type filter hook input priority filter; policy accept;
    iifname @${OVERLAY_SET} jump guard
  }
  chain forward {
    type filter hook forward priority filter; policy accept;
    iifname @${OVERLAY_SET} jump guard
    oifname @${OVERLAY_SET} jump guard
  }
  chain output {
    type filter hook output priority filter; policy accept;
    oifname @${OVERLAY_SET} jump guard
  }
  chain guard {
    udp dport { 67, 68 } drop
    udp dport { 546, 547 } drop
    icmpv6 type { nd-router-solicit, nd-router-advert } drop
  }
}
`;
}

export function overlayPortAdd(port: string): string {
  assertIfName(port, 'VXLAN device name');
  return `add element ${OVERLAY_TABLE} ${OVERLAY_SET} { "${port}" }\n`;
}

export function overlayPortRemove(port: string): string {
  assertIfName(port, 'VXLAN device name');
  return `delete element ${OVERLAY_TABLE} ${OVERLAY_SET} { "${port}" }\n`;
}
