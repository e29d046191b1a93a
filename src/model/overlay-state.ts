// What is known about an overlay at run time: EVPN's view of a VNI (peers and sessions, remote VTEPs and guests),
// as FRR reports it, and the facts `virtnet doctor` judges about the underlay. Types only: the host side fills
// them, the daemon, the API and the CLI carry them.

/** A BGP peer of the fabric, for `virtnet net-overlay-info`. */
export interface OverlayPeer {
  address: string;
  /** BGP session state: 'Established', 'Active', 'Connect', 'Idle', … ('down' when bgpd does not answer). */
  state: string;
  /** Seconds in the state (established) when known. */
  uptime?: string;
  /** EVPN prefixes received from it. */
  prefixes?: number;
}

export interface OverlayRemote {
  mac: string;
  vtep: string;
  ip?: string;
}

export interface OverlayState {
  vni: number;
  localVtep: string;
  asn: number;
  peers: OverlayPeer[];
  /** VTEPs that announced this VNI (the flood list). */
  remoteVteps: string[];
  /** MACs (and their IPs, when announced) learned from other members. */
  remotes: OverlayRemote[];
  /** Why FRR could not be asked, when it could not. */
  error?: string;
}

export interface UnderlayFacts {
  address: string;
  /** Undefined when the address is on no interface any more. */
  device?: string;
  mtu?: number;
  frrInstalled: boolean;
  /** 'open': BGP answers; 'refused': the host answers but nothing listens on 179; 'unreachable': no answer. */
  peers: Array<{ address: string; bgp: 'open' | 'refused' | 'unreachable' }>;
  /** Base chains of other tables with policy drop on the input or output hook, as `family table chain hook`. */
  dropChains: string[];
  /** Whether any rule of the ruleset names port 4789 (an admin's accept, or a drop). */
  mentions4789: boolean;
  /** A UDP socket on 4789 not made by the kernel's VXLAN driver (it would take the port). */
  portTakenBy?: string;
}
