// What a binding applies: the filter tree flattened into rule instances with their variables, as libvirt's
// gentech driver does (virNWFilterDefToInst, virNWFilterDetermineMissingVarsRec), plus the checks define and
// undefine make on the tree (loops, filters in use). Pure: filters are looked up through a function.

import { VirtError } from './errors.js';
import type { NwfilterBindingDef } from './nwfilter-binding.js';
import type { NwfilterDef, RuleDef } from './nwfilter-def.js';
import { formatVarAccess, mergeVars, type ParamTable, varAccessAvailable } from './nwfilter-vars.js';

export type FilterLookup = (name: string) => NwfilterDef | undefined;

/** One rule of the flattened tree, with the chain and variables of the filter it came from. */
export interface RuleInstance {
  rule: RuleDef;
  /** The filter's chain ('root', 'mac', 'arp-ip', ...). */
  chain: string;
  chainPriority: number;
  /** Index in instantiation order (libvirt's sorts are stable on it). */
  seq: number;
  vars: ParamTable;
}

/** Stands for the guest's IP address when virtnet learns it (from traffic or its DHCP lease). */
export const DYNAMIC_IP = '<learned>';

export type IpLearning = 'none' | 'any' | 'dhcp';

export interface Instantiation {
  rules: RuleInstance[];
  /** How the guest's IP is found when the filter needs $IP and the binding does not give it. */
  learning?: Exclude<IpLearning, 'none'>;
}

const MAX_DEPTH = 64;

/**
 * The rule instances of a binding's filter tree. The binding's parameters (with MAC) override those of
 * filterrefs, as in libvirt. When only IP is missing and CTRL_IP_LEARNING allows it, IP becomes DYNAMIC_IP;
 * other missing variables refuse the binding with libvirt's message.
 */
export function instantiate(binding: NwfilterBindingDef, lookup: FilterLookup): Instantiation {
  const top = lookupFilter(lookup, binding.filter);
  const vars = new Map(binding.params);
  if (!vars.has('MAC')) vars.set('MAC', [binding.mac]);
  const missing = new Set<string>();
  missingVars(top, vars, lookup, missing, 0);
  const learningValue = vars.get('CTRL_IP_LEARNING')?.[0] ?? 'any';
  let learning: Instantiation['learning'];
  if (missing.size === 1 && missing.has('IP')) {
    const l = learningValue.toLowerCase();
    if (l === 'none') throw unresolvable(missing, true);
    if (l !== 'any' && l !== 'dhcp')
      throw new VirtError('INVALID_ARG', `filter '${top.name}' learning value '${learningValue}' invalid.`);
    learning = l;
    vars.set('IP', [DYNAMIC_IP]);
  } else if (missing.size > 0) {
    throw unresolvable(missing, false);
  }
  const rules: RuleInstance[] = [];
  flatten(top, vars, lookup, rules, 0);
  return learning ? { rules, learning } : { rules };
}

function unresolvable(missing: Set<string>, reportIP: boolean): VirtError {
  const names = [...missing].filter((n) => (n !== 'IP' || reportIP) && n !== 'MAC').sort();
  return new VirtError(
    'NWFILTER_UNAPPLICABLE',
    `Cannot instantiate filter due to unresolvable variables or unavailable list elements: ${names.join(', ')}`,
  );
}

function lookupFilter(lookup: FilterLookup, name: string): NwfilterDef {
  const def = lookup(name);
  if (!def) throw new VirtError('NWFILTER_UNAPPLICABLE', `referenced filter '${name}' is missing`);
  return def;
}

function missingVars(
  def: NwfilterDef,
  vars: ParamTable,
  lookup: FilterLookup,
  missing: Set<string>,
  depth: number,
): void {
  if (depth > MAX_DEPTH) throw new VirtError('NWFILTER_CONFLICT', 'filter would introduce a loop');
  for (const e of def.entries) {
    if ('rule' in e) {
      for (const v of e.rule.varAccess) if (!varAccessAvailable(v, vars)) missing.add(formatVarAccess(v));
    } else {
      const child = lookupFilter(lookup, e.ref.filter);
      missingVars(child, mergeVars(e.ref.params, vars), lookup, missing, depth + 1);
    }
  }
}

function flatten(
  def: NwfilterDef,
  vars: ParamTable,
  lookup: FilterLookup,
  out: RuleInstance[],
  depth: number,
): void {
  if (depth > MAX_DEPTH) throw new VirtError('NWFILTER_CONFLICT', 'filter would introduce a loop');
  for (const e of def.entries) {
    if ('rule' in e) {
      out.push({
        rule: e.rule,
        chain: def.chain,
        chainPriority: def.chainPriority,
        seq: out.length,
        vars,
      });
    } else {
      flatten(lookupFilter(lookup, e.ref.filter), mergeVars(e.ref.params, vars), lookup, out, depth + 1);
    }
  }
}

/** virNWFilterDefLoopDetect: does `def`, through the filters it references (as defined now), reach itself? */
export function introducesLoop(def: NwfilterDef, lookup: FilterLookup): boolean {
  const seen = new Set<string>();
  const walk = (d: NwfilterDef): boolean => {
    for (const e of d.entries) {
      if (!('ref' in e)) continue;
      if (e.ref.filter === def.name) return true;
      if (seen.has(e.ref.filter)) continue;
      seen.add(e.ref.filter);
      const child = lookup(e.ref.filter);
      if (child && walk(child)) return true;
    }
    return false;
  };
  return walk(def);
}

/** Whether the tree of `root` (filters as defined now) includes the filter `name`. */
export function treeUses(root: string, name: string, lookup: FilterLookup): boolean {
  const seen = new Set<string>();
  const walk = (n: string): boolean => {
    if (n === name) return true;
    if (seen.has(n)) return false;
    seen.add(n);
    const d = lookup(n);
    return !!d && d.entries.some((e) => 'ref' in e && walk(e.ref.filter));
  };
  return walk(root);
}
