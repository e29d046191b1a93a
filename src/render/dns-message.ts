// The few DNS messages the overlay's name exchange needs (RFC 1035): a PTR query for an IPv4 address, and its
// answer with one host name. Pure bytes; names are checked label by label, so nothing but a host name comes out.

const TYPE_PTR = 12;
const CLASS_IN = 1;
const FLAG_QR = 0x8000;
const FLAG_AA = 0x0400;
export const RCODE_NXDOMAIN = 3;
export const RCODE_REFUSED = 5;

const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** `d.c.b.a.in-addr.arpa` for a.b.c.d. */
export function ptrName(ipv4: string): string {
  return `${ipv4.split('.').reverse().join('.')}.in-addr.arpa`;
}

/** The IPv4 address a PTR name asks for, or undefined. */
export function ptrAddress(name: string): string | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.in-addr\.arpa$/i.exec(name);
  if (!m || m.slice(1).some((o) => Number(o) > 255 || (o.length > 1 && o.startsWith('0')))) return undefined;
  return [m[4], m[3], m[2], m[1]].join('.');
}

function encodeName(name: string): number[] {
  const out: number[] = [];
  for (const label of name.split('.')) {
    if (!LABEL.test(label)) throw new Error(`bad DNS label '${label.slice(0, 64)}'`);
    out.push(label.length, ...Buffer.from(label, 'ascii'));
  }
  out.push(0);
  return out;
}

/** Reads a (possibly compressed) name at `at`; returns it and the offset after it in the message. */
function decodeName(msg: Uint8Array, at: number): { name: string; next: number } {
  const labels: string[] = [];
  let pos = at;
  let next = -1;
  for (let hops = 0; hops < 32; hops++) {
    const len = msg[pos];
    if (len === undefined) throw new Error('truncated name');
    if ((len & 0xc0) === 0xc0) {
      const lo = msg[pos + 1];
      if (lo === undefined) throw new Error('truncated pointer');
      if (next < 0) next = pos + 2;
      pos = ((len & 0x3f) << 8) | lo;
      continue;
    }
    if (len === 0) return { name: labels.join('.'), next: next < 0 ? pos + 1 : next };
    if (len > 63 || pos + 1 + len > msg.length) throw new Error('bad label');
    labels.push(Buffer.from(msg.subarray(pos + 1, pos + 1 + len)).toString('ascii'));
    pos += 1 + len;
  }
  throw new Error('name compression loop');
}

const u16 = (n: number) => [(n >> 8) & 0xff, n & 0xff];
const read16 = (m: Uint8Array, at: number) => ((m[at] ?? 0) << 8) | (m[at + 1] ?? 0);

export function encodePtrQuery(id: number, ipv4: string): Uint8Array {
  return Uint8Array.from([
    ...u16(id),
    0,
    0,
    ...u16(1),
    0,
    0,
    0,
    0,
    0,
    0,
    ...encodeName(ptrName(ipv4)),
    ...u16(TYPE_PTR),
    ...u16(CLASS_IN),
  ]);
}

/** A query as the responder sees it: its id and the address of a PTR IN question (undefined: anything else). */
export function decodeQuery(msg: Uint8Array): { id: number; question: Uint8Array; ip?: string } | undefined {
  if (msg.length < 12 || msg.length > 512 || read16(msg, 2) & FLAG_QR || read16(msg, 4) !== 1)
    return undefined;
  try {
    const { name, next } = decodeName(msg, 12);
    if (next + 4 > msg.length) return undefined;
    const question = msg.subarray(12, next + 4);
    const ptr = read16(msg, next) === TYPE_PTR && read16(msg, next + 2) === CLASS_IN;
    const ip = ptr ? ptrAddress(name) : undefined;
    return { id: read16(msg, 0), question, ...(ip ? { ip } : {}) };
  } catch {
    return undefined;
  }
}

/** The answer: one PTR record naming `host` (a single label), or an error code. */
export function encodeAnswer(
  id: number,
  question: Uint8Array,
  host: string | undefined,
  rcode = RCODE_NXDOMAIN,
): Uint8Array {
  if (host === undefined || !LABEL.test(host))
    return Uint8Array.from([
      ...u16(id),
      ...u16(FLAG_QR | FLAG_AA | rcode),
      ...u16(1),
      0,
      0,
      0,
      0,
      0,
      0,
      ...question,
    ]);
  const rdata = encodeName(host);
  return Uint8Array.from([
    ...u16(id),
    ...u16(FLAG_QR | FLAG_AA),
    ...u16(1),
    ...u16(1),
    0,
    0,
    0,
    0,
    ...question,
    0xc0,
    12,
    ...u16(TYPE_PTR),
    ...u16(CLASS_IN),
    0,
    0,
    0,
    60,
    ...u16(rdata.length),
    ...rdata,
  ]);
}

/** The host name of an answer to query `id`, if it has one that is a valid single label. */
export function decodeAnswer(msg: Uint8Array, id: number): string | undefined {
  if (msg.length < 12 || read16(msg, 0) !== id || !(read16(msg, 2) & FLAG_QR) || (read16(msg, 2) & 0xf) !== 0)
    return undefined;
  try {
    let pos = 12;
    for (let q = read16(msg, 4); q > 0; q--) pos = decodeName(msg, pos).next + 4;
    for (let a = read16(msg, 6); a > 0; a--) {
      const { next } = decodeName(msg, pos);
      const type = read16(msg, next);
      const len = read16(msg, next + 8);
      if (type === TYPE_PTR) {
        const name = decodeName(msg, next + 10).name;
        return LABEL.test(name) ? name : undefined;
      }
      pos = next + 10 + len;
    }
  } catch {
    return undefined;
  }
  return undefined;
}
