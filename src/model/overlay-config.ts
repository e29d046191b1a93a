// The host's part of an overlay fabric, as virtnetd's flags give it: the local VTEP address, the peers, the BGP
// AS number. Checked once at daemon start (bad values stop virtnetd with a clear message). Pure.

import { formatIp, parseIPv4, parseIPv6 } from './addr.js';
import { VirtError } from './errors.js';

/** A private 2-byte AS number: what an iBGP fabric of virtnet hosts uses unless told otherwise. */
export const DEFAULT_OVERLAY_ASN = 65000;
/** iBGP is a full mesh: every peer is a session (and a process's worth of state) on every member. */
export const MAX_OVERLAY_PEERS = 64;

export interface OverlayConfig {
  /** This host's VTEP: the source of its VXLAN packets and its BGP router-id. */
  address: string;
  /** The other members' VTEP addresses (sorted, unique). */
  peers: string[];
  asn: number;
}

const invalid = (msg: string) => new VirtError('INVALID_ARG', msg);

function ipv4(text: string, what: string): string {
  const a = parseIPv4(text.trim());
  if (!a) {
    if (parseIPv6(text.trim()))
      throw invalid(`${what} '${text}' is IPv6: virtnet's overlays run over an IPv4 underlay for now`);
    throw invalid(`${what} must be an IPv4 address, not '${text.slice(0, 64)}'`);
  }
  const first = Number(a.value >> 24n);
  if (a.value === 0n || first === 127 || first >= 224)
    throw invalid(`${what} '${text}' cannot be a VTEP (unspecified, loopback, multicast or reserved)`);
  return formatIp(a);
}

const byAddress = (a: string, b: string) => Number((parseIPv4(a)?.value ?? 0n) - (parseIPv4(b)?.value ?? 0n));

/**
 * The overlay flags, validated: `--overlay-address` must be one of `hostAddresses`, the peers must not name this
 * host (any of its addresses), and the AS number must be a valid one (1-4294967295).
 */
export function parseOverlayConfig(
  input: { address?: string; peers?: string; asn?: string },
  hostAddresses: readonly string[],
): OverlayConfig | undefined {
  if (input.address === undefined) {
    if (input.peers !== undefined || input.asn !== undefined)
      throw invalid('--overlay-peers and --overlay-asn need --overlay-address (this host’s VTEP address)');
    return undefined;
  }
  const address = ipv4(input.address, '--overlay-address');
  const mine = new Set(hostAddresses.map((a) => parseIPv4(a)).flatMap((a) => (a ? [formatIp(a)] : [])));
  if (!mine.has(address))
    throw invalid(
      `--overlay-address ${address} is not an address of this host (${[...mine].filter((a) => !a.startsWith('127.')).join(', ') || 'none but loopback'}): give the address of the interface that faces the other members`,
    );
  const text = input.peers ?? '';
  if (text.length > 4096) throw invalid('--overlay-peers is longer than 4096 characters');
  const peers = [
    ...new Set(
      text
        .split(',')
        .filter((p) => p.trim() !== '')
        .map((p) => ipv4(p, 'overlay peer')),
    ),
  ];
  if (peers.length === 0) throw invalid('--overlay-peers needs at least one peer address (ADDR,ADDR,…)');
  if (peers.length > MAX_OVERLAY_PEERS)
    throw invalid(`--overlay-peers lists ${peers.length} peers; at most ${MAX_OVERLAY_PEERS} are supported`);
  const self = peers.find((p) => mine.has(p));
  if (self)
    throw invalid(`--overlay-peers lists ${self}, an address of this host: list only the other members`);
  let asn = DEFAULT_OVERLAY_ASN;
  if (input.asn !== undefined) {
    asn = /^\d{1,10}$/.test(input.asn) ? Number(input.asn) : Number.NaN;
    if (!(asn >= 1 && asn <= 4294967295))
      throw invalid(`--overlay-asn must be an AS number 1-4294967295, not '${input.asn.slice(0, 20)}'`);
  }
  return { address, peers: peers.sort(byAddress), asn };
}

/** Every member's VTEP, this host included, in address order: the same list on every member. */
export function overlayMembers(c: OverlayConfig): string[] {
  return [c.address, ...c.peers].sort(byAddress);
}
