// Types of the list page's one request (GET /v1/networks?detail=1), a network's kept activity and the host's
// listening sockets, shared by the daemon and the web UI. Pure.

import type { NetworkEvent, NetworkInfo, RepairedDetail } from './types.js';

/** active, inactive, or active with something the daemon knows is wrong (see NetworkSummary.problems). */
export type NetworkState = 'active' | 'inactive' | 'degraded';

/** Everything the list shows about one network, from what the daemon keeps in memory (nothing probed). */
export interface NetworkSummary extends NetworkInfo {
  state: NetworkState;
  /** Subnets of the running definition (else the saved one), as CIDRs: "192.168.122.0/24". */
  subnets: string[];
  /** Networks with DHCP ranges: unexpired leases the daemon has seen (active only) and addresses in the ranges. */
  dhcp?: { leased: number; pool: number };
  /** Distinct owners of the network's ports, and the ports (a persistent network keeps them while stopped). */
  guests: number;
  /** The guests' names, sorted (what Stop and Delete would cut off). */
  guestNames: string[];
  ports: number;
  /** Port forwards of the running definition (else the saved one). */
  forwards: number;
  /** What is wrong now, in check's words: drift the heal loop could not repair or a check found, dnsmasq failing. */
  problems?: string[];
  /** The last repair of the running network, by whoever made it. */
  lastRepair?: { time: string; trigger: RepairedDetail['trigger']; problems: string[] };
}

export interface NetworkSummaryList {
  networks: NetworkSummary[];
}

/** The events the daemon kept for one network, oldest first (bounded: older ones are dropped). */
export interface NetworkHistory {
  network: string;
  events: NetworkEvent[];
  /** Older events were dropped to stay within the bound. */
  truncated: boolean;
}

/** A socket of the host that accepts connections (TCP LISTEN) or datagrams (bound UDP). */
export interface HostSocket {
  proto: 'tcp' | 'udp';
  /** The local address ('0.0.0.0' or '::': every address). */
  address: string;
  port: number;
}

export interface HostListening {
  /** false: this runtime has no host to look at (memory runtime): the list is empty, not "nothing listens". */
  probed: boolean;
  sockets: HostSocket[];
}
