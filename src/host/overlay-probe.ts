// The probe's overlay part: VXLAN devices as `ip -d -j link` shows them (VNI, local address, port, learning,
// their bridge-port flags) and the overlay filter table (`nft list table bridge virtnet`: chains and rule counts,
// its set's elements from JSON). Reads only what the scope names.

import type { ObservedOverlay, ObservedVxlan, OverlayScope } from '../plan/overlay-observed.js';
import { OVERLAY_SET, OVERLAY_TABLE } from '../render/nft-overlay.js';
import { exec } from './exec.js';

const SAFE_IFNAME = /^[A-Za-z0-9_.@+-]{1,15}$/;

interface IpLinkJson {
  ifname: string;
  flags?: string[];
  mtu?: number;
  master?: string;
  linkinfo?: {
    info_kind?: string;
    info_data?: { id?: number; local?: string; port?: number; learning?: boolean };
    info_slave_kind?: string;
    info_slave_data?: { learning?: boolean; neigh_suppress?: boolean };
  };
}

/** One device of `ip -d -j link show` as a VXLAN device, or undefined when it is none. */
export function vxlanOf(dev: IpLinkJson): ObservedVxlan | undefined {
  const li = dev.linkinfo;
  if (li?.info_kind !== 'vxlan' || li.info_data?.id === undefined) return undefined;
  const v: ObservedVxlan = {
    name: dev.ifname,
    vni: li.info_data.id,
    learning: li.info_data.learning !== false,
    up: dev.flags?.includes('UP') === true,
  };
  if (li.info_data.local) v.local = li.info_data.local;
  if (li.info_data.port !== undefined) v.port = li.info_data.port;
  if (dev.mtu !== undefined) v.mtu = dev.mtu;
  if (dev.master) v.master = dev.master;
  if (li.info_slave_kind === 'bridge' && li.info_slave_data) {
    v.portLearning = li.info_slave_data.learning !== false;
    v.neighSuppress = li.info_slave_data.neigh_suppress === true;
  }
  return v;
}

/** Chains of `nft list table` text with their rule counts (statements between `chain X {` and its `}`). */
export function chainRuleCounts(text: string): Map<string, number> {
  const chains = new Map<string, number>();
  let chain: string | undefined;
  for (const line of text.split('\n')) {
    const start = /^\tchain (\S+) \{$/.exec(line);
    if (start) {
      chain = start[1] as string;
      chains.set(chain, 0);
    } else if (line === '\t}') chain = undefined;
    else if (chain && /^\t\t\S/.test(line) && !/^\t\ttype \S+ hook /.test(line))
      chains.set(chain, (chains.get(chain) ?? 0) + 1);
  }
  return chains;
}

async function observeFilter(): Promise<ObservedOverlay['filter']> {
  const t = await exec({ argv: ['nft', 'list', 'table', ...OVERLAY_TABLE.split(' ')] });
  if (t.code !== 0) return { table: false, ports: new Set() };
  const chains = chainRuleCounts(t.stdout);
  const ports = new Set<string>();
  const s = await exec({ argv: ['nft', '-j', 'list', 'set', ...OVERLAY_TABLE.split(' '), OVERLAY_SET] });
  if (s.code === 0) {
    for (const o of (JSON.parse(s.stdout) as { nftables: Array<{ set?: { elem?: unknown[] } }> }).nftables)
      for (const e of o.set?.elem ?? []) if (typeof e === 'string') ports.add(e);
  }
  return { table: true, chains, ports };
}

export async function observeOverlay(scope: OverlayScope): Promise<ObservedOverlay> {
  const out: ObservedOverlay = {};
  const names = [...new Set(scope.vxlans)].filter((n) => SAFE_IFNAME.test(n));
  if (names.length) out.vxlans = new Map();
  const lists = await Promise.all(
    names.map((n) => exec({ argv: ['ip', '-d', '-j', 'link', 'show', 'dev', n] })),
  );
  for (const r of lists) {
    if (r.code !== 0) continue;
    for (const dev of JSON.parse(r.stdout) as IpLinkJson[]) {
      const v = vxlanOf(dev);
      if (v) out.vxlans?.set(v.name, v);
    }
  }
  if (scope.filter) out.filter = await observeFilter();
  return out;
}
