// Observing an active network on the host and listing how it differs from what start made (check()).

import { readFileSync } from 'node:fs';
import type { DriftProblem } from '../daemon/runtime.js';
import type { NetworkDef } from '../model/network-def.js';
import { ipSubnet } from '../model/network-ip.js';
import { forwardLabel, readForwards } from '../model/port-forward.js';
import { forwardChain } from '../render/nft-forwards.js';
import { bridgeId, chainNames, TABLE } from '../render/nft-ruleset.js';
import { exec, run } from './exec.js';

/** virtnet's table as observed: chain names and, per verdict map, interface → target chain. */
export interface ObservedFirewall {
  chains: Set<string>;
  maps: Map<string, Map<string, string>>;
}

type NftObject = Record<string, Record<string, unknown>>;

/** Reads `table inet virtnet` with one `nft -j`; undefined when the table does not exist. */
export async function observeFirewall(): Promise<ObservedFirewall | undefined> {
  const r = await exec({ argv: ['nft', '-j', 'list', 'table', ...TABLE.split(' ')] });
  if (r.code !== 0) return undefined;
  const objs = (JSON.parse(r.stdout) as { nftables: NftObject[] }).nftables;
  const fw: ObservedFirewall = { chains: new Set(), maps: new Map() };
  for (const o of objs) {
    if (o.chain) fw.chains.add(o.chain.name as string);
    if (o.map) {
      const m = new Map<string, string>();
      for (const e of (o.map.elem as Array<[string, { jump?: { target: string } }]> | undefined) ?? []) {
        m.set(e[0], e[1]?.jump?.target ?? '');
      }
      fw.maps.set(o.map.name as string, m);
    }
  }
  return fw;
}

/**
 * Base chains of other tables on the forward hook with policy drop (Docker's iptables-nft `ip filter FORWARD`).
 * An accept in our table does not override a drop in another base chain on the same hook, so forwarded guest
 * traffic dies there; virtnet never edits other tables, it reports this instead.
 */
export async function foreignForwardDrops(): Promise<string[]> {
  const r = await exec({ argv: ['nft', '-j', 'list', 'chains'] });
  if (r.code !== 0) return [];
  const objs = (JSON.parse(r.stdout) as { nftables: NftObject[] }).nftables;
  const out: string[] = [];
  for (const o of objs) {
    const c = o.chain;
    if (c?.hook !== 'forward' || c.policy !== 'drop') continue;
    if (`${c.family} ${c.table}` === TABLE) continue;
    out.push(`${c.family} ${c.table} ${c.name}`);
  }
  return out;
}

async function hasChain(table: string, chain: string): Promise<boolean> {
  return (await exec({ argv: ['nft', 'list', 'chain', ...table.split(' '), chain] })).code === 0;
}

/** What check() needs to know about a started network. */
export interface CheckTarget {
  bridge: string;
  mode: string;
  firewall: boolean;
  /** Set when the network has a dnsmasq: whether it is running. */
  dnsmasqRunning?: boolean;
}

/** Lists the differences between the host and the started network. */
export async function findDrift(def: NetworkDef, t: CheckTarget): Promise<DriftProblem[]> {
  const problems: DriftProblem[] = [];
  const { bridge } = t;
  let flags: number | undefined;
  try {
    flags = Number(readFileSync(`/sys/class/net/${bridge}/flags`, 'utf8'));
  } catch {
    problems.push({ what: `bridge ${bridge} is missing`, expected: 'present', actual: 'absent' });
  }
  if (flags !== undefined) {
    if ((flags & 1) === 0)
      problems.push({ what: `bridge ${bridge} is down`, expected: 'up', actual: 'down' });
    const addrs = JSON.parse(await run({ argv: ['ip', '-j', 'addr', 'show', 'dev', bridge] })) as Array<{
      addr_info?: Array<{ local: string; prefixlen: number }>;
    }>;
    const have = new Set((addrs[0]?.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`));
    for (const ip of def.ips) {
      const s = ipSubnet(ip);
      const want = s && `${ip.address}/${s.prefix}`;
      if (want && !have.has(want)) {
        problems.push({
          what: `address ${want} missing on ${bridge}`,
          expected: want,
          actual: [...have].join(' '),
        });
      }
    }
  }
  if (t.firewall) {
    const fw = await observeFirewall();
    if (!fw) {
      problems.push({ what: `nft ${TABLE} table is missing`, expected: 'present', actual: 'absent' });
    } else {
      const c = chainNames(bridge);
      const wanted: Array<[string, string]> = [['fwd_if', c.fwd]];
      if (t.mode === 'nat') wanted.push(['nat_out', c.nat]);
      for (const f of readForwards(def)) {
        const chain = forwardChain(bridgeId(bridge), f);
        if (!fw.chains.has(chain))
          problems.push({ what: `nft chain ${chain} of forward ${forwardLabel(f)} is missing` });
      }
      for (const [map, chain] of wanted) {
        if (!fw.chains.has(chain)) problems.push({ what: `nft chain ${chain} is missing` });
        const target = fw.maps.get(map)?.get(bridge);
        if (target !== chain) {
          problems.push({
            what: `nft map ${map} has no entry for ${bridge}`,
            expected: `jump ${chain}`,
            actual: target ?? 'absent',
          });
        }
      }
      if (t.mode === 'nat' || t.mode === 'route') {
        for (const chain of await foreignForwardDrops()) {
          // Docker's FORWARD: the heal loop keeps accept rules for our bridges in its DOCKER-USER chain
          const [family, table] = chain.split(' ');
          if (chain.endsWith(' filter FORWARD') && (await hasChain(`${family} ${table}`, 'DOCKER-USER')))
            continue;
          problems.push({
            what: `forwarded traffic of ${bridge} is dropped by base chain '${chain}' (policy drop) outside virtnet's table`,
            expected: 'accept',
            actual: 'drop',
          });
        }
      }
    }
  }
  if (t.dnsmasqRunning === false)
    problems.push({ what: 'dnsmasq is not running', expected: 'running', actual: 'dead' });
  return problems;
}
