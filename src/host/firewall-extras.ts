// Host-side nftables work beyond starting and stopping a network: live port forward changes and their counters,
// the quick "is our ruleset still there" probe of the heal loop, and accept rules in Docker's DOCKER-USER chain.

import type { PortForward } from '../model/port-forward.js';
import { forwardChangeScript, TABLE } from '../render/nft-ruleset.js';
import { exec, run } from './exec.js';

type NftObject = Record<string, Record<string, unknown>>;

async function nftJson(args: string[]): Promise<NftObject[] | undefined> {
  const r = await exec({ argv: ['nft', '-j', ...args] });
  if (r.code !== 0) return undefined;
  return (JSON.parse(r.stdout) as { nftables: NftObject[] }).nftables;
}

/** Adds and removes forwards of an active network in one nft transaction. */
export async function changeForwards(
  bridge: string,
  add: PortForward[],
  remove: PortForward[],
): Promise<void> {
  await run({ argv: ['nft', '-f', '-'], stdin: forwardChangeScript(bridge, add, remove) });
}

export interface ForwardCounter {
  packets: number;
  bytes: number;
}

/** Counters of every forward chain of the table, by chain name (one `nft -j list table`). */
export async function readForwardCounters(): Promise<Map<string, ForwardCounter>> {
  const out = new Map<string, ForwardCounter>();
  for (const o of (await nftJson(['list', 'table', ...TABLE.split(' ')])) ?? []) {
    const rule = o.rule;
    if (!rule || !String(rule.chain).startsWith('pf_')) continue;
    for (const e of (rule.expr as Array<{ counter?: ForwardCounter }>) ?? []) {
      if (e.counter) out.set(String(rule.chain), { packets: e.counter.packets, bytes: e.counter.bytes });
    }
  }
  return out;
}

/** Bridges that should be in our dispatch map but are not (all of them when the table is gone). */
export async function bridgesMissingFromFirewall(bridges: string[]): Promise<string[]> {
  const objs = await nftJson(['list', 'map', ...TABLE.split(' '), 'fwd_if']);
  if (!objs) return bridges;
  const present = new Set<string>();
  for (const o of objs) {
    for (const e of (o.map?.elem as Array<[string, unknown]> | undefined) ?? []) present.add(String(e[0]));
  }
  return bridges.filter((b) => !present.has(b));
}

const DOCKER_TABLES = ['ip filter', 'ip6 filter'];
const COMMENT_PREFIX = 'virtnet:';

/**
 * Docker (iptables-nft) sets the FORWARD policy to drop and offers DOCKER-USER, jumped to first, for rules of
 * others. An accept there for our bridges lets guest traffic past Docker's drop; our own table still applies the
 * network's mode. Rules carry a "virtnet:BRIDGE" comment so that they can be found and removed again.
 * Returns what was changed, for the log.
 */
export async function syncDockerUser(bridges: string[]): Promise<string[]> {
  const changes: string[] = [];
  for (const table of DOCKER_TABLES) {
    const objs = await nftJson(['-a', 'list', 'chain', ...table.split(' '), 'DOCKER-USER']);
    if (!objs) continue;
    const ours = new Map<string, number[]>();
    for (const o of objs) {
      const c = o.rule?.comment;
      if (typeof c !== 'string' || !c.startsWith(COMMENT_PREFIX)) continue;
      const br = c.slice(COMMENT_PREFIX.length);
      ours.set(br, [...(ours.get(br) ?? []), Number(o.rule?.handle)]);
    }
    const stmts: string[] = [];
    for (const br of bridges) {
      if ((ours.get(br)?.length ?? 0) >= 2) continue;
      for (const h of ours.get(br) ?? []) stmts.push(`delete rule ${table} DOCKER-USER handle ${h}`);
      for (const dir of ['iifname', 'oifname']) {
        stmts.push(`insert rule ${table} DOCKER-USER ${dir} "${br}" accept comment "${COMMENT_PREFIX}${br}"`);
      }
      changes.push(`${table} DOCKER-USER: accept for ${br}`);
    }
    for (const [br, handles] of ours) {
      if (bridges.includes(br)) continue;
      for (const h of handles) stmts.push(`delete rule ${table} DOCKER-USER handle ${h}`);
      changes.push(`${table} DOCKER-USER: removed accept for ${br}`);
    }
    if (stmts.length) await run({ argv: ['nft', '-f', '-'], stdin: `${stmts.join('\n')}\n` });
  }
  return changes;
}
