// What FRR says about an overlay, asked through `vtysh -N PATHSPACE -c 'show … json'` (one vtysh per command: the
// JSON documents of several -c arguments run together). The parsers are pure and take FRR 8.4's shapes.

import type { OverlayPeer, OverlayRemote, OverlayState } from '../model/overlay-state.js';
import { exec } from './exec.js';

type Json = Record<string, unknown>;

const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** `show bgp l2vpn evpn summary json`: each configured peer with its session state. */
export function parsePeers(j: Json, configured: string[]): OverlayPeer[] {
  const peers = obj(j.peers);
  return configured.map((address) => {
    const p = obj(peers[address]);
    const state = str(p.state) ?? 'down';
    const out: OverlayPeer = { address, state };
    const up = str(p.peerUptime);
    if (state === 'Established' && up) out.uptime = up;
    if (typeof p.pfxRcd === 'number') out.prefixes = p.pfxRcd;
    return out;
  });
}

/** `show evpn vni json`: the remote VTEPs of one VNI (its flood list). */
export function parseRemoteVteps(j: Json, vni: number): string[] {
  const v = obj(j[String(vni)]);
  const list = Array.isArray(v.remoteVteps) ? v.remoteVteps : [];
  return list
    .flatMap((x) => (typeof x === 'string' ? [x] : str(obj(x).ip) ? [str(obj(x).ip) as string] : []))
    .sort();
}

/** `show evpn mac vni N json` and `show evpn arp-cache vni N json`: remote MACs with their addresses. */
export function parseRemotes(macs: Json, arp: Json): OverlayRemote[] {
  const ips = new Map<string, string[]>();
  for (const [ip, v] of Object.entries(arp)) {
    const e = obj(v);
    const mac = str(e.mac);
    if (e.type !== 'remote' || !mac) continue;
    ips.set(mac, [...(ips.get(mac) ?? []), ip]);
  }
  const out: OverlayRemote[] = [];
  for (const [mac, v] of Object.entries(obj(macs.macs))) {
    const e = obj(v);
    const vtep = str(e.remoteVtep);
    if (e.type !== 'remote' || !vtep) continue;
    const addrs = ips.get(mac) ?? [];
    if (!addrs.length) out.push({ mac, vtep });
    for (const ip of addrs) out.push({ mac, vtep, ip });
  }
  return out.sort((a, b) => (a.vtep + a.mac < b.vtep + b.mac ? -1 : 1));
}

async function vtysh(vtyshBin: string, pathspace: string, command: string): Promise<Json> {
  const r = await exec({ argv: [vtyshBin, '-N', pathspace, '-c', command] });
  if (r.code !== 0) throw new Error(r.stderr.trim() || `vtysh exited with status ${r.code}`);
  const text = r.stdout.trim();
  // a VNI FRR does not know (yet) prints nothing
  if (text === '') return {};
  try {
    return obj(JSON.parse(text));
  } catch {
    throw new Error(`vtysh printed no JSON for '${command}': ${text.slice(0, 200)}`);
  }
}

/** Asks FRR for the state of one VNI; a bgpd or zebra that does not answer shows as an error, peers as down. */
export async function frrState(
  opts: { vtysh: string; pathspace: string; address: string; peers: string[]; asn: number },
  vni: number,
): Promise<OverlayState> {
  const state: OverlayState = {
    vni,
    localVtep: opts.address,
    asn: opts.asn,
    peers: opts.peers.map((address) => ({ address, state: 'down' })),
    remoteVteps: [],
    remotes: [],
  };
  const ask = (c: string) => vtysh(opts.vtysh, opts.pathspace, c);
  const [summary, vnis, macs, arp] = await Promise.allSettled([
    ask('show bgp l2vpn evpn summary json'),
    ask('show evpn vni json'),
    ask(`show evpn mac vni ${vni} json`),
    ask(`show evpn arp-cache vni ${vni} json`),
  ]);
  const errors: string[] = [];
  if (summary.status === 'fulfilled') state.peers = parsePeers(summary.value, opts.peers);
  else errors.push(`bgpd: ${(summary.reason as Error).message}`);
  if (vnis.status === 'fulfilled') state.remoteVteps = parseRemoteVteps(vnis.value, vni);
  else errors.push(`zebra: ${(vnis.reason as Error).message}`);
  if (macs.status === 'fulfilled' && arp.status === 'fulfilled')
    state.remotes = parseRemotes(macs.value, arp.value);
  if (errors.length) state.error = errors.join('; ');
  return state;
}
