// The list page's view of every network in one pass (GET /v1/networks?detail=1): state, mode and uplink, subnets,
// DHCP use, guests, forwards, what is wrong and the last repair — all from memory (definitions, ports, the lease
// book, the health records), so a thousand networks cost no host probe and no subprocess.

import type { NetworkState, NetworkSummary } from '../api/summary-types.js';
import type { PortInfo } from '../api/types.js';
import { formatSubnet, parseIp, rangeSize } from '../model/addr.js';
import type { NetworkDef } from '../model/network-def.js';
import { ipSubnet } from '../model/network-ip.js';
import { readForwards } from '../model/port-forward.js';
import type { LeaseBook } from './lease-book.js';
import type { NetworkHealth } from './network-health.js';
import { type NetworkObj, toInfo } from './registry.js';

export interface SummaryContext {
  ports: PortInfo[];
  uplink: string | undefined;
  degraded: (network: string) => string | undefined;
  leases: LeaseBook;
  health: NetworkHealth;
}

interface DefFacts {
  subnets: string[];
  pool: number | undefined;
  forwards: number;
}

/** Facts of a definition object, computed once: definitions are replaced, never changed in place. */
const factsCache = new WeakMap<NetworkDef, DefFacts>();

function factsOf(def: NetworkDef): DefFacts {
  const hit = factsCache.get(def);
  if (hit) return hit;
  const subnets: string[] = [];
  let pool: number | undefined;
  for (const ip of def.ips) {
    const s = ipSubnet(ip);
    if (s) subnets.push(formatSubnet(s));
    for (const r of ip.dhcp?.ranges ?? []) {
      const a = parseIp(r.start);
      const b = parseIp(r.end);
      if (a && b && a.family === b.family && b.value >= a.value)
        pool = (pool ?? 0) + Number(rangeSize(a, b) > 1n << 52n ? 1n << 52n : rangeSize(a, b));
    }
  }
  let forwards = 0;
  try {
    forwards = readForwards(def).length;
  } catch {
    // a definition stored before a forward rule existed: counted as none, the Forwards tab says why
  }
  const facts = { subnets, pool, forwards };
  factsCache.set(def, facts);
  return facts;
}

export function summarize(objs: NetworkObj[], ctx: SummaryContext): NetworkSummary[] {
  const owners = new Map<string, Map<string, string>>();
  const portCount = new Map<string, number>();
  for (const p of ctx.ports) {
    portCount.set(p.network, (portCount.get(p.network) ?? 0) + 1);
    let set = owners.get(p.network);
    if (!set) {
      set = new Map();
      owners.set(p.network, set);
    }
    set.set(p.owner.uuid || p.owner.name, p.owner.name);
  }
  const now = Date.now() / 1000;
  return objs.map((obj) => {
    const def = obj.liveDef ?? obj.def;
    const name = def.name;
    const degraded = obj.liveDef ? ctx.degraded(name) : undefined;
    const info = toInfo(obj, ctx.uplink, degraded);
    const facts = factsOf(def);
    const problems: string[] = [];
    if (obj.liveDef) {
      problems.push(...(ctx.health.driftOf(name)?.problems ?? []));
      const dnsmasq = degraded ? `dnsmasq keeps failing: ${degraded}` : undefined;
      // a check reports the failing dnsmasq too: listed once
      if (dnsmasq && !problems.includes(dnsmasq)) problems.push(dnsmasq);
    }
    const state: NetworkState = !obj.liveDef ? 'inactive' : problems.length ? 'degraded' : 'active';
    const s: NetworkSummary = {
      ...info,
      state,
      subnets: facts.subnets,
      guests: owners.get(name)?.size ?? 0,
      guestNames: [...new Set(owners.get(name)?.values() ?? [])].sort(),
      ports: portCount.get(name) ?? 0,
      forwards: facts.forwards,
    };
    if (facts.pool !== undefined)
      s.dhcp = { leased: obj.liveDef ? ctx.leases.count(name, now) : 0, pool: facts.pool };
    if (problems.length) s.problems = problems;
    const repair = obj.liveDef ? ctx.health.lastRepair(name) : undefined;
    if (repair) s.lastRepair = repair;
    return s;
  });
}
