// The DNS tab's host records: the list (Remove deletes exactly that record, named by its address), an add form
// with a guest picker that merges names into an address's record and warns about names that resolve elsewhere,
// and the names DHCP makes resolvable (reservations and leases), read-only.
import { useMemo, useState } from 'preact/hooks';
import { parseNetworkXml } from '../../../src/model/network-parse';
import type { NetUpdate } from '../api';
import type { NetDetails } from '../data';
import { canonicalIp, dhcpNames, planHostAdd } from '../dns-hosts';
import { choiceLabel, guestChoices } from '../guest-choices';
import '../style-forms.css';

const LABEL_RE = /^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9])?$/;

const escXml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;');
const hostXml = (ip: string, names: string[]) =>
  `<host ip='${escXml(ip)}'>${names.map((n) => `<hostname>${escXml(n)}</hostname>`).join('')}</host>`;

export interface DnsHostsProps {
  d: NetDetails;
  busy: boolean;
  run: (what: string, u: NetUpdate) => Promise<boolean>;
  setError: (e: string | undefined) => void;
  /** Where host records change: the running network and the saved definition. */
  where: { live?: boolean; config?: boolean };
}

export function DnsHosts({ d, busy, run, setError, where }: DnsHostsProps) {
  const [hostIp, setHostIp] = useState('');
  const [hostNames, setHostNames] = useState('');
  const def = useMemo(() => {
    try {
      return d.xmlText ? parseNetworkXml(d.xmlText) : undefined;
    } catch {
      return undefined;
    }
  }, [d.xmlText]);
  const hosts = def?.dns?.hosts ?? [];
  // dnsmasq gives a lease the name of a host record at its address: that name is the record's, not DHCP's
  const dhcp = dhcpNames(def, d.leases).filter(
    (n) => !(n.source === 'lease' && hosts.some((h) => h.ip === n.ip && h.hostnames.includes(n.name))),
  );
  const guests = guestChoices({ ...(def ? { def } : {}), ports: d.ports, leases: d.leases });
  const domain = def?.domain?.name;

  const ip = canonicalIp(hostIp);
  const names = hostNames.split(/[\s,]+/).filter(Boolean);
  const addPlan = ip && names.length ? planHostAdd(hosts, dhcp, ip, names) : undefined;

  const addHost = async (e: Event) => {
    e.preventDefault();
    if (!ip) {
      setError('Enter the IP address the names resolve to.');
      return;
    }
    if (names.length === 0 || !names.every((n) => LABEL_RE.test(n))) {
      setError('Enter one or more host names (letters, digits, "-" and "."), separated by spaces.');
      return;
    }
    const p = planHostAdd(hosts, dhcp, ip, names);
    const done = p.merge
      ? await run(`Added ${names.join(', ')} to the record of ${ip}.`, {
          command: 'modify',
          section: 'dns-host',
          xml: hostXml(ip, p.names),
          ...where,
        })
      : await run(`Added ${names.join(', ')} → ${ip}.`, {
          command: 'add-last',
          section: 'dns-host',
          xml: hostXml(ip, names),
          ...where,
        });
    if (done) {
      setHostIp('');
      setHostNames('');
    }
  };

  const pickGuest = (v: string) => {
    const g = guests.find((x) => x.ip === v);
    if (!g) return;
    setHostIp(g.ip);
    if (!hostNames.trim() && LABEL_RE.test(g.name)) setHostNames(g.name);
  };

  return (
    <>
      <h2>Hosts</h2>
      {hosts.length > 0 ? (
        <div class="table-wrap">
          <table data-testid="dns-hosts" class="phone-cards">
            <thead>
              <tr>
                <th scope="col">IP</th>
                <th scope="col">Names</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {hosts.map((h) => (
                <tr key={h.ip} data-testid={`dns-host-row-${h.ip}`}>
                  <td data-label="IP">
                    <code>{h.ip}</code>
                  </td>
                  <td data-label="Names">{h.hostnames.join(', ')}</td>
                  <td data-label="">
                    <button
                      type="button"
                      class="danger"
                      disabled={busy}
                      aria-label={`Remove the DNS host ${h.ip}`}
                      data-testid={`dns-host-remove-${h.ip}`}
                      onClick={() =>
                        // by its address alone: a name shared with another record must not match that one too
                        void run(`Removed the record of ${h.ip} (${h.hostnames.join(', ')}).`, {
                          command: 'delete',
                          section: 'dns-host',
                          xml: `<host ip='${escXml(h.ip)}'/>`,
                          ...where,
                        })
                      }
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p class="muted">No host records.</p>
      )}
      <form
        class="inline-form"
        onSubmit={addHost}
        aria-label="Add a DNS host"
        data-testid="dns-host-add-form"
      >
        <h3>Add a host</h3>
        {guests.length > 0 && (
          <label>
            Guest
            <select
              value={guests.find((g) => g.ip === ip)?.ip ?? ''}
              data-testid="dns-host-guest"
              onChange={(e) => pickGuest(e.currentTarget.value)}
            >
              <option value="">Another address…</option>
              {guests.map((g) => (
                <option key={g.ip} value={g.ip}>
                  {choiceLabel(g)}
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          IP address
          <input
            value={hostIp}
            spellcheck={false}
            data-testid="dns-host-ip"
            onInput={(e) => setHostIp(e.currentTarget.value)}
          />
        </label>
        <label>
          Names
          <input
            value={hostNames}
            spellcheck={false}
            placeholder="db db.lab"
            data-testid="dns-host-names"
            onInput={(e) => setHostNames(e.currentTarget.value)}
          />
        </label>
        <button type="submit" class="primary" disabled={busy} data-testid="dns-host-add">
          {addPlan?.merge ? 'Add to its record' : 'Add'}
        </button>
      </form>
      {addPlan?.merge && (
        <p class="muted" data-testid="dns-host-merge">
          {ip} has a record already ({addPlan.merge.hostnames.join(', ')}): the names are merged into it.
        </p>
      )}
      {addPlan && addPlan.clashes.length > 0 && (
        <ul class="field-warn" data-testid="dns-host-clash">
          {addPlan.clashes.map((c) => (
            <li key={c}>{c}: dnsmasq would answer with both addresses.</li>
          ))}
        </ul>
      )}
      <p class="muted">Host records apply at once{d.info.persistent ? ' and are saved' : ''}.</p>

      <h3>Names from DHCP</h3>
      {dhcp.length > 0 ? (
        <div class="table-wrap">
          <table data-testid="dns-dhcp-names" class="phone-cards">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">IP</th>
                <th scope="col">From</th>
              </tr>
            </thead>
            <tbody>
              {dhcp.map((n) => (
                <tr key={n.name} data-testid={`dns-dhcp-row-${n.name}`}>
                  <td data-label="Name">
                    <code>{n.name}</code>
                    {domain ? <span class="muted"> and {`${n.name}.${domain}`}</span> : null}
                  </td>
                  <td data-label="IP">
                    <code>{n.ip}</code>
                  </td>
                  <td data-label="From">
                    {n.source === 'lease' ? 'the guest’s lease' : 'a DHCP reservation'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p class="muted">
          No names from DHCP (reservations with a name, or guests that send one, appear here).
        </p>
      )}
    </>
  );
}
