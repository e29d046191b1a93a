// Filter variables as libvirt's nwfilter_params.c has them: $NAME, $NAME[index], $NAME[@iterator], parameter
// tables (a name given twice is a list), and virNWFilterVarCombIter, which walks the combinations of list
// values a rule is instantiated with. Pure.

import { VirtError } from './errors.js';
import { strToUInt } from './nwfilter-values.js';

export const VALID_VARNAME = /^[A-Za-z0-9_]+$/;
export const VALID_VARVALUE = /^[A-Za-z0-9_.:]+$/;
const VARNAME_CHARS = /[A-Za-z0-9_]/;
export const MAX_ITERID = 1000;
/** Rule instances one rule may make (lists under different iterators multiply). */
export const MAX_COMBINATIONS = 10000;

/** How a rule reads a variable: one element (`$A[2]`) or every element under an iterator (`$A`, `$A[@1]`). */
export type VarAccess =
  | { name: string; kind: 'element'; index: number }
  | { name: string; kind: 'iterator'; iterId: number };

/** Parameters: name → values (one value, or a list when the name was given several times). */
export type ParamTable = Map<string, string[]>;

/** virNWFilterVarAccessParse of the text after '$'; throws INVALID_ARG as libvirt words it. */
export function parseVarAccess(text: string): VarAccess {
  let idx = 0;
  while (idx < text.length && VARNAME_CHARS.test(text[idx] as string)) idx++;
  const name = text.slice(0, idx);
  if (idx === text.length) return { name, kind: 'iterator', iterId: 0 };
  if (text[idx] !== '[') throw new VirtError('INVALID_ARG', 'Malformatted variable');
  let rest = text.slice(idx + 1).replace(/^[ \t\n\v\f\r]+/, '');
  const iterator = rest.startsWith('@');
  if (iterator) rest = rest.slice(1);
  // virStrToLong_ui with an end pointer: leading blanks and a sign, then digits; the rest must be ' ]'
  const m = /^([ \t\n\v\f\r]*[+-]?\d+)[ \t\n\v\f\r]*\]/.exec(rest);
  const n = m ? strToUInt((m[1] as string).trim(), 10) : undefined;
  if (n === undefined) {
    throw new VirtError('INVALID_ARG', iterator ? 'Malformatted iterator id' : 'Malformatted array index');
  }
  if (!iterator) return { name, kind: 'element', index: n };
  if (n > MAX_ITERID) throw new VirtError('INVALID_ARG', `Iterator ID exceeds maximum ID of ${MAX_ITERID}`);
  return { name, kind: 'iterator', iterId: n };
}

/** virNWFilterVarAccessPrint: `A`, `A[3]`, `A[@2]` (iterator 0 is the default and not printed). */
export function formatVarAccess(v: VarAccess): string {
  if (v.kind === 'element') return `${v.name}[${v.index}]`;
  return v.iterId !== 0 ? `${v.name}[@${v.iterId}]` : v.name;
}

export function varAccessEqual(a: VarAccess, b: VarAccess): boolean {
  if (a.kind !== b.kind || a.name !== b.name) return false;
  return a.kind === 'element' ? a.index === (b as typeof a).index : a.iterId === (b as typeof a).iterId;
}

/** virNWFilterVarAccessIsAvailable: the variable exists and, for an element, the index is in range. */
export function varAccessAvailable(v: VarAccess, vars: ParamTable): boolean {
  const values = vars.get(v.name);
  if (!values) return false;
  return v.kind === 'iterator' || v.index < values.length;
}

/** Adds name=value as virNWFilterParseParamAttributes does: invalid names or values are skipped silently. */
export function addParam(table: ParamTable, name: string | undefined, value: string | undefined): void {
  if (name === undefined || value === undefined) return;
  // an empty name passes libvirt's check (strspn of "" is 0), so it is kept, as libvirt keeps it
  if (!(VALID_VARNAME.test(name) || name === '') || !VALID_VARVALUE.test(value)) return;
  const list = table.get(name);
  if (list) list.push(value);
  else table.set(name, [value]);
}

