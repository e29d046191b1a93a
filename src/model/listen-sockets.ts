// Sockets the host listens on, and which of them a port forward would shadow: a forward's DNAT catches the
// connections to that port before a local service sees them. Pure: the host reads /proc (src/host/listen-probe.ts).

import { type ForwardProto, type PortForward, protosOf } from './port-forward.js';

export interface ListenSocket {
  proto: 'tcp' | 'udp';
  /** The bound address as text ("0.0.0.0" and "::" for every address). */
  address: string;
  port: number;
}

const WILDCARD = new Set(['0.0.0.0', '::']);

/** Loopback listeners are out of reach of a forward (it catches packets arriving from outside). */
function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1';
}

/**
 * The host's listeners that a forward on these ports would take the connections of: same protocol, a port in
 * the range, and an address the forward listens on (any address when the forward listens on all of them).
 */
export function shadowedListeners(
  f: Pick<PortForward, 'listenAddress' | 'listenPort' | 'listenPortEnd'> & { proto: ForwardProto },
  sockets: ListenSocket[],
): ListenSocket[] {
  const protos = protosOf(f.proto);
  const end = f.listenPortEnd ?? f.listenPort;
  const seen = new Set<string>();
  const out: ListenSocket[] = [];
  for (const s of sockets) {
    if (!protos.includes(s.proto) || s.port < f.listenPort || s.port > end || isLoopback(s.address)) continue;
    if (f.listenAddress && !WILDCARD.has(s.address) && s.address !== f.listenAddress) continue;
    const key = `${s.proto} ${s.address} ${s.port}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(s);
  }
  return out.sort((a, b) => a.port - b.port || a.proto.localeCompare(b.proto));
}

/** "tcp 0.0.0.0:22" */
export function listenSocketLabel(s: ListenSocket): string {
  return `${s.proto} ${s.address.includes(':') ? `[${s.address}]` : s.address}:${s.port}`;
}
