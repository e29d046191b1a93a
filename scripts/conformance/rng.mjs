// A small reader of libvirt's RelaxNG schemas: which elements exist where, which attributes each has, and the
// datatype of every attribute and text value. The shape generator uses it to know what it must cover.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SaxesParser } from 'saxes';

/** Paths name namespaced elements with these prefixes (libvirt's usual ones). */
const PREFIXES = { 'http://libvirt.org/schemas/network/dnsmasq/1.0': 'dnsmasq' };

/** Parses one .rng file into a plain tree {name, attrs, children, text}. */
function parseFile(path) {
  const parser = new SaxesParser({ xmlns: false });
  const root = { name: '#root', attrs: {}, children: [], text: '' };
  const stack = [root];
  parser.on('opentag', (t) => {
    const el = { name: t.name, attrs: { ...t.attributes }, children: [], text: '' };
    stack[stack.length - 1].children.push(el);
    stack.push(el);
  });
  parser.on('closetag', () => stack.pop());
  parser.on('text', (t) => {
    stack[stack.length - 1].text += t;
  });
  parser.write(readFileSync(path, 'utf8')).close();
  return root.children[0];
}

/** All <define>s of a grammar and the grammars it includes (later files do not override earlier ones). */
function loadDefines(path, defines = new Map(), seen = new Set()) {
  if (seen.has(path)) return defines;
  seen.add(path);
  const grammar = parseFile(path);
  for (const c of grammar.children) {
    if (c.name === 'include') loadDefines(join(dirname(path), c.attrs.href), defines, seen);
    else if (c.name === 'define') {
      const list = defines.get(c.attrs.name) ?? [];
      list.push(c);
      defines.set(c.attrs.name, list);
    }
  }
  return { defines, grammar };
}

/**
 * A datatype as the generator needs it: `{refs: [names...], values: [...], data: [{type, params}]}`.
 * Named refs are kept (ipv4Addr, UUID, ...) so values can be chosen by meaning, not only by pattern.
 */
function datatypeOf(nodes, defines, refs = []) {
  const dt = { refs: [...refs], values: [], data: [], text: false };
  const visit = (n, via) => {
    if (n.name === 'ref') {
      for (const d of defines.get(n.attrs.name) ?? []) {
        dt.refs.push(n.attrs.name);
        for (const c of d.children) visit(c, n.attrs.name);
      }
    } else if (n.name === 'value') dt.values.push(n.text);
    else if (n.name === 'data') {
      const params = {};
      for (const p of n.children) if (p.name === 'param') params[p.attrs.name] = p.text;
      dt.data.push({ type: n.attrs.type, params, via });
    } else if (n.name === 'text') dt.text = true;
    else for (const c of n.children) visit(c, via);
  };
  for (const n of nodes) visit(n, undefined);
  if (nodes.length === 0) dt.text = true;
  return dt;
}

/**
 * Walks the grammar from its start and returns every element path (e.g. "network/forward/nat/address") with
 * its attributes ({name, required, datatype}), whether it may hold text, and its datatype when it does.
 */
export function readSchema(path) {
  const { defines, grammar } = loadDefines(path);
  const elements = new Map();
  const start = grammar.children.find((c) => c.name === 'start');
  const walk = (node, elPath, required, active, inNs = '') => {
    switch (node.name) {
      case 'element': {
        const name = node.attrs.name ?? (node.children[0]?.name === 'anyName' ? '*' : '?');
        // ns= is inherited by the elements inside (RelaxNG)
        const nsUri = node.attrs.ns ?? inNs;
        const ns = nsUri ? `${PREFIXES[nsUri] ?? 'ns'}:` : '';
        const p = elPath ? `${elPath}/${ns}${name}` : `${ns}${name}`;
        const entry = elements.get(p) ?? { path: p, attributes: new Map(), text: undefined };
        elements.set(p, entry);
        if (name === '*') return; // customElement (metadata): anything goes
        const body = node.children.filter((c) => c.name !== 'anyName');
        const textNodes = body.filter((c) => c.name === 'text' || c.name === 'data' || c.name === 'ref');
        for (const c of body) walk(c, p, true, active, nsUri);
        // text content given directly by a datatype or a ref that resolves to one
        const direct = textNodes.filter((c) => c.name !== 'ref' || isDatatypeRef(c.attrs.name, defines));
        if (direct.length) entry.text = datatypeOf(direct, defines);
        return;
      }
      case 'attribute': {
        const entry = elements.get(elPath);
        const name = node.attrs.name ?? '*';
        const dt = datatypeOf(node.children, defines);
        const prev = entry.attributes.get(name);
        if (prev) {
          prev.required &&= required;
          mergeDatatype(prev.datatype, dt);
        } else entry.attributes.set(name, { name, required, datatype: dt });
        return;
      }
      case 'optional':
      case 'zeroOrMore':
      case 'choice':
        for (const c of node.children) walk(c, elPath, false, active, inNs);
        return;
      case 'ref': {
        if (isDatatypeRef(node.attrs.name, defines)) return;
        if (active.has(node.attrs.name)) return; // recursion (customElement)
        const next = new Set(active).add(node.attrs.name);
        for (const d of defines.get(node.attrs.name) ?? [])
          for (const c of d.children) walk(c, elPath, required, next, inNs);
        return;
      }
      default:
        for (const c of node.children) walk(c, elPath, required, active, inNs);
    }
  };
  for (const c of start.children) walk(c, '', true, new Set());
  return elements;
}

/** True when a define holds only a datatype (no element or attribute), e.g. ipv4Addr or virYesNo. */
function isDatatypeRef(name, defines) {
  const structural = (n) => n.name === 'element' || n.name === 'attribute';
  const deep = (n, seen) =>
    structural(n) ||
    (n.name === 'ref' &&
      !seen.has(n.attrs.name) &&
      refStructural(n.attrs.name, new Set(seen).add(n.attrs.name))) ||
    n.children.some((c) => deep(c, seen));
  const refStructural = (r, seen) =>
    (defines.get(r) ?? []).some((d) => d.children.some((c) => deep(c, seen)));
  return !refStructural(name, new Set([name]));
}

function mergeDatatype(into, dt) {
  for (const r of dt.refs) if (!into.refs.includes(r)) into.refs.push(r);
  for (const v of dt.values) if (!into.values.includes(v)) into.values.push(v);
  into.data.push(...dt.data);
  into.text ||= dt.text;
}
