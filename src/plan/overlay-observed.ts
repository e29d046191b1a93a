// What a probe sees of the overlays on a host: VXLAN devices with the attributes that matter, and the bridge-family
// table that keeps DHCP and router advertisements off the overlay. Types only.

export interface ObservedVxlan {
  name: string;
  vni: number;
  local?: string;
  port?: number;
  /** The VXLAN driver's own learning (must be off: EVPN fills the FDB). */
  learning: boolean;
  up: boolean;
  mtu?: number;
  master?: string;
  /** Bridge-port flags, when it is on a bridge. */
  portLearning?: boolean;
  neighSuppress?: boolean;
}

export interface ObservedOverlayFilter {
  table: boolean;
  /** Chains with their rule counts (undefined when the table is absent). */
  chains?: Map<string, number>;
  ports: Set<string>;
}

export interface ObservedOverlay {
  /** The devices the scope named that exist and are VXLAN devices; undefined when it named none (heal loop). */
  vxlans?: Map<string, ObservedVxlan>;
  /** Undefined when the probe did not look at the table. */
  filter?: ObservedOverlayFilter;
}

export interface OverlayScope {
  vxlans: string[];
  filter: boolean;
}
