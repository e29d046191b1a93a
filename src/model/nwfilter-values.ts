// Value readers and printers of libvirt's nwfilter code, with its C library semantics (strtoul, inet_aton,
// inet_ntop, virMacAddrParse), so filter XML is accepted, refused and printed exactly as libvirt 9.0 does. Pure.

const SPACE = /[ \t\n\v\f\r]/;

/**
 * virStrToLong_ui(s, NULL, base): strtoul with the whole string consumed, leading blanks and a sign allowed,
 * "-N" wrapping to 2^32-N (libvirt accepts "-1" as UINT_MAX). Undefined when the text is not a number.
 */
export function strToUInt(text: string, base: 10 | 16): number | undefined {
  let i = 0;
  while (i < text.length && SPACE.test(text[i] as string)) i++;
  let negative = false;
  if (text[i] === '+' || text[i] === '-') {
    negative = text[i] === '-';
    i++;
  }
  if (base === 16 && text[i] === '0' && (text[i + 1] === 'x' || text[i + 1] === 'X') && isHex(text[i + 2]))
    i += 2;
  const digits = base === 16 ? /[0-9a-fA-F]/ : /[0-9]/;
  const start = i;
  while (i < text.length && digits.test(text[i] as string)) i++;
  if (i === start || i !== text.length) return undefined;
  let value = BigInt(base === 16 ? `0x${text.slice(start, i)}` : text.slice(start, i));
  if (value > 0xffffffffffffffffn) return undefined;
  if (negative) {
    if (value > 0xffffffffn) return undefined;
    value = -value & 0xffffffffn;
  }
  if (value > 0xffffffffn) return undefined;
  return Number(value);
}

/** virStrToLong_i(s, NULL, 10): a whole-string signed decimal int. */
export function strToInt(text: string): number | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d+)$/.exec(text);
  if (!m) return undefined;
  const v = Number(m[1] === '-' ? -BigInt(m[2] as string) : BigInt(m[2] as string));
  return v >= -2147483648 && v <= 2147483647 ? v : undefined;
}

function isHex(c: string | undefined): boolean {
  return c !== undefined && /[0-9a-fA-F]/.test(c);
}

/** virMacAddrParse: six 1–2 digit hex groups joined by ':', anything below '!' may follow. */
export function parseMac(text: string): number[] | undefined {
  const out: number[] = [];
  let s = 0;
  for (let i = 0; i < 6; i++) {
    if (!isHex(text[s])) return undefined;
    let e = s;
    while (isHex(text[e])) e++;
    if (e - s > 2) return undefined;
    out.push(Number.parseInt(text.slice(s, e), 16));
    if (i === 5) return e >= text.length || text.charCodeAt(e) <= 32 ? out : undefined;
    if (text[e] !== ':') return undefined;
    s = e + 1;
  }
  return undefined;
}

export function formatMac(bytes: readonly number[]): string {
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** inet_aton (what getaddrinfo accepts for a numeric IPv4 host): 1–4 parts, each decimal, 0x hex or 0 octal. */
export function parseIPv4Aton(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length < 1 || parts.length > 4) return undefined;
  const nums: number[] = [];
  for (const p of parts) {
    let n: number;
    if (/^0[xX][0-9a-fA-F]*$/.test(p)) n = p.length === 2 ? 0 : Number.parseInt(p.slice(2), 16);
    else if (/^0[0-7]*$/.test(p)) n = Number.parseInt(p, 8);
    else if (/^[1-9]\d*$/.test(p)) n = Number(p);
    else return undefined;
    if (!Number.isFinite(n) || n > 0xffffffff) return undefined;
    nums.push(n);
  }
  const last = nums.length - 1;
  for (let i = 0; i < last; i++) if ((nums[i] as number) > 255) return undefined;
  const lastMax = 2 ** (8 * (4 - last)) - 1;
  if ((nums[last] as number) > lastMax) return undefined;
  let v = 0;
  for (let i = 0; i < last; i++) v += (nums[i] as number) * 2 ** (8 * (3 - i));
  return v + (nums[last] as number);
}

export function formatIPv4(v: number): string {
  return [24, 16, 8, 0].map((s) => String(Math.floor(v / 2 ** s) % 256)).join('.');
}

/** inet_pton for IPv6: eight groups, one '::', an optional dotted IPv4 tail. Returns 8 16-bit groups. */
export function parseIPv6Groups(text: string): number[] | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  let head = text;
  let tail: number[] = [];
  if (text.includes('.')) {
    const at = text.lastIndexOf(':');
    const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text.slice(at + 1));
    if (!v4 || at < 0) return undefined;
    const b = v4.slice(1).map(Number);
    if (b.some((x) => x > 255)) return undefined;
    tail = [(b[0] as number) * 256 + (b[1] as number), (b[2] as number) * 256 + (b[3] as number)];
    // "::1.2.3.4" keeps its "::"; "x:1.2.3.4" drops the colon that only separated the tail
    const withColon = text.slice(0, at + 1);
    head = withColon.endsWith('::') ? withColon : withColon.slice(0, -1);
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const left = groups(halves[0] as string);
  const right = halves.length === 2 ? groups(halves[1] as string) : [];
  if (!left || !right) return undefined;
  const have = left.length + right.length + tail.length;
  if (halves.length === 2) {
    if (have > 7) return undefined;
    return [...left, ...new Array<number>(8 - have).fill(0), ...right, ...tail];
  }
  return have === 8 ? [...left, ...tail] : undefined;
}

/** inet_ntop as glibc prints IPv6: longest run (>= 2) of zero groups compressed, IPv4-mapped/compatible dotted. */
export function formatIPv6Groups(g: readonly number[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestStart = -1;
  const dotted =
    bestStart === 0 && (bestLen === 6 || (bestLen === 7 && g[7] !== 1) || (bestLen === 5 && g[5] === 0xffff));
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (bestStart >= 0 && i >= bestStart && i < bestStart + bestLen) {
      if (i === bestStart) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    if (dotted && i === 6) {
      const a = g[6] as number;
      const b = g[7] as number;
      out += `${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`;
      break;
    }
    out += (g[i] as number).toString(16);
  }
  if (bestStart >= 0 && bestStart + bestLen === 8) out += ':';
  return out;
}

/** virSocketAddrGetNumNetmaskBits: the prefix length of a contiguous mask, undefined when not contiguous. */
export function maskBits(bytes: readonly number[]): number | undefined {
  let n = 0;
  let zero = false;
  for (const b of bytes) {
    for (let bit = 7; bit >= 0; bit--) {
      if ((b >> bit) & 1) {
        if (zero) return undefined;
        n++;
      } else zero = true;
    }
  }
  return n;
}

export function ipv4Bytes(v: number): number[] {
  return [24, 16, 8, 0].map((s) => Math.floor(v / 2 ** s) % 256);
}

export function ipv6Bytes(groups: readonly number[]): number[] {
  return groups.flatMap((x) => [x >> 8, x & 255]);
}
