// Seeded mutations of XML text: attribute values and element text swapped for values that broke programs
// before (lengths, separators, path pieces, numbers at the edges, addresses), elements duplicated, deleted,
// spliced in from another document or nested deep, and plain byte edits. Deterministic for a seed.

/** mulberry32: small, fast, good enough to pick mutations; the same seed gives the same inputs. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)] as T;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

export const INTERESTING = [
  '',
  ' ',
  '0',
  '-1',
  '1',
  '7',
  '255',
  '65535',
  '65536',
  '4294967295',
  '4294967296',
  '18446744073709551616',
  '1e3',
  '0x10',
  '1.5',
  'x'.repeat(16),
  'n'.repeat(250),
  'a'.repeat(5000),
  '.',
  '..',
  '.hidden',
  '/',
  '../../../etc/passwd',
  'a/b',
  'a b',
  'a#b',
  'a"b',
  "a'b",
  'a,b',
  'a;b',
  'a=b',
  'a\\b',
  'a\tb',
  '%00',
  '%E0%A4%A',
  '%2e%2e',
  '\u00fc',
  '\u{1F600}',
  '\u202e',
  '192.168.122.1',
  '192.168.122.2',
  '192.168.122.254',
  '10.0.0.0',
  '0.0.0.0',
  '255.255.255.255',
  '224.0.0.1',
  '1.2.3',
  '300.1.1.1',
  '::',
  '::1',
  'fe80::1',
  '2001:db8::1',
  'fe80::1%eth0',
  '52:54:00:00:00:01',
  '01:00:5e:00:00:01',
  'zz:zz:zz:zz:zz:zz',
  '00:16:3e:77:e2:ed',
  '00000000-0000-0000-0000-000000000000',
  '11111111-1111-4111-8111-111111111111',
  '81ff0d90-c91e-6742-64da-4a736edb9a9b',
  'not-a-uuid',
  'yes',
  'no',
  'on',
  'virbr0',
  'virbr1',
  'eth0',
  'eth1',
  'lo',
  'vnet0',
  'nat',
  'route',
  'open',
  'bridge',
  'private',
  'vepa',
  'passthrough',
  'hostdev',
  'isolated',
  'ipv4',
  'ipv6',
  'tcp',
  'udp',
  'both',
  'default',
  'dhcp-script=/tmp/x',
  'conf-file=/etc/shadow',
  'cname=a.example,b.example',
  'txt-record=a,b',
  'example.com',
  '-bad-.example',
  'a..b',
  '&amp;',
  '&lt;x&gt;',
  '&#0;',
  '&#x1;',
  '&#10;',
  '&unknown;',
  ']]>',
  '<x/>',
];

const INSERTS = [
  '<',
  '>',
  '/',
  '&',
  "'",
  '"',
  '=',
  '#',
  ',',
  ' ',
  '\n',
  '\u0000',
  '\u0001',
  ']]>',
  '<!--',
  '-->',
];

function escapeAttr(v: string): string {
  return v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;');
}

function escapeText(v: string): string {
  return v.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

/** Start and end of every element in the text (a shallow scan: good enough to cut and paste elements). */
function elements(text: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const open: Array<{ name: string; at: number }> = [];
  const re = /<(\/?)([A-Za-z_][\w:.-]*)[^<>]*?(\/?)>/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const [all, close, name, self] = m;
    if (self) out.push([m.index, m.index + all.length]);
    else if (!close) open.push({ name: name as string, at: m.index });
    else {
      for (let i = open.length - 1; i >= 0; i--) {
        if (open[i]?.name === name) {
          out.push([(open[i] as { at: number }).at, m.index + all.length]);
          open.length = i;
          break;
        }
      }
    }
  }
  return out;
}

type Mutation = (text: string, rng: Rng, others: readonly string[]) => string;

const MUTATIONS: Mutation[] = [
  // an attribute value
  (t, rng) => {
    const spots = [...t.matchAll(/([\w:-]+)=(['"])([^'"]*)\2/g)];
    if (spots.length === 0) return t;
    const m = rng.pick(spots);
    const v = rng.pick(INTERESTING);
    const value = rng.chance(0.9) ? escapeAttr(v) : v;
    const start = (m.index ?? 0) + (m[1]?.length ?? 0) + 2;
    return t.slice(0, start) + value + t.slice(start + (m[3]?.length ?? 0));
  },
  // element text (a name, a uuid, a hostname)
  (t, rng) => {
    const spots = [...t.matchAll(/>([^<>]+)</g)].filter((m) => m[1]?.trim());
    if (spots.length === 0) return t;
    const m = rng.pick(spots);
    const v = rng.pick(INTERESTING);
    const start = (m.index ?? 0) + 1;
    return t.slice(0, start) + (rng.chance(0.9) ? escapeText(v) : v) + t.slice(start + (m[1]?.length ?? 0));
  },
  // duplicate an element
  (t, rng) => {
    const els = elements(t);
    if (els.length < 2) return t;
    const [a, b] = rng.pick(els.slice(1));
    const copies = rng.chance(0.1) ? 1 + rng.int(300) : 1;
    return t.slice(0, b) + t.slice(a, b).repeat(copies) + t.slice(b);
  },
  // delete an element
  (t, rng) => {
    const els = elements(t);
    if (els.length < 2) return t;
    const [a, b] = rng.pick(els.slice(1));
    return t.slice(0, a) + t.slice(b);
  },
  // splice an element of another document in
  (t, rng, others) => {
    const other = rng.pick(others);
    const els = elements(other).slice(1);
    const here = elements(t);
    if (els.length === 0 || here.length === 0) return t;
    const [a, b] = rng.pick(els);
    const [, at] = rng.pick(here);
    const inside = t.lastIndexOf('</', at - 1);
    const pos = inside > 0 && rng.chance(0.7) ? inside : at;
    return t.slice(0, pos) + other.slice(a, b) + t.slice(pos);
  },
  // nest deep (in metadata, where anything goes)
  (t, rng) => {
    const n = rng.pick([10, 100, 255, 256, 300, 2000]);
    const deep = `<metadata>${'<a>'.repeat(n)}x${'</a>'.repeat(n)}</metadata>`;
    const end = t.lastIndexOf('</');
    return end < 0 ? t + deep : t.slice(0, end) + deep + t.slice(end);
  },
  // many attributes on one element
  (t, rng) => {
    const i = t.indexOf('>');
    if (i < 1) return t;
    const n = rng.pick([3, 255, 257, 1000]);
    const attrs = Array.from({ length: n }, (_, k) => ` x${k}='${k}'`).join('');
    const at = t[i - 1] === '/' ? i - 1 : i;
    return t.slice(0, at) + attrs + t.slice(at);
  },
  // byte edits: insert, delete, truncate
  (t, rng) => {
    const at = rng.int(t.length + 1);
    return t.slice(0, at) + rng.pick(INSERTS) + t.slice(at);
  },
  (t, rng) => {
    const at = rng.int(t.length);
    return t.slice(0, at) + t.slice(at + 1 + rng.int(8));
  },
  (t, rng) => t.slice(0, rng.int(t.length)),
];

/** One to four mutations of a seed document (sometimes none: valid inputs must round-trip too). */
export function mutate(seed: string, rng: Rng, others: readonly string[]): string {
  if (rng.chance(0.1)) return seed;
  let t = seed;
  const n = 1 + rng.int(4);
  for (let i = 0; i < n; i++) t = rng.pick(MUTATIONS)(t, rng, others);
  return t;
}
