// Dynamic leases, static reservations and the gateway, merged by MAC; reserve, add and remove reservations
// (libvirt's net-update ip-dhcp-host: live, so dnsmasq re-reads its hosts file and keeps the leases).

import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import type { NetDetails } from '../data';
import { parseIp4, parseIp6 } from '../net';
import { useAction } from '../useAction';
import { esc, type IpBlock } from '../xml';
import { TextField } from './TextField';

interface LeaseRow {
  ip: string;
  mac: string;
  hostname?: string;
  clientid?: string;
  /** IPv6 reservations: the DUID. */
  id?: string;
  guest?: string;
  /** Seconds since epoch; 0 infinite; undefined: not a lease. */
  expiry?: number;
  type: 'dynamic' | 'static' | 'gateway';
  family: 'ipv4' | 'ipv6';
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
      rows.set(key(mac, ip.address), {
        ip: ip.address,
        mac,
        type: 'gateway',
        family: ip.family,
        ...(d.info.bridge ? { hostname: d.info.bridge } : {}),
      });
    }
    for (const h of ip.hosts) {
      const mac = h.mac ?? '';
      const r: LeaseRow = { ip: h.ip, mac, type: 'static', family: ip.family };
      if (h.name) r.hostname = h.name;
      if (h.id) r.id = h.id;
      rows.set(key(mac, h.ip), r);
    }
  }
  for (const l of d.leases) {
    const mac = l.mac.toLowerCase();
    const existing = rows.get(key(mac, l.ipaddr));
    const r: LeaseRow = existing ?? { ip: l.ipaddr, mac, type: 'dynamic', family: l.protocol };
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

/** The index of the <ip> element whose family the address has (net-update's parentIndex). */
function parentIndexFor(ips: IpBlock[], family: 'ipv4' | 'ipv6'): number | undefined {
  const i = ips.findIndex((ip) => ip.family === family && (ip.ranges.length > 0 || ip.hosts.length > 0));
  const j = i >= 0 ? i : ips.findIndex((ip) => ip.family === family);
  return j >= 0 ? j : undefined;
}

function hostXml(h: { mac?: string; id?: string; ip: string; name?: string }): string {
  const a = [
    h.mac ? `mac='${esc(h.mac)}'` : '',
    h.id ? `id='${esc(h.id)}'` : '',
    h.name ? `name='${esc(h.name)}'` : '',
    `ip='${esc(h.ip)}'`,
  ].filter(Boolean);
  return `<host ${a.join(' ')}/>`;
}

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
const NAME_RE = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/;

export function LeasesTab({ d, onChanged }: { d: NetDetails; onChanged: () => Promise<void> }) {
  const [now, setNow] = useState(() => Date.now());
  const { busy, error, ok, setError, setOk, run } = useAction(onChanged);
  const [family, setFamily] = useState<'ipv4' | 'ipv6'>('ipv4');
  const [nic, setNic] = useState('');
  const [otherMac, setOtherMac] = useState('');
  const [duid, setDuid] = useState('');
  const [ip, setIp] = useState('');
  const [hostname, setHostname] = useState('');
  useEffect(() => {
    // A local clock for the countdown; data itself only changes on server events.
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const rows = leaseRows(d);
  const ips = d.xml?.ips ?? [];
  const families = [...new Set(ips.map((i) => i.family))];
  const where = { live: d.info.active, config: d.info.persistent };

  const update = (command: 'add' | 'delete', fam: 'ipv4' | 'ipv6', xml: string) => {
    const parentIndex = parentIndexFor(ips, fam);
    return api.update(d.info.name, {
      command,
      section: 'ip-dhcp-host',
      xml,
      ...(parentIndex !== undefined ? { parentIndex } : {}),
      ...where,
    });
  };

  const reserve = (r: LeaseRow) => {
    const h: { mac?: string; id?: string; ip: string; name?: string } = { ip: r.ip };
    if (r.family === 'ipv6') h.id = r.clientid ?? '';
    else h.mac = r.mac;
    if (r.hostname && NAME_RE.test(r.hostname)) h.name = r.hostname;
    void run(`Reserved ${r.ip} for ${r.mac || r.clientid}.`, () => update('add', r.family, hostXml(h)));
  };

  const unreserve = (r: LeaseRow) => {
    const h: { mac?: string; id?: string; ip: string; name?: string } = { ip: r.ip };
    if (r.mac) h.mac = r.mac;
    if (r.id) h.id = r.id;
    if (r.hostname) h.name = r.hostname;
    void run(`Removed the reservation of ${r.ip}.`, () => update('delete', r.family, hostXml(h)));
  };

  const mac = nic === 'other' ? otherMac.trim() : nic;
  const add = async (e: Event) => {
    e.preventDefault();
    setOk(undefined);
    const addr = ip.trim();
    const name = hostname.trim();
    const problems: string[] = [];
    if (family === 'ipv4') {
      if (!MAC_RE.test(mac)) problems.push('Pick a guest NIC or enter a MAC address like 52:54:00:12:34:56.');
      if (parseIp4(addr) === undefined) problems.push('Enter the IPv4 address to reserve.');
    } else {
      if (!duid.trim() && !name) problems.push('Enter the client DUID or a name.');
      if (parseIp6(addr) === undefined) problems.push('Enter the IPv6 address to reserve.');
    }
    if (name && !NAME_RE.test(name)) problems.push('The name may use letters, digits and "-".');
    if (problems.length) {
      setError(problems.join(' '));
      return;
    }
    const h: { mac?: string; id?: string; ip: string; name?: string } = { ip: addr };
    if (family === 'ipv4') h.mac = mac.toLowerCase();
    else if (duid.trim()) h.id = duid.trim();
    if (name) h.name = name;
    if (await run(`Reserved ${addr}.`, () => update('add', family, hostXml(h)))) {
      setIp('');
      setHostname('');
      setDuid('');
    }
  };

  return (
    <div>
      {rows.length === 0 ? (
        <p class="muted">No leases, reservations or addresses.</p>
      ) : (
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
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.mac + r.ip} data-testid={`lease-row-${r.mac}`}>
                  <td data-label="IP">
                    <code>{r.ip}</code>
                  </td>
                  <td data-label="MAC">
                    <code>{r.mac || r.id || '—'}</code>
                  </td>
                  <td data-label="Hostname">{r.hostname ?? '—'}</td>
                  <td data-label="Client ID">{r.clientid ? <code>{r.clientid}</code> : '—'}</td>
                  <td data-label="Guest">{r.guest ?? '—'}</td>
                  <td data-label="Expires in">{remaining(r.expiry, now)}</td>
                  <td data-label="Type">
                    <span class={`badge ${r.type}`}>
                      {r.type === 'static' && r.expiry !== undefined ? 'static (reserved)' : r.type}
                    </span>
                  </td>
                  <td>
                    {r.type === 'dynamic' && (r.family === 'ipv4' ? r.mac : r.clientid) && (
                      <button
                        type="button"
                        disabled={busy}
                        aria-label={`Reserve ${r.ip} for ${r.mac || r.clientid}`}
                        data-testid={`reserve-${r.mac}`}
                        onClick={() => reserve(r)}
                      >
                        Reserve
                      </button>
                    )}
                    {r.type === 'static' && (
                      <button
                        type="button"
                        class="danger"
                        disabled={busy}
                        aria-label={`Remove the reservation of ${r.ip}`}
                        data-testid={`unreserve-${r.mac || r.id}`}
                        onClick={() => unreserve(r)}
                      >
                        Remove
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div role="alert" data-testid="lease-error">
        {error && <p class="error">{error}</p>}
      </div>
      <div role="status" data-testid="lease-ok">
        {ok && <p class="ok">{ok}</p>}
      </div>
      {ips.length > 0 && (
        <form
          class="inline-form"
          onSubmit={add}
          aria-label="Add a DHCP reservation"
          data-testid="reservation-add"
        >
          <h3>Add a reservation</h3>
          {families.length > 1 && (
            <label>
              Family
              <select
                value={family}
                data-testid="res-family"
                onChange={(e) => setFamily(e.currentTarget.value as 'ipv4' | 'ipv6')}
              >
                <option value="ipv4">IPv4</option>
                <option value="ipv6">IPv6</option>
              </select>
            </label>
          )}
          {family === 'ipv4' ? (
            <>
              <label>
                Guest NIC
                <select value={nic} data-testid="res-mac" onChange={(e) => setNic(e.currentTarget.value)}>
                  <option value="">Choose…</option>
                  {d.ports.map((p) => (
                    <option key={p.uuid} value={p.mac.toLowerCase()}>
                      {p.owner.name} — {p.mac}
                    </option>
                  ))}
                  <option value="other">Another MAC…</option>
                </select>
              </label>
              {nic === 'other' && (
                <label>
                  MAC address
                  <input
                    value={otherMac}
                    spellcheck={false}
                    placeholder="52:54:00:12:34:56"
                    data-testid="res-mac-other"
                    onInput={(e) => setOtherMac(e.currentTarget.value)}
                  />
                </label>
              )}
            </>
          ) : (
            <label>
              Client DUID
              <input
                value={duid}
                spellcheck={false}
                placeholder="00:01:00:01:…"
                data-testid="res-id"
                onInput={(e) => setDuid(e.currentTarget.value)}
              />
            </label>
          )}
          <label>
            IP address
            <input
              value={ip}
              spellcheck={false}
              placeholder={family === 'ipv4' ? ips.find((i) => i.family === 'ipv4')?.address : 'fd00::10'}
              data-testid="res-ip"
              onInput={(e) => setIp(e.currentTarget.value)}
            />
          </label>
          <TextField label="Name (optional)" value={hostname} testid="res-name" onValue={setHostname} />
          <button type="submit" class="primary" disabled={busy} data-testid="res-submit">
            Reserve
          </button>
        </form>
      )}
      <p class="muted">
        Reservations change the running network {d.info.persistent ? 'and its saved definition' : ''}; current
        leases are kept.
      </p>
    </div>
  );
}
