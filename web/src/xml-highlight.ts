// XML as coloured tokens for the editor's overlay: tags, attribute names and values, comments, declarations and
// entities; the rest is text. A tokenizer, not a parser: an unfinished document still colours up to where it is.

export type TokenKind = 'tag' | 'attr' | 'value' | 'comment' | 'decl' | 'entity' | 'text';

export interface Token {
  kind: TokenKind;
  text: string;
}

const MARKUP =
  /<!--[\s\S]*?(?:-->|$)|<\?[\s\S]*?(?:\?>|$)|<!\[CDATA\[[\s\S]*?(?:\]\]>|$)|<![^>]*>?|<\/?[^>]*>?|&[#\w]+;/g;
const INSIDE_TAG = /(\s+)|([^\s=/>"']+)(?=\s*=)|("[^"]*"?|'[^']*'?)|(=)|([^\s=/>"']+|\/?>|\/|<\/?[^\s/>]*)/g;

function tagTokens(tag: string, out: Token[]): void {
  const open = /^<\/?[^\s/>]*/.exec(tag)?.[0] ?? '<';
  out.push({ kind: 'tag', text: open });
  for (const m of tag.slice(open.length).matchAll(INSIDE_TAG)) {
    if (m[1]) out.push({ kind: 'text', text: m[1] });
    else if (m[2]) out.push({ kind: 'attr', text: m[2] });
    else if (m[3]) out.push({ kind: 'value', text: m[3] });
    else if (m[4]) out.push({ kind: 'text', text: m[4] });
    else if (m[5]) out.push({ kind: 'tag', text: m[5] });
  }
}

/** The document as tokens whose texts, joined, are the document again. */
export function highlightXml(xml: string): Token[] {
  const out: Token[] = [];
  let at = 0;
  for (const m of xml.matchAll(MARKUP)) {
    const i = m.index ?? 0;
    if (i > at) out.push({ kind: 'text', text: xml.slice(at, i) });
    const t = m[0];
    if (t.startsWith('<!--')) out.push({ kind: 'comment', text: t });
    else if (t.startsWith('<?') || t.startsWith('<!')) out.push({ kind: 'decl', text: t });
    else if (t.startsWith('&')) out.push({ kind: 'entity', text: t });
    else tagTokens(t, out);
    at = i + t.length;
  }
  if (at < xml.length) out.push({ kind: 'text', text: xml.slice(at) });
  return out;
}
