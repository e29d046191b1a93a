// The desired state of one network, as the planner takes it: the live definition, the guests' ports and where
// the network's files live. Built by the daemon from its registry; pure data.

import type { BandwidthDef, NetworkDef } from '../model/network-def.js';

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

/** A guest's device on the network: a tap for a VM, the host end of a veth pair for a container. */
export interface PortDevice {
  uuid: string;
  /** The guest (port owner) name, for titles and messages. */
  owner: string;
  kind: 'tap' | 'veth';
  name: string;
  mac: string;
  uid?: number;
  /** veth: the container's network namespace path. */
  netns?: string;
  bandwidth?: BandwidthDef;
  isolated?: boolean;
  /** The tap was made by the hypervisor: attached and released, never created or deleted. */
  adopted?: boolean;
}

export interface DesiredNetwork {
  /** The live definition (defaults applied, port reservations included). */
  def: NetworkDef;
  ports: PortDevice[];
  /** `upstream`: the host's nameservers (from resolv.conf) for networks without their own forwarders. */
  dnsmasq: { binary: string; paths: DnsmasqFilesPaths; upstream: string[] };
}
