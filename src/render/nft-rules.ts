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

const ruleText = (rule: Rule) =>
  [...rule.match.map(termText), ...(rule.counter ? ['counter'] : []), verdictText(rule.verdict)].join(' ');

/**
 * nft text statements (one transaction when fed to `nft -f -`). A chain's rules come in its `add chain` body:
 * before an `add rule` nft 1.0.6 reads every chain and rule of the ruleset (15-30 ms with a thousand networks),
 * before an `add chain` with a body it reads nothing (on an existing chain the body is appended, as `add rule`).
 */
export function rulesToText(r: NetworkRules): string {
  const t = `${FAMILY} ${TABLE_NAME}`;
  const bodies = new Map<string, string[]>();
  for (const rule of r.rules) {
    const body = bodies.get(rule.chain) ?? [];
    body.push(ruleText(rule));
    bodies.set(rule.chain, body);
  }
  const lines = r.chains.map((c) => {
    const body = bodies.get(c);
    bodies.delete(c);
    return body ? `add chain ${t} ${c} { ${body.join('; ')}; }` : `add chain ${t} ${c}`;
  });
  for (const [c, body] of bodies) for (const b of body) lines.push(`add rule ${t} ${c} ${b}`);
  lines.push(...elementLines(t, r.elements));
  return `${lines.join('\n')}\n`;
}

/**
 * The base table's verdict maps and their types: rendered into the table (nft-ruleset.ts) and repeated when
 * elements are added. An `add element` makes nft 1.0.6 read every chain of the ruleset first (3000 with a
 * thousand networks: 10 ms of each start), an `add map` of an existing map with the same type and its elements
 * in the body reads no chain and adds the elements just the same.
 */
export const BASE_MAPS: Readonly<Record<string, string>> = {
  fwd_if: 'ifname : verdict',
  nat_out: 'ifname : verdict',
  pf4_addr: 'ipv4_addr . inet_proto . inet_service : verdict',
  pf4_any: 'inet_proto . inet_service : verdict',
  dns4: 'ipv4_addr : verdict',
  dns6: 'ipv6_addr : verdict',
};

/** One statement per map (in the order maps first appear), each with the elements that go into it. */
function elementLines(table: string, elements: MapEntry[]): string[] {
  const byMap = new Map<string, string[]>();
  for (const e of elements) {
    const list = byMap.get(e.map) ?? [];
    list.push(`${elementKey(e)} : jump ${e.chain}`);
    byMap.set(e.map, list);
  }
  return [...byMap].map(([map, list]) => {
    const type = BASE_MAPS[map];
    return type
      ? `add map ${table} ${map} { type ${type}; elements = { ${list.join(', ')} } }`
      : `add element ${table} ${map} { ${list.join(', ')} }`;
  });
}

export function elementKey(e: MapEntry): string {
  return e.concat ? e.key : `"${e.key}"`;
}
