// UUIDs as libvirt accepts them: 32 hex digits, optionally with dashes anywhere, printed in canonical form.

/** Canonical lower-case 8-4-4-4-12 form, or undefined when the text is not a UUID. */
export function normalizeUuid(text: string): string | undefined {
  const hex = text.trim().replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return undefined;
  const h = hex.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A random (version 4) UUID from 16 random bytes. */
export function uuidFromRandom(bytes: Uint8Array): string {
  const b = Array.from(bytes.slice(0, 16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = b.map((x) => x.toString(16).padStart(2, '0')).join('');
  return normalizeUuid(hex) as string;
}

export function looksLikeUuid(text: string): boolean {
  return normalizeUuid(text) !== undefined;
}
