// Network filter XML (<filter>) → NwfilterDef, with libvirt 9.0's checks and messages
// (virNWFilterDefParseXML); rules are read by nwfilter-rule-parse.ts. Pure.

import { VirtError } from './errors.js';
import {
  CHAIN_PRIORITIES,
  CHAIN_SUFFIXES,
  type FilterEntry,
  MAX_CHAIN_SUFFIX,
  MAX_RULE_PRIORITY,
  MIN_RULE_PRIORITY,
  type NwfilterDef,
} from './nwfilter-def.js';
import { parseRule } from './nwfilter-rule-parse.js';
import { strToInt } from './nwfilter-values.js';
import { addParam, type ParamTable } from './nwfilter-vars.js';
import { attr, childElements, parseXmlDocument, textContent, type XmlElement } from './xml-dom.js';

const VALID_CHAINNAME = /^[A-Za-z0-9_.:-]*$/;

/** Parses filter XML as `virsh nwfilter-define` reads it. A missing <uuid> leaves uuid '' (the caller makes one). */
export function parseNwfilterXml(xml: string): NwfilterDef {
  const root = parseXmlDocument(xml);
  if (root.name !== 'filter') throw new VirtError('XML_ERROR', 'unknown root element for nw filter');
  return parseFilterElement(root);
}

function parseFilterElement(root: XmlElement): NwfilterDef {
  // virXPathString: an empty string counts as absent
  const name = nonEmpty(attr(root, 'name'));
  if (name === undefined) throw new VirtError('MALFORMED_VALUE', 'filter has no name');
  const prioText = nonEmpty(attr(root, 'priority'));
  let prio: number | undefined;
  if (prioText !== undefined) {
    prio = strToInt(prioText);
    if (prio === undefined)
      throw new VirtError('INVALID_ARG', `Could not parse chain priority '${prioText}'`);
    if (prio < MIN_RULE_PRIORITY || prio > MAX_RULE_PRIORITY) {
      throw new VirtError(
        'INVALID_ARG',
        `Priority '${prio}' is outside valid range of [${MIN_RULE_PRIORITY},${MAX_RULE_PRIORITY}]`,
      );
    }
  }
  const chainText = nonEmpty(attr(root, 'chain'));
  let chain = 'root';
  let chainPriority = 0;
  if (chainText !== undefined) {
    const prefix = allowedChainPrefix(chainText);
    chain = chainText;
    // libvirt applies the priority attribute only together with a chain attribute
    chainPriority = prio ?? CHAIN_PRIORITIES[prefix] ?? 0;
  }
  const uuidEl = childElements(root, 'uuid')[0];
  const uuidText = uuidEl ? nonEmpty(textContent(uuidEl)) : undefined;
  let uuid = '';
  if (uuidText !== undefined) {
    const u = parseUuid(uuidText);
    if (!u) throw new VirtError('XML_ERROR', 'malformed uuid element');
    uuid = u;
  }
  const entries: FilterEntry[] = [];
  for (const el of childElements(root)) {
    if (el.name === 'rule') entries.push({ rule: parseRule(el) });
    else if (el.name === 'filterref') {
      const filter = attr(el, 'filter');
      // libvirt's message for a filterref without filter= (sic)
      if (filter === undefined) throw new VirtError('MALFORMED_VALUE', 'rule node requires action attribute');
      entries.push({ ref: { filter, params: parseParams(el) } });
    }
  }
  return { name, uuid, uuidSpecified: uuid !== '', chain, chainPriority, entries };
}

/** <parameter name= value=/> children (virNWFilterParseParamAttributes); bad ones are skipped, as libvirt does. */
export function parseParams(el: XmlElement): ParamTable {
  const table: ParamTable = new Map();
  for (const p of childElements(el, 'parameter')) addParam(table, attr(p, 'name'), attr(p, 'value'));
  return table;
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === '' ? undefined : s;
}

/** virNWFilterIsAllowedChain: 'root', or a name starting with one of the other chain types. */
function allowedChainPrefix(chain: string): string {
  if (chain.length > MAX_CHAIN_SUFFIX) {
    throw new VirtError('INVALID_ARG', `Name of chain is longer than ${MAX_CHAIN_SUFFIX} characters`);
  }
  if (!VALID_CHAINNAME.test(chain))
    throw new VirtError('INVALID_ARG', 'Chain name contains invalid characters');
  for (const s of CHAIN_SUFFIXES) {
    if (s === 'root') {
      if (chain === s) return s;
      // libvirt refuses 'root' as a prefix without reporting why; virsh then says the cause is unknown
      if (chain.startsWith(s))
        throw new VirtError('XML_DETAIL', 'An error occurred, but the cause is unknown');
      continue;
    }
    if (chain.startsWith(s)) return s;
  }
  throw new VirtError(
    'INVALID_ARG',
    `Invalid chain name '${chain}'. Please use a chain name called 'root' or any of the following prefixes: ${CHAIN_SUFFIXES.filter((s) => s !== 'root').join(', ')}`,
  );
}

/** virUUIDParse: 32 hex digits, '-' and ' ' allowed between pairs, blanks around. */
export function parseUuid(text: string): string | undefined {
  const s = text.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '');
  let hex = '';
  let i = 0;
  while (hex.length < 32) {
    const c = s[i];
    if (c === undefined) return undefined;
    if (c === '-' || c === ' ') {
      i++;
      continue;
    }
    const pair = s.slice(i, i + 2);
    if (!/^[0-9a-fA-F]{2}$/.test(pair)) return undefined;
    hex += pair.toLowerCase();
    i += 2;
  }
  if (i !== s.length) return undefined;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
