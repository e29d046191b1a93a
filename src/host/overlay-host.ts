// The Linux host's overlay side: FRR's layout (a pathspace derived from virtnetd's run directory, so two virtnetds
// on one machine, as in the tests, never share sockets), the underlay device of the overlay address, the learned
// bindings, the remote neighbours zebra installed, and FRR's view of a VNI.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { OverlayConfig } from '../model/overlay-config.js';
import type { FrrLayout, OverlayHostSide, RemoteNeighbour } from '../plan/overlay-host.js';
import { exec } from './exec.js';
import { frrState } from './frr-status.js';
import { BindingStore } from './overlay-bindings.js';
import { probeUnderlay } from './overlay-doctor-probe.js';
import { OVERLAY_NAME_PORT, queryName, serveNames } from './overlay-names.js';

/** Debian's frr: daemons in /usr/lib/frr, vtysh in /usr/bin, run state under /var/run/frr (its localstatedir). */
export const FRR_DEFAULTS = { libDir: '/usr/lib/frr', vtysh: '/usr/bin/vtysh', runDir: '/var/run/frr' };

/** `virtnet-` and 8 hex digits of the run directory's hash: stable across restarts, distinct per virtnetd. */
export function frrPathspace(runDir: string): string {
  return `virtnet-${createHash('sha256').update(runDir).digest('hex').slice(0, 8)}`;
}

export function frrLayout(runDir: string, frr = FRR_DEFAULTS): FrrLayout {
  const pathspace = frrPathspace(runDir);
  return {
    zebra: join(frr.libDir, 'zebra'),
    bgpd: join(frr.libDir, 'bgpd'),
    vtysh: frr.vtysh,
    pathspace,
    stateDir: join(frr.runDir, pathspace),
    confDir: join(runDir, 'frr'),
  };
}

/**
 * Every IPv4 address of the host's interfaces, by device, also of interfaces without carrier (node's
 * networkInterfaces() leaves those out: an underlay whose cable is out for a moment is still the underlay).
 */
export function hostIPv4Addresses(): Array<{ device: string; address: string }> {
  try {
    const out = execFileSync('ip', ['-4', '-j', 'addr', 'show'], { encoding: 'utf8', timeout: 5000 });
    return (JSON.parse(out) as Array<{ ifname: string; addr_info?: Array<{ local: string }> }>).flatMap((d) =>
      (d.addr_info ?? []).map((a) => ({ device: d.ifname, address: a.local })),
    );
  } catch {
    return Object.entries(networkInterfaces()).flatMap(([device, addrs]) =>
      (addrs ?? []).filter((a) => a.family === 'IPv4').map((a) => ({ device, address: a.address })),
    );
  }
}

/** The interface that holds `address`, with its MTU. */
export function underlayOf(address: string): { device: string; mtu: number } | undefined {
  const running = Object.entries(networkInterfaces()).find(([, addrs]) =>
    addrs?.some((a) => a.address === address),
  );
  const device = running?.[0] ?? hostIPv4Addresses().find((a) => a.address === address)?.device;
  if (device !== undefined) {
    let mtu = Number.NaN;
    try {
      mtu = Number(readFileSync(`/sys/class/net/${device}/mtu`, 'utf8').trim());
    } catch {
      // gone meanwhile
    }
    return Number.isInteger(mtu) && mtu > 0 ? { device, mtu } : undefined;
  }
  return undefined;
}

const SAFE_IFNAME = /^[A-Za-z0-9_.@+-]{1,15}$/;

/**
 * IPv4 neighbours of a bridge that zebra installed from EVPN (`extern_learn`): guests on other members, with the
 * VTEP their MAC is behind in the VXLAN device's FDB.
 */
export async function remoteNeighbours(bridge: string, vxlan: string): Promise<RemoteNeighbour[]> {
  if (!SAFE_IFNAME.test(bridge) || !SAFE_IFNAME.test(vxlan)) return [];
  const [n, f] = await Promise.all([
    exec({ argv: ['ip', '-4', '-j', 'neigh', 'show', 'dev', bridge] }),
    exec({ argv: ['bridge', '-j', 'fdb', 'show', 'dev', vxlan] }),
  ]);
  if (n.code !== 0 || !n.stdout.trim()) return [];
  const vteps = new Map<string, string>();
  if (f.code === 0 && f.stdout.trim())
    for (const e of JSON.parse(f.stdout) as Array<Record<string, unknown>>)
      if (typeof e.mac === 'string' && typeof e.dst === 'string') vteps.set(e.mac.toLowerCase(), e.dst);
  const out: RemoteNeighbour[] = [];
  for (const e of JSON.parse(n.stdout) as Array<Record<string, unknown>>) {
    if (!('extern_learn' in e) || typeof e.dst !== 'string' || typeof e.lladdr !== 'string') continue;
    const mac = e.lladdr.toLowerCase();
    const vtep = vteps.get(mac);
    out.push({ ip: e.dst, mac, ...(vtep ? { vtep } : {}) });
  }
  return out;
}

export function createOverlayHost(
  config: OverlayConfig,
  opts: { runDir: string; stateDir: string; frr?: typeof FRR_DEFAULTS },
): OverlayHostSide {
  const layout = frrLayout(opts.runDir, opts.frr);
  const store = new BindingStore(join(opts.stateDir, 'overlay'));
  const side: OverlayHostSide = {
    config,
    frr: layout,
    frrInstalled: () => [layout.zebra, layout.bgpd, layout.vtysh].every((f) => existsSync(f)),
    underlay: () => underlayOf(config.address),
    bindings: (network) => store.get(network),
    learn: (network, seen, now) => store.learn(network, seen, now),
    forget: (network) => store.forget(network),
    setName: (network, ip, name) => store.setName(network, ip, name),
    remoteNeighbours,
    serveNames: (lookup, log) => serveNames(config.address, OVERLAY_NAME_PORT, lookup, log),
    queryName: (vtep, ip) => queryName(vtep, OVERLAY_NAME_PORT, ip, config.address),
    state: (vni) =>
      frrState(
        {
          vtysh: layout.vtysh,
          pathspace: layout.pathspace,
          address: config.address,
          peers: config.peers,
          asn: config.asn,
        },
        vni,
      ),
    probeUnderlay: () => probeUnderlay(side),
  };
  return side;
}
