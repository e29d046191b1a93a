// Dynamic leases, static reservations and the gateway, merged by MAC.
import { useEffect, useState } from 'preact/hooks';
import type { NetDetails } from '../data';

interface LeaseRow {
  ip: string;
  mac: string;
  hostname?: string;
  clientid?: string;
  guest?: string;
  /** Seconds since epoch; 0 infinite; undefined: not a lease. */
  expiry?: number;
  type: 'dynamic' | 'static' | 'gateway';
}

function remaining(expiry: number | undefined, now: number): string {
  if (expiry === undefined) return '—';
  if (expiry === 0) return 'never';
  const s = Math.max(0, Math.round(expiry - now / 1000));
  if (s === 0) return 'expired';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}h ${String(m).padStart(2, '0')}m` : `${m}m ${String(sec).padStart(2, '0')}s`;
}

export function leaseRows(d: NetDetails): LeaseRow[] {
  const guestByMac = new Map(d.ports.map((p) => [p.mac.toLowerCase(), p.owner.name]));
  const rows = new Map<string, LeaseRow>();
  const key = (mac: string, ip: string) => `${mac}|${ip}`;
  for (const ip of d.xml?.ips ?? []) {
    if (d.xml?.mac || ip.address) {
      const mac = d.xml?.mac ?? '';
      rows.set(key(mac, ip.address), { ip: ip.address, mac, type: 'gateway', hostname: d.info.bridge });
    }
    for (const h of ip.hosts) {
      const mac = h.mac ?? '';
      const r: LeaseRow = { ip: h.ip, mac, type: 'static' };
      if (h.name) r.hostname = h.name;
      rows.set(key(mac, h.ip), r);
    }
  }
  for (const l of d.leases) {
    const mac = l.mac.toLowerCase();
    const existing = rows.get(key(mac, l.ipaddr));
    const r: LeaseRow = existing ?? { ip: l.ipaddr, mac, type: 'dynamic' };
    r.expiry = l.expiryTime;
    if (l.hostname) r.hostname = l.hostname;
    if (l.clientid) r.clientid = l.clientid;
    rows.set(key(mac, l.ipaddr), r);
  }
  for (const r of rows.values()) {
    const g = guestByMac.get(r.mac);
    if (g) r.guest = g;
  }
  const order = { gateway: 0, static: 1, dynamic: 2 };
  return [...rows.values()].sort(
    (a, b) => order[a.type] - order[b.type] || a.ip.localeCompare(b.ip, undefined, { numeric: true }),
  );
}

export function LeasesTab({ d }: { d: NetDetails }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    // A local clock for the countdown; data itself only changes on server events.
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const rows = leaseRows(d);
  if (rows.length === 0) return <p class="muted">No leases, reservations or addresses.</p>;
  return (
    <div class="table-wrap">
      <table data-testid="leases">
        <thead>
          <tr>
            <th scope="col">IP</th>
            <th scope="col">MAC</th>
            <th scope="col">Hostname</th>
            <th scope="col">Client ID</th>
            <th scope="col">Guest</th>
            <th scope="col">Expires in</th>
            <th scope="col">Type</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.mac + r.ip} data-testid={`lease-row-${r.mac}`}>
              <td data-label="IP">
                <code>{r.ip}</code>
              </td>
              <td data-label="MAC">
                <code>{r.mac || '—'}</code>
              </td>
              <td data-label="Hostname">{r.hostname ?? '—'}</td>
              <td data-label="Client ID">{r.clientid ? <code>{r.clientid}</code> : '—'}</td>
              <td data-label="Guest">{r.guest ?? '—'}</td>
              <td data-label="Expires in">{remaining(r.expiry, now)}</td>
              <td data-label="Type">
                <span class={`badge ${r.type}`}>{r.type}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
