// `virtnet doctor` for networks that span hosts: FRR installed, the underlay's MTU against each overlay network,
// every peer reachable (its BGP port answers), UDP 4789 not dropped by a firewall. Pure: the facts come from
// src/host/overlay-doctor-probe.ts.

import { VXLAN_OVERHEAD_V4, VXLAN_PORT } from '../model/network-overlay.js';
import type { UnderlayFacts } from '../model/overlay-state.js';
import type { Finding } from './checks.js';

export type { UnderlayFacts };

export interface OverlayNetworkFacts {
  name: string;
  vni: number;
  /** The XML's <mtu>, if any. */
  mtu?: number;
}

/** Findings for the overlay: `facts` undefined when virtnetd runs without --overlay-address. */
export function diagnoseOverlay(facts: UnderlayFacts | undefined, nets: OverlayNetworkFacts[]): Finding[] {
  if (!facts) {
    if (!nets.length) return [];
    return [
      {
        id: 'overlay-unconfigured',
        severity: 'error',
        message: `network(s) ${nets.map((n) => `'${n.name}'`).join(', ')} span hosts, but virtnetd runs without --overlay-address: they cannot start here`,
        fix: 'start virtnetd with --overlay-address ADDR --overlay-peers ADDR,… (docs/overlay.md)',
      },
    ];
  }
  const out: Finding[] = [];
  if (!facts.frrInstalled)
    out.push({
      id: 'frr-missing',
      severity: 'error',
      message: "FRR's zebra, bgpd or vtysh is missing: overlay networks cannot start",
      fix: 'apt-get install frr (virtnetd runs its own zebra and bgpd; the frr service stays off)',
    });
  if (!facts.device || facts.mtu === undefined) {
    out.push({
      id: 'overlay-address-gone',
      severity: 'error',
      message: `the overlay address ${facts.address} is on no interface of this host`,
      fix: 'give the interface its address back, or restart virtnetd with the right --overlay-address',
    });
  } else {
    const room = facts.mtu - VXLAN_OVERHEAD_V4;
    for (const n of nets) {
      if (n.mtu !== undefined && n.mtu > room)
        out.push({
          id: 'overlay-mtu',
          severity: 'error',
          message: `network '${n.name}' has MTU ${n.mtu}, but the underlay ${facts.device} (MTU ${facts.mtu}) carries at most ${room} inside VXLAN`,
          fix: `lower <mtu size> of '${n.name}' to ${room}, or raise ${facts.device}'s MTU to ${n.mtu + VXLAN_OVERHEAD_V4}`,
        });
    }
    if (room < 1500)
      out.push({
        id: 'overlay-mtu-small',
        severity: 'info',
        message: `the underlay ${facts.device} has MTU ${facts.mtu}: overlay guests get MTU ${Math.min(1500, room)} (DHCP option 26, RAs, their ports)`,
        fix: `an underlay MTU of ${1500 + VXLAN_OVERHEAD_V4} or more gives guests the usual 1500`,
      });
  }
  for (const p of facts.peers) {
    if (p.bgp === 'unreachable')
      out.push({
        id: 'overlay-peer-unreachable',
        severity: 'warning',
        message: `overlay peer ${p.address} does not answer on TCP 179 (BGP): it is down, unreachable, or filtered`,
        fix: `check the route to ${p.address} (ip route get ${p.address}) and firewalls between the hosts; a peer that comes up joins by itself`,
      });
    else if (p.bgp === 'refused')
      out.push({
        id: 'overlay-peer-no-bgp',
        severity: 'warning',
        message: `overlay peer ${p.address} is reachable but nothing listens for BGP there`,
        fix: `start an overlay network on ${p.address} (its virtnetd runs bgpd while one is active), with --overlay-peers naming ${facts.address}`,
      });
  }
  if (facts.portTakenBy)
    out.push({
      id: 'overlay-port-taken',
      severity: 'error',
      message: `UDP port ${VXLAN_PORT} is taken by ${facts.portTakenBy}: VXLAN devices cannot receive`,
      fix: `stop what listens on UDP ${VXLAN_PORT}`,
    });
  if (facts.dropChains.length && !facts.mentions4789)
    out.push({
      id: 'overlay-port-blocked',
      severity: 'warning',
      message: `base chain(s) ${facts.dropChains.join(', ')} drop by default and no rule names UDP ${VXLAN_PORT}: VXLAN between the hosts is probably blocked`,
      fix: `allow UDP ${VXLAN_PORT} and TCP 179 from the peers (e.g. nft add rule inet filter input udp dport ${VXLAN_PORT} accept)`,
    });
  return out;
}
