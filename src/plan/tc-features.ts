// The traffic-control parts of a kernel that bandwidth plans choose between (src/host/tc-features.ts reads them).

/** Traffic-control parts of the kernel that the plans choose between. */
export interface TcFeatures {
  htb: boolean;
  ingress: boolean;
  sfq: boolean;
  fqCodel: boolean;
  u32: boolean;
  bpf: boolean;
  police: boolean;
  mirred: boolean;
  ifb: boolean;
}

/** What libvirt assumes (and virtnet when the kernel says nothing). */
export const ALL_TC_FEATURES: TcFeatures = {
  htb: true,
  ingress: true,
  sfq: true,
  fqCodel: true,
  u32: true,
  bpf: true,
  police: true,
  mirred: true,
  ifb: true,
};
