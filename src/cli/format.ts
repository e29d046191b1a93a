// virsh 9.0's text formats: vsh-table tables, net-info, lease rows. Pure.

import type { ChangePlan, Lease, NetworkInfo } from '../api/types.js';

/**
 * A table as vsh-table.c prints it: leading space, columns padded and separated by 3 spaces, dashes, rows.
 * `quiet` (virsh -q) drops header and dashes, and widths then come from the rows only.
 */
export function formatTable(header: string[], rows: string[][], quiet = false): string {
  const widths = header.map((h, i) =>
    Math.max(quiet ? 0 : h.length, ...rows.map((r) => (r[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    ` ${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('   ')}`.trimEnd();
  const dashes = '-'.repeat(widths.reduce((a, w) => a + w + 3, 0));
  const lines = quiet ? rows.map(line) : [line(header), dashes, ...rows.map(line)];
  return lines.length ? `${lines.join('\n')}\n` : '';
}

const yesNo = (b: boolean) => (b ? 'yes' : 'no');

/** strcasecmp-like ordering (virsh's vshStrcasecmp). */
export function caseCmp(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/** `virsh net-list` table; rows sorted by name, case-insensitively, as virsh does. */
export function formatNetList(nets: NetworkInfo[], quiet = false): string {
  const sorted = [...nets].sort((a, b) => caseCmp(a.name, b.name));
  return formatTable(
    ['Name', 'State', 'Autostart', 'Persistent'],
    sorted.map((n) => [n.name, n.active ? 'active' : 'inactive', yesNo(n.autostart), yesNo(n.persistent)]),
    quiet,
  );
}

/** `virsh net-info`: `%-15s %s` label/value lines, Bridge only when there is one. */
export function formatNetInfo(n: NetworkInfo): string {
  const rows: Array<[string, string]> = [
    ['Name:', n.name],
    ['UUID:', n.uuid],
    ['Active:', yesNo(n.active)],
    ['Persistent:', yesNo(n.persistent)],
    ['Autostart:', yesNo(n.autostart)],
  ];
  if (n.bridge) rows.push(['Bridge:', n.bridge]);
  return rows.map(([k, v]) => `${k.padEnd(15)} ${v}\n`).join('');
}

/** Local time as YYYY-MM-DD HH:MM:SS, as virsh prints lease expiry. */
export function localTimestamp(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** virTimeStringNowRaw (net-event --timestamp): UTC `YYYY-MM-DD HH:MM:SS.mmm+0000`. */
export function rawTimestamp(d: Date): string {
  return `${d.toISOString().replace('T', ' ').replace('Z', '')}+0000`;
}

/** `virsh net-dhcp-leases` table; rows sorted by MAC, case-insensitively, as virsh does. */
export function formatLeases(leases: Lease[], quiet = false): string {
  const sorted = [...leases].sort((a, b) => caseCmp(a.mac, b.mac));
  return formatTable(
    ['Expiry Time', 'MAC address', 'Protocol', 'IP address', 'Hostname', 'Client ID or DUID'],
    sorted.map((l) => [
      localTimestamp(l.expiryTime),
      l.mac || '-',
      l.protocol,
      `${l.ipaddr}/${l.prefix}`,
      l.hostname || '-',
      l.clientid || '-',
    ]),
    quiet,
  );
}

/** A plan as a person reads it: its steps in the order they run (or commands, nft transaction, files). */
export function formatChangePlan(p: ChangePlan): string {
  const out: string[] = (p.warnings ?? []).map((w) => `# warning: ${w}`);
  if (p.steps) {
    for (const s of p.steps) out.push(`# ${s.title}`, ...s.commands);
    return out.length ? `${out.join('\n')}\n` : 'nothing to change on the host\n';
  }
  for (const c of p.commands) out.push(c);
  if (p.nft.trim()) out.push('nft -f - <<EOF', p.nft.trimEnd(), 'EOF');
  for (const f of p.files) {
    if (f.content === undefined) out.push(`remove ${f.path}`);
    else out.push(`write ${f.path} <<EOF`, f.content.trimEnd(), 'EOF');
  }
  return out.length ? `${out.join('\n')}\n` : 'nothing to change on the host\n';
}
