// A small element tree built on the saxes SAX parser, keeping the position of every element for error messages.

import { SaxesParser } from 'saxes';
import { VirtError } from './errors.js';
import type { XmlNode } from './network-def.js';

export interface XmlElement {
  /** Qualified name as written, e.g. "dnsmasq:option". */
  name: string;
  /** Attributes in document order, including xmlns declarations. */
  attributes: Array<[string, string]>;
  children: Array<XmlElement | string>;
  line: number;
  column: number;
}

/**
 * Bounds that keep a hostile document from exhausting the stack (the tree is walked recursively) or the heap.
 * Depth is libxml2's own default limit; real network and port XML stays far below all three.
 */
export const XML_LIMITS = { depth: 256, elements: 100_000, attributesPerElement: 256 } as const;

/** Thrown inside saxes's callbacks to stop parsing at once; the recorded failure is reported instead. */
const STOP = Symbol('stop parsing');

/** Parses a whole document; malformed XML (or XML past XML_LIMITS) throws XML_ERROR naming line and column. */
export function parseXmlDocument(text: string): XmlElement {
  const parser = new SaxesParser({ xmlns: false, position: true });
  let elements = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let closedAt = -1;
  let closedHere: string[] = [];
  let failure: { message: string; line: number; column: number } | undefined;
  parser.on('error', (err) => {
    if (!failure) {
      const raw = err.message.replace(/^(?:[^:]*:)?\d+:\d+: /, '');
      // saxes pops the unmatched elements before reporting; the first one popped at this position was open
      const open = closedAt === parser.position ? closedHere[0] : stack[stack.length - 1]?.name;
      const message = libxml2Wording(raw, open, text, parser.position);
      failure = { message, line: parser.line, column: Math.max(1, parser.column) };
    }
  });
  const refuse = (message: string) => {
    failure = { message, line: parser.line, column: Math.max(1, parser.column) };
    throw STOP;
  };
  parser.on('opentag', (tag) => {
    if (stack.length >= XML_LIMITS.depth) {
      refuse(`Excessive depth in document: ${XML_LIMITS.depth} use XML_PARSE_HUGE option`);
    }
    if (++elements > XML_LIMITS.elements) refuse(`more than ${XML_LIMITS.elements} elements in document`);
    const attributes = Object.entries(tag.attributes as Record<string, string>);
    if (attributes.length > XML_LIMITS.attributesPerElement) {
      refuse(`more than ${XML_LIMITS.attributesPerElement} attributes on element ${tag.name}`);
    }
    const el: XmlElement = {
      name: tag.name,
      attributes,
      children: [],
      line: parser.line,
      column: parser.column,
    };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el);
    else root = el;
    stack.push(el);
  });
  parser.on('closetag', (tag) => {
    if (closedAt !== parser.position) closedHere = [];
    closedAt = parser.position;
    closedHere.push(tag.name);
    stack.pop();
  });
  parser.on('text', (t) => {
    stack[stack.length - 1]?.children.push(t);
  });
  parser.on('cdata', (t) => {
    stack[stack.length - 1]?.children.push(t);
  });
  try {
    parser.write(text).close();
  } catch {
    // the error handler (or refuse) recorded it
  }
  if (failure) {
    throw new VirtError('XML_ERROR', `line ${failure.line}, column ${failure.column}: ${failure.message}`, {
      position: { line: failure.line, column: failure.column },
    });
  }
  if (!root) {
    throw new VirtError('XML_ERROR', 'line 1, column 1: Document is empty', {
      position: { line: 1, column: 1 },
    });
  }
  return root;
}

/** Rewords saxes's messages the way libxml2 (and so libvirt) words the common cases. */
function libxml2Wording(raw: string, open: string | undefined, text: string, offset: number): string {
  const msg = raw.replace(/\.$/, '');
  if (msg === 'unexpected close tag') {
    const close = /<\/\s*([^\s>]*)[^<]*$/.exec(text.slice(0, offset))?.[1] ?? '';
    return open ? `Opening and ending tag mismatch: ${open} and ${close}` : `Unexpected end tag : ${close}`;
  }
  let m = /^unclosed tag: (.*)$/.exec(msg);
  if (m) return `Premature end of data in tag ${m[1]}`;
  m = /^duplicate attribute: (.*)$/.exec(msg);
  if (m) return `Attribute ${m[1]} redefined`;
  if (msg === 'document must contain a root element') return 'Document is empty';
  if (msg === 'text data outside of root node' || msg === 'documents may contain only one root')
    return 'Extra content at the end of the document';
  return msg;
}

export function attr(el: XmlElement, name: string): string | undefined {
  for (const [k, v] of el.attributes) if (k === name) return v;
  return undefined;
}

export function childElements(el: XmlElement, name?: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children)
    if (typeof c !== 'string' && (name === undefined || c.name === name)) out.push(c);
  return out;
}

export function firstChild(el: XmlElement, name: string): XmlElement | undefined {
  for (const c of el.children) if (typeof c !== 'string' && c.name === name) return c;
  return undefined;
}

/** Concatenated text content of an element and its descendants. */
export function textContent(el: XmlElement): string {
  let s = '';
  for (const c of el.children) s += typeof c === 'string' ? c : textContent(c);
  return s;
}

/**
 * Copies an element for verbatim storage (metadata), adding the namespace declarations in scope that it
 * uses, the way libxml2 does when libvirt copies a metadata node out of its document.
 */
export function toXmlNode(el: XmlElement, inScope: Map<string, string>): XmlNode {
  const scope = new Map(inScope);
  for (const [k, v] of el.attributes) {
    if (k === 'xmlns') scope.set('', v);
    else if (k.startsWith('xmlns:')) scope.set(k.slice(6), v);
  }
  return {
    name: el.name,
    attributes: el.attributes,
    children: el.children.map((c) => (typeof c === 'string' ? c : toXmlNode(c, scope))),
  };
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  "'": '&apos;',
  '"': '&quot;',
};

/** Escapes text for an attribute value in single quotes or element content, like libvirt's virBufferEscapeString. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>'"]/g, (c) => ESCAPES[c] ?? c);
}

/** libxml2's serialisation of text content (only &, <, > escaped; \r as &#13;). */
export function escapeXmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

/** libxml2's serialisation of attribute values in double quotes. */
export function escapeXmlAttrDouble(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}
