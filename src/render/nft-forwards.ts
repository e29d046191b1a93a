// Port forwards in nftables. The base table's nat prerouting and output chains look the destination of packets to a
// local address up in two verdict maps — (listen address . protocol . port) and (protocol . port) for forwards on
// every address — that jump to one small chain per forward, which counts and DNATs. One lookup per packet whatever
// the number of forwards; adding or removing a forward touches only its chain and its map elements.

import { type ForwardKey, forwardSpan, type PortForward, protosOf } from '../model/port-forward.js';
import type { MapEntry, NetworkRules, Rule } from './nft-rules.js';

export const FORWARD_MAP_ADDR = 'pf4_addr';
export const FORWARD_MAP_ANY = 'pf4_any';

/** Chain of one forward: pf_ID_PROTO_ADDR_PORT, unique per network (its bridgeId has no "_"), listen address, protocol and first port. */
export function forwardChain(bridgeId: string, f: ForwardKey): string {
  const addr = f.listenAddress ? f.listenAddress.replace(/\./g, '_') : 'any';
  return `pf_${bridgeId}_${f.proto}_${addr}_${f.listenPort}`;
}

/** Map elements of one forward: one per protocol and listen port. */
function forwardElements(chain: string, f: PortForward): MapEntry[] {
  const out: MapEntry[] = [];
  const span = forwardSpan(f);
  for (const proto of protosOf(f.proto)) {
    for (let i = 0; i < span; i++) {
      const port = f.listenPort + i;
      out.push(
        f.listenAddress
          ? { map: FORWARD_MAP_ADDR, key: `${f.listenAddress} . ${proto} . ${port}`, concat: true, chain }
          : { map: FORWARD_MAP_ANY, key: `${proto} . ${port}`, concat: true, chain },
      );
    }
  }
  return out;
}

/** Chains, rules and elements of a network's forwards (added with the network or on their own). */
export function forwardRules(bridgeId: string, forwards: PortForward[]): NetworkRules {
  const r: NetworkRules = { chains: [], rules: [], elements: [] };
  for (const f of forwards) {
    const chain = forwardChain(bridgeId, f);
    const span = forwardSpan(f);
    const shift = f.targetPort - f.listenPort;
    const verdict: Rule['verdict'] =
      span === 1
        ? { kind: 'dnat', addr: f.targetAddress, port: f.targetPort }
        : shift === 0
          ? { kind: 'dnat', addr: f.targetAddress }
          : {
              kind: 'dnat',
              addr: f.targetAddress,
              portMap: Array.from({ length: span }, (_, i): [number, number] => [
                f.listenPort + i,
                f.targetPort + i,
              ]),
            };
    r.chains.push(chain);
    r.rules.push({ chain, match: [{ kind: 'l4protos', protos: protosOf(f.proto) }], counter: true, verdict });
    r.elements.push(...forwardElements(chain, f));
  }
  return r;
}

/** Statements removing forwards (elements before chains: a chain cannot go while a map jumps to it). */
export function forwardRemoveStatements(table: string, bridgeId: string, forwards: PortForward[]): string[] {
  const out: string[] = [];
  for (const f of forwards) {
    const chain = forwardChain(bridgeId, f);
    for (const e of forwardElements(chain, f)) out.push(`delete element ${table} ${e.map} { ${e.key} }`);
    out.push(`flush chain ${table} ${chain}`, `delete chain ${table} ${chain}`);
  }
  return out;
}
