// Steps of virtnet's nft table: the base table (made once, owned by the nft session) and one transaction per
// network with its chains, rules and map elements. A network whose objects are partly gone is replaced in one
// transaction (delete what is left, add all), so no packet sees half a ruleset.

import type { NetworkDef } from '../model/network-def.js';
import { forwardLabel, type PortForward, readForwards } from '../model/port-forward.js';
import { forwardChain, forwardRules } from '../render/nft-forwards.js';
import { elementKey, type NetworkRules } from '../render/nft-rules.js';
import {
  BASE_TABLE,
  baseTableScript,
  bridgeId,
  forwardChangeScript,
  networkAddScript,
  networkRemoveStatements,
  networkRules,
  TABLE,
} from '../render/nft-ruleset.js';
import type { ObservedHost, ObservedNft } from './observed.js';
import type { DriftProblem, Resource, Step } from './steps.js';

export const TABLE_STEP = 'nft:table';
export const nftStepId = (bridge: string) => `nft:net:${bridge}`;

const elementId = (map: string, key: string) => `${map}|${key}`;

/** What is wrong with the base table, or undefined when it is complete (presence-only probes trust presence). */
function baseDrift(nft: ObservedNft | undefined): DriftProblem[] | undefined {
  if (!nft?.table) return [{ what: `nft ${TABLE} table is missing`, expected: 'present', actual: 'absent' }];
  const out: DriftProblem[] = [];
  if (!nft.owned)
    out.push({ what: `nft ${TABLE} table is not owned by virtnet's nft session`, expected: 'flags owner' });
  if (nft.chains) {
    for (const [chain, rules] of Object.entries(BASE_TABLE.chains)) {
      const have = nft.chains.get(chain);
      if (have !== rules)
        out.push({
          what: `nft base chain ${chain} ${have === undefined ? 'is missing' : `has ${have} rules`}`,
          expected: `${rules} rules`,
        });
    }
  }
  if (nft.maps)
    for (const m of BASE_TABLE.maps) if (!nft.maps.has(m)) out.push({ what: `nft map ${m} is missing` });
  return out.length ? out : undefined;
}

/**
 * The base table, when it is not there as it should be. A table that exists but is incomplete or not owned (an
 * older virtnet made it) is replaced in one transaction; every network's rules then go in again (closure).
 */
export function baseTableStep(o: ObservedHost, fresh: boolean): Step | undefined {
  const drift = baseDrift(o.nft);
  if (!drift) return undefined;
  const replace = o.nft?.table === true;
  return {
    id: TABLE_STEP,
    title: replace ? `replace nft table ${TABLE}` : `create nft table ${TABLE}`,
    do: [{ kind: 'nft', script: `${replace ? `delete table ${TABLE}\n` : ''}${baseTableScript()}` }],
    // the table stays when a start fails: other networks may join it meanwhile, and it costs nothing empty
    undo: [],
    parallel: true,
    provides: [{ kind: 'nft-table' }],
    ...(fresh ? {} : { drift }),
  };
}

function rulesResources(r: NetworkRules): Resource[] {
  const counts = new Map<string, number>(r.chains.map((c) => [c, 0]));
  for (const rule of r.rules) counts.set(rule.chain, (counts.get(rule.chain) ?? 0) + 1);
  return [
    ...[...counts].map(([name, rules]): Resource => ({ kind: 'nft-chain', name, rules })),
    ...r.elements.map((e): Resource => ({ kind: 'nft-element', map: e.map, key: e.key, chain: e.chain })),
  ];
}

