// One network's firewall as data (chains of match terms and a verdict) and its nft text form. Keeping rules as
// data lets tests and drift checks reason about them without parsing nft syntax.

export type Term =
  | { kind: 'ifname'; dir: 'iifname' | 'oifname'; name: string; not?: true }
  | { kind: 'addr'; family: 4 | 6; field: 'saddr' | 'daddr'; addr: string; len: number }
  | { kind: 'established' }
  /** The connection was destination-NATed (by a port forward). */
  | { kind: 'dnatted' }
  | { kind: 'l4proto'; proto: 'tcp' | 'udp' }
  | { kind: 'l4protos'; protos: Array<'tcp' | 'udp'> };

export type Verdict =
  | { kind: 'accept' | 'reject' | 'return' | 'drop' }
  | { kind: 'masquerade'; ports?: [number, number] }
  | { kind: 'snat'; start: string; end: string; ports?: [number, number] }
  /** DNAT to addr, keeping the port, to one port, or port by port through a map (listen → target). */
  | { kind: 'dnat'; addr: string; port?: number; portMap?: Array<[number, number]> };

export interface Rule {
  chain: string;
  match: Term[];
  /** Count what reaches the verdict (port forward hits). */
  counter?: boolean;
  verdict: Verdict;
}

export interface MapEntry {
  map: string;
  /** An interface name (quoted when rendered), or with `concat` a key already in nft syntax. */
  key: string;
  concat?: boolean;
  chain: string;
}

export interface NetworkRules {
  chains: string[];
  rules: Rule[];
  elements: MapEntry[];
}

const FAMILY = 'inet';
const TABLE_NAME = 'virtnet';

function termText(t: Term): string {
  switch (t.kind) {
    case 'ifname':
      return `${t.dir} ${t.not ? '!= ' : ''}"${t.name}"`;
    case 'addr': {
      const full = t.family === 4 ? 32 : 128;
      return `${t.family === 4 ? 'ip' : 'ip6'} ${t.field} ${t.addr}${t.len === full ? '' : `/${t.len}`}`;
    }
    case 'established':
      return 'ct state established,related';
    case 'dnatted':
      return 'ct status dnat';
    case 'l4proto':
      return `meta l4proto ${t.proto}`;
    case 'l4protos':
      return `meta l4proto { ${t.protos.join(', ')} }`;
  }
}

function verdictText(v: Verdict): string {
  switch (v.kind) {
    case 'masquerade':
      return v.ports ? `masquerade to :${v.ports[0]}-${v.ports[1]}` : 'masquerade';
    case 'snat': {
      const range = v.start === v.end ? v.start : `${v.start}-${v.end}`;
      return `snat ip to ${range}${v.ports ? `:${v.ports[0]}-${v.ports[1]}` : ''}`;
    }
    case 'dnat': {
      if (v.portMap)
        return `dnat ip to ${v.addr} : th dport map { ${v.portMap.map(([a, b]) => `${a} : ${b}`).join(', ')} }`;
      return `dnat ip to ${v.addr}${v.port ? `:${v.port}` : ''}`;
    }
    default:
      return v.kind;
  }
}

/** nft text statements (one transaction when fed to `nft -f -`). */
export function rulesToText(r: NetworkRules): string {
  const t = `${FAMILY} ${TABLE_NAME}`;
  const lines = r.chains.map((c) => `add chain ${t} ${c}`);
  for (const rule of r.rules) {
    lines.push(
      `add rule ${t} ${rule.chain} ${[...rule.match.map(termText), ...(rule.counter ? ['counter'] : []), verdictText(rule.verdict)].join(' ')}`,
    );
  }
  for (const e of r.elements) lines.push(`add element ${t} ${e.map} { ${elementKey(e)} : jump ${e.chain} }`);
  return `${lines.join('\n')}\n`;
}

export function elementKey(e: MapEntry): string {
  return e.concat ? e.key : `"${e.key}"`;
}
