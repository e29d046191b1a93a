// The desired state of one network, as the planner takes it: the live definition, the guests' ports and where
// the network's files live. Built by the daemon from its registry; pure data.

import type { MacvlanMode } from '../model/direct.js';
import type { BandwidthDef, NetworkDef } from '../model/network-def.js';
import type { DesiredOverlay } from './overlay-desired.js';

/** Where a network's dnsmasq files live (under virtnet's state and run directories). */
export interface DnsmasqFilesPaths {
  conf: string;
  hostsFile: string;
  addnHostsFile: string;
  leaseFile: string;
  pidFile: string;
  /** The host's upstream DNS servers for dnsmasq (in the run directory: they follow resolv.conf). */
  serversFile: string;
}

/**
 * A guest's device on the network: a tap for a VM, the host end of a veth pair for a container; on a direct
 * network a macvtap for a VM, a macvlan (eth0 in its namespace) for a container.
 */
export interface PortDevice {
  uuid: string;
  /** The guest (port owner) name, for titles and messages. */
  owner: string;
  kind: 'tap' | 'veth' | 'macvtap' | 'macvlan';
  name: string;
  mac: string;
  uid?: number;
  /** veth: the container's network namespace path. */
  netns?: string;
  bandwidth?: BandwidthDef;
  isolated?: boolean;
  /** The tap was made by the hypervisor: attached and released, never created or deleted. */
  adopted?: boolean;
  /** macvtap/macvlan: the pool device it sits on, and the kernel's mode. */
  link?: string;
  mode?: MacvlanMode;
  /** passthru: the pool device's own MAC before the guest's took its place (put back when the port goes). */
  lowerMac?: string;
  /** macvtap: the character device made for it when /dev/tapN is not its own (removed with the port). */
  tapNode?: string;
  /** A port with an inbound floor: its class on the network's bridge (1:ID), as libvirt numbers them. */
  classId?: number;
}

export interface DesiredNetwork {
  /** The live definition (defaults applied, port reservations included). */
  def: NetworkDef;
  ports: PortDevice[];
  /** `upstream`: the host nameservers (from resolv.conf) for networks without their own forwarders. */
  dnsmasq: { binary: string; paths: DnsmasqFilesPaths; upstream: string[] };
  /** A network that spans hosts: its VXLAN device and this host FRR (src/plan/overlay-desired.ts). */
  overlay?: DesiredOverlay;
}