/** Differences between the network's objects and the observed table (empty: all there). */
function networkDrift(def: NetworkDef, r: NetworkRules, nft: ObservedNft): DriftProblem[] {
  const bridge = def.bridge?.name as string;
  const out: DriftProblem[] = [];
  const labels = new Map(readForwards(def).map((f) => [forwardChain(bridgeId(bridge), f), forwardLabel(f)]));
  for (const res of rulesResources(r)) {
    if (res.kind === 'nft-chain') {
      const have = nft.chains?.get(res.name);
      const forward = labels.get(res.name);
      if (have === undefined)
        out.push({
          what: forward
            ? `nft chain ${res.name} of forward ${forward} is missing`
            : `nft chain ${res.name} is missing`,
        });
      else if (have !== res.rules)
        out.push({
          what: `nft chain ${res.name} has ${have} rules`,
          expected: String(res.rules),
          actual: String(have),
        });
    } else if (res.kind === 'nft-element') {
      const target = nft.elements?.get(elementId(res.map, res.key));
      if (target === res.chain) continue;
      out.push({
        what: res.map.startsWith('pf4')
          ? `nft map ${res.map} has no entry ${res.key}`
          : `nft map ${res.map} has no entry for ${res.key}`,
        expected: `jump ${res.chain}`,
        actual: target ?? 'absent',
      });
    }
  }
  return out;
}

/** Statements deleting what the probe found of this network's objects (elements first, then chains). */
function leftoverStatements(r: NetworkRules, nft: ObservedNft): string[] {
  const chains = new Set(r.chains);
  const out: string[] = [];
  for (const [id, target] of nft.elements ?? []) {
    if (!chains.has(target)) continue;
    const [map, key] = [id.slice(0, id.indexOf('|')), id.slice(id.indexOf('|') + 1)];
    const entry = r.elements.find((e) => e.map === map && e.key === key);
    out.push(
      `delete element ${TABLE} ${map} { ${entry ? elementKey(entry) : map.startsWith('pf4') ? key : `"${key}"`} }`,
    );
  }
  for (const c of r.chains)
    if (nft.chains?.has(c)) out.push(`flush chain ${TABLE} ${c}`, `delete chain ${TABLE} ${c}`);
  return out;
}

/** The network's rules: fresh, or (reconcile) a replacement of whatever differs; undefined when all is there. */
export function networkFirewallStep(def: NetworkDef, o: ObservedHost, fresh: boolean): Step | undefined {
  const bridge = def.bridge?.name as string;
  // a probe that did not list the table (the heal loop: nobody else can change it) has nothing to compare
  if (!fresh && !o.nft?.chains) return undefined;
  const r = networkRules(def);
  let script = networkAddScript(def);
  let drift: DriftProblem[] | undefined;
  if (!fresh) {
    const nft = o.nft;
    if (!nft?.chains) return undefined;
    drift = networkDrift(def, r, nft);
    if (drift.length === 0) return undefined;
    const leftovers = leftoverStatements(r, nft);
    if (leftovers.length) script = `${leftovers.join('\n')}\n${script}`;
  }
  return {
    id: nftStepId(bridge),
    title: `add firewall rules of ${bridge}`,
    do: [{ kind: 'nft', script }],
    undo: [{ kind: 'nft', script: removeScript(def), mayFail: true }],
    after: [TABLE_STEP],
    // after the bridge on purpose: running nft while the bridge is being made was measured slower
    waitFor: [`link:${bridge}`],
    parallel: true,
    provides: rulesResources(r),
    ...(drift ? { drift } : {}),
  };
}

function removeScript(def: NetworkDef): string {
  return `${networkRemoveStatements(def).join('\n')}\n`;
}

/** Stop: one transaction removing the network's elements and chains (statement by statement if some are gone). */
export function networkFirewallRemoveStep(def: NetworkDef): Step {
  const bridge = def.bridge?.name as string;
  return {
    id: nftStepId(bridge),
    title: `remove firewall rules of ${bridge}`,
    do: [{ kind: 'nft', script: removeScript(def), mayFail: true }],
    undo: [],
    removes: rulesResources(networkRules(def)),
  };
}

/** A live change of an active network's forwards: one transaction, undone by the reverse transaction. */
export function forwardChangeStep(bridge: string, add: PortForward[], remove: PortForward[]): Step {
  const id = bridgeId(bridge);
  return {
    id: `nft:forwards:${bridge}`,
    title: `change port forwards of ${bridge}`,
    do: [{ kind: 'nft', script: forwardChangeScript(bridge, add, remove) }],
    undo: [{ kind: 'nft', script: forwardChangeScript(bridge, remove, add), mayFail: true }],
    provides: rulesResources(forwardRules(id, add)),
    removes: rulesResources(forwardRules(id, remove)),
  };
}
