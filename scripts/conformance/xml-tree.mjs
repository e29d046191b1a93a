// Tiny XML trees for the shape generator: build, find, edit and serialise in a few styles.

/** An element: E('ip', {address: '10.0.0.1'}, E('dhcp')) — attributes keep their order; strings are text. */
export function E(name, attrs = {}, ...children) {
  return { name, attrs: Object.entries(attrs), children: children.flat() };
}

export function clone(t) {
  return structuredClone(t);
}

/** First descendant (depth first, the root included) with this name and, when given, matching `pred`. */
export function find(t, name, pred = () => true) {
  if (typeof t === 'string') return undefined;
  if (t.name === name && pred(t)) return t;
  for (const c of t.children) {
    const f = find(c, name, pred);
    if (f) return f;
  }
  return undefined;
}

/** The child named `name` of `parent`, created (appended) when missing. */
export function child(parent, name, attrs = {}) {
  let c = parent.children.find((x) => typeof x !== 'string' && x.name === name);
  if (!c) {
    c = E(name, attrs);
    parent.children.push(c);
  }
  return c;
}

export function setAttr(el, name, value) {
  const i = el.attrs.findIndex(([k]) => k === name);
  if (value === undefined) {
    if (i >= 0) el.attrs.splice(i, 1);
  } else if (i >= 0) el.attrs[i][1] = value;
  else el.attrs.push([name, value]);
}

export function getAttr(el, name) {
  return el.attrs.find(([k]) => k === name)?.[1];
}

export function removeChildren(parent, name) {
  parent.children = parent.children.filter((c) => typeof c === 'string' || c.name !== name);
}

const escAttr = (v, q) =>
  v
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(q === "'" ? /'/g : /"/g, q === "'" ? '&apos;' : '&quot;');
const escText = (v) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Serialises a tree. style: {quote: "'" | '"', indent: '  ' | '\t' | '' (one line), selfClose: true}.
 * An element whose children are only text is printed inline.
 */
export function serialize(t, style = {}) {
  const q = style.quote ?? "'";
  const indent = style.indent ?? '  ';
  const nl = indent === '' ? '' : '\n';
  const out = [];
  const walk = (el, level) => {
    const pad = indent.repeat(level);
    const attrs = el.attrs.map(([k, v]) => ` ${k}=${q}${escAttr(v, q)}${q}`).join('');
    if (el.children.length === 0) {
      out.push(`${pad}<${el.name}${attrs}/>${nl}`);
      return;
    }
    if (el.children.every((c) => typeof c === 'string')) {
      out.push(`${pad}<${el.name}${attrs}>${el.children.map(escText).join('')}</${el.name}>${nl}`);
      return;
    }
    out.push(`${pad}<${el.name}${attrs}>${nl}`);
    for (const c of el.children) {
      if (typeof c === 'string') out.push(escText(c));
      else walk(c, level + 1);
    }
    out.push(`${pad}</${el.name}>${nl}`);
  };
  walk(t, 0);
  const text = out.join('');
  return nl ? text : `${text}\n`;
}
