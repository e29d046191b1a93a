// virsh 9.0's text formats: vsh-table tables, net-info, lease rows. Pure.

import type { Lease, NetworkInfo } from '../api/types.js';

/** A table as vsh-table.c prints it: leading space, columns padded and separated by 3 spaces, dashes, rows. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    ` ${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('   ')}`.trimEnd();
  const dashes = '-'.repeat(widths.reduce((a, w) => a + w + 3, 0));
  return `${[line(header), dashes, ...rows.map(line)].join('\n')}\n`;
}

const yesNo = (b: boolean) => (b ? 'yes' : 'no');

export function formatNetList(nets: NetworkInfo[]): string {
  return formatTable(
    ['Name', 'State', 'Autostart', 'Persistent'],
    nets.map((n) => [n.name, n.active ? 'active' : 'inactive', yesNo(n.autostart), yesNo(n.persistent)]),
  );
}

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

export function formatLeases(leases: Lease[]): string {
  return formatTable(
    ['Expiry Time', 'MAC address', 'Protocol', 'IP address', 'Hostname', 'Client ID or DUID'],
    leases.map((l) => [
      l.expiryTime === 0 ? 'Infinite' : localTimestamp(l.expiryTime),
      l.mac || '-',
      l.protocol,
      `${l.ipaddr}/${l.prefix}`,
      l.hostname || '-',
      l.clientid || '-',
    ]),
  );
}