/** Parameters of filterrefs and bindings are printed sorted by name (virHashGetItems with sorting). */
export function sortedParams(table: ParamTable): Array<[string, string[]]> {
  return [...table].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** virNWFilterCreateVarsFrom(a, b): a copy of a, then b's entries on top (b wins). */
export function mergeVars(a: ParamTable, b: ParamTable): ParamTable {
  const out: ParamTable = new Map();
  for (const [k, v] of a) out.set(k, [...v]);
  for (const [k, v] of b) out.set(k, [...v]);
  return out;
}

interface IterEntry {
  iterId: number;
  /** Internal iterators (one per element access) get ids above MAX_ITERID, as libvirt does. */
  varNames: string[];
  min: number;
  max: number;
  cur: number;
}

/**
 * virNWFilterVarCombIter: the combinations of values a rule is instantiated with. Variables under the same
 * iterator advance together (their lists must be equally long); different iterators multiply. A combination
 * whose values were all seen at an earlier index of that iterator is skipped (libvirt's duplicate removal).
 * Returns one map variable-access → value per combination, in libvirt's order.
 */
export function varCombinations(
  vars: ParamTable,
  accesses: readonly VarAccess[],
): Array<Map<string, string>> {
  const iters: IterEntry[] = [{ iterId: 0, varNames: [], min: 0, max: 0, cur: 0 }];
  const elementIter = new Map<number, number>();
  let nextInternal = MAX_ITERID + 1;
  accesses.forEach((a, n) => {
    let entry: IterEntry;
    if (a.kind === 'iterator') {
      const found = iters.find((e) => e.iterId === a.iterId);
      entry = found ?? { iterId: a.iterId, varNames: [], min: 0, max: 0, cur: 0 };
      if (!found) iters.push(entry);
    } else {
      entry = { iterId: nextInternal++, varNames: [], min: 0, max: 0, cur: 0 };
      elementIter.set(n, iters.length);
      iters.push(entry);
    }
    const values = vars.get(a.name);
    if (!values)
      throw new VirtError('NWFILTER_UNAPPLICABLE', `Could not find value for variable '${a.name}'`);
    const max = a.kind === 'element' ? a.index : values.length - 1;
    const min = a.kind === 'element' ? a.index : 0;
    if (entry.varNames.length === 0) {
      entry.max = max;
      entry.min = min;
      entry.cur = min;
    } else if (entry.max !== max) {
      throw new VirtError(
        'NWFILTER_UNAPPLICABLE',
        'Cardinality of list items must be the same for processing them in parallel',
      );
    }
    entry.varNames.push(a.name);
  });
  const total = iters.reduce((n, e) => n * (e.max - e.min + 1), 1);
  if (total > MAX_COMBINATIONS) {
    throw new VirtError(
      'CONFIG_UNSUPPORTED',
      `a rule's variables make ${total} combinations; at most ${MAX_COMBINATIONS} are allowed`,
    );
  }
  const value = (n: number, a: VarAccess): string => {
    const entry =
      a.kind === 'element'
        ? (iters[elementIter.get(n) as number] as IterEntry)
        : (iters.find((e) => e.iterId === a.iterId) as IterEntry);
    const v = vars.get(a.name)?.[entry.cur];
    if (v === undefined) {
      throw new VirtError(
        'NWFILTER_UNAPPLICABLE',
        `Could not get nth (${entry.cur}) value of variable '${a.name}'`,
      );
    }
    return v;
  };
  const unique = (e: IterEntry): boolean => {
    const first = vars.get(e.varNames[0] as string) as string[];
    for (let i = 0; i < e.cur; i++) {
      if (first[e.cur] !== first[i]) continue;
      let same = true;
      for (const name of e.varNames.slice(1)) {
        const list = vars.get(name) as string[];
        if (list[e.cur] !== list[i]) {
          same = false;
          break;
        }
      }
      if (same) return false;
    }
    return true;
  };
  const out: Array<Map<string, string>> = [];
  for (;;) {
    const combo = new Map<string, string>();
    accesses.forEach((a, n) => {
      combo.set(formatVarAccess(a), value(n, a));
    });
    out.push(combo);
    let i = 0;
    for (; i < iters.length; i++) {
      const e = iters[i] as IterEntry;
      let advanced = false;
      for (e.cur++; e.cur <= e.max; e.cur++) {
        if (unique(e)) {
          advanced = true;
          break;
        }
      }
      if (advanced) break;
      e.cur = e.min;
    }
    if (i === iters.length) return out;
  }
}
