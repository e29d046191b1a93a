// The contract between the reconciler and a host's overlay side (src/host/overlay-host.ts for Linux, a fake one in
// memory): the fabric configuration, where FRR's files and sockets live, the underlay, the bindings learned from
// EVPN, and the live state FRR reports. Types only.

import type { Disposable } from '../base/lifecycle.js';

import type { OverlayConfig } from '../model/overlay-config.js';
import type { OverlayBinding } from '../model/overlay-dhcp.js';
import type { OverlayState, UnderlayFacts } from '../model/overlay-state.js';

/** Where this host's zebra and bgpd live: their binaries, FRR's pathspace (-N) and our files. */
export interface FrrLayout {
  zebra: string;
  bgpd: string;
  vtysh: string;
  /** `-N NAME`: FRR keeps pid files and sockets in /var/run/frr/NAME; derived from virtnetd's run directory. */
  pathspace: string;
  /** FRR's directory of that pathspace (pid files, vty sockets). */
  stateDir: string;
  /** Our directory of FRR's configuration and logs (under virtnetd's run directory). */
  confDir: string;
}

/** A neighbour entry EVPN installed on a bridge: a guest on another member (and the VTEP its MAC is behind). */
export interface RemoteNeighbour {
  ip: string;
  mac: string;
  vtep?: string;
}

export interface OverlayHostSide {
  config: OverlayConfig;
  frr: FrrLayout;
  /** Whether zebra, bgpd and vtysh are installed. */
  frrInstalled(): boolean;
  /** The device that holds the overlay address and its MTU; undefined when the address is gone. */
  underlay(): { device: string; mtu: number } | undefined;
  /** Bindings of a network learned from EVPN so far (kept across restarts). */
  bindings(network: string): OverlayBinding[];
  /** Merges what the bridge's neighbour table shows now; true when the bindings changed. */
  learn(network: string, seen: RemoteNeighbour[], now: number): boolean;
  /** Forgets a network's bindings (undefine). */
  forget(network: string): void;
  /** Records the host name a remote guest's member told; true when it changed. */
  setName(network: string, ip: string, name: string | undefined): boolean;
  /** Remote neighbours EVPN installed on a bridge (`extern_learn` entries), with the VTEP of their MAC. */
  remoteNeighbours(bridge: string, vxlan: string): Promise<RemoteNeighbour[]>;
  /** Answers other members' name queries for this host's guests while the disposable lives. */
  serveNames(lookup: (ip: string) => Promise<string | undefined>, log: (msg: string) => void): Disposable;
  /** Asks the member at `vtep` for the host name of its guest `ip`. */
  queryName(vtep: string, ip: string): Promise<string | undefined>;
  /** Peers, sessions, remote VTEPs and MACs of a VNI, asked from FRR. */
  state(vni: number): Promise<OverlayState>;
  /** What `virtnet doctor` judges about the underlay; absent on a host that is not probed (memory). */
  probeUnderlay?(): Promise<UnderlayFacts>;
}
