// DNS: host records (net-update dns-host, live), TXT and SRV records (saved definition only: they apply at
// the next start), forwarders and the domain (shown; edited in the XML).

import { useState } from 'preact/hooks';
import { api, type NetUpdate } from '../api';
import type { NetDetails } from '../data';
import { Link, networkHref } from '../router';
import { useAction } from '../useAction';
import { type DnsSrv, esc } from '../xml';
import { DnsHosts } from './DnsHosts';
import { TextField } from './TextField';

const LABEL_RE = /^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9])?$/;

function srvXml(s: DnsSrv): string {
  const a = [`service='${esc(s.service)}'`, `protocol='${esc(s.protocol)}'`];
  for (const k of ['domain', 'target', 'port', 'priority', 'weight'] as const)
    if (s[k]) a.push(`${k}='${esc(s[k])}'`);
  return `<srv ${a.join(' ')}/>`;
}

const srvKey = (s: DnsSrv) =>
  `${s.service}.${s.protocol}.${s.domain ?? ''}.${s.target ?? ''}.${s.port ?? ''}`;

export function DnsTab({ d, onChanged }: { d: NetDetails; onChanged: () => Promise<void> }) {
  const live = d.xml?.dns;
  // TXT and SRV records are changed in the saved definition; show that one when there is one.
  const saved = d.savedXml?.dns ?? live;
  const { busy, error, ok, setError, run: act } = useAction(onChanged);
  const [txtName, setTxtName] = useState('');
  const [txtValue, setTxtValue] = useState('');
  const [srv, setSrv] = useState<DnsSrv>({ service: '', protocol: 'tcp' });
  const xmlHref = networkHref(d.info.name, 'xml');
  const liveToo = { live: d.info.active, config: d.info.persistent };
  const configOnly = d.info.persistent ? { config: true } : { live: true };

  const run = (what: string, u: NetUpdate) => act(what, () => api.update(d.info.name, u));

  const addTxt = async (e: Event) => {
    e.preventDefault();
    if (!LABEL_RE.test(txtName.trim())) {
      setError('Enter the TXT record name, e.g. example.');
      return;
    }
    const done = await run(`Added the TXT record ${txtName.trim()}; it applies at the next start.`, {
      command: 'add-last',
      section: 'dns-txt',
      xml: `<txt name='${esc(txtName.trim())}' value='${esc(txtValue)}'/>`,
      ...configOnly,
    });
    if (done) {
      setTxtName('');
      setTxtValue('');
    }
  };

  const addSrv = async (e: Event) => {
    e.preventDefault();
    if (!/^[A-Za-z0-9_-]{1,15}$/.test(srv.service.trim())) {
      setError('Enter the SRV service name, e.g. ldap.');
      return;
    }
    for (const k of ['port', 'priority', 'weight'] as const) {
      const v = srv[k]?.trim();
      if (v && !/^\d{1,5}$/.test(v)) {
        setError(`The SRV ${k} must be a number.`);
        return;
      }
    }
    const clean: DnsSrv = { service: srv.service.trim(), protocol: srv.protocol };
    for (const k of ['domain', 'target', 'port', 'priority', 'weight'] as const) {
      const v = srv[k]?.trim();
      if (v) clean[k] = v;
    }
    const done = await run(
      `Added the SRV record _${clean.service}._${clean.protocol}; it applies at the next start.`,
      {
        command: 'add-last',
        section: 'dns-srv',
        xml: srvXml(clean),
        ...configOnly,
      },
    );
    if (done) setSrv({ service: '', protocol: 'tcp' });
  };

  const srvField = (k: 'domain' | 'target' | 'port' | 'priority' | 'weight', label: string) => (
    <label>
      {label}
      <input
        value={srv[k] ?? ''}
        data-testid={`dns-srv-${k}`}
        onInput={(e) => {
          const v = e.currentTarget.value;
          setSrv((s) => ({ ...s, [k]: v }));
        }}
      />
    </label>
  );

  if (d.info.mode === 'bridge' || d.info.mode === 'hostdev' || d.info.mode === 'passthrough')
    return <p class="muted">This network has no DNS server of its own: guests use the LAN's.</p>;

  return (
    <div data-testid="dns">
      <dl class="props">
        <dt>DNS server</dt>
        <dd>{live?.enable === 'no' ? 'off' : 'dnsmasq on the bridge addresses'}</dd>
        <dt>Domain</dt>
        <dd data-testid="dns-domain">{d.xml?.domain ?? <span class="muted">none</span>}</dd>
        <dt>Forwarders</dt>
        <dd data-testid="dns-forwarders">
          {live && live.forwarders.length > 0 ? (
            live.forwarders.map((f) => (
              <div key={`${f.domain}@${f.addr}`}>
                {f.domain ? (
                  <>
                    <code>{f.domain}</code> →{' '}
                  </>
                ) : null}
                {f.addr ? <code>{f.addr}</code> : <span class="muted">answered locally</span>}
              </div>
            ))
          ) : (
            <span class="muted">the host's resolvers</span>
          )}
        </dd>
      </dl>
      <p class="muted">
        The domain and the forwarders are changed in the definition: <Link href={xmlHref}>edit the XML</Link>.
      </p>

      <div role="alert" data-testid="dns-error">
        {error && <p class="error">{error}</p>}
      </div>
      <div role="status" data-testid="dns-ok">
        {ok && <p class="ok">{ok}</p>}
      </div>

      <DnsHosts d={d} busy={busy} run={run} setError={setError} where={liveToo} />

      <h2>TXT records</h2>
      <p class="muted" data-testid="dns-restart-note">
        TXT and SRV records are saved in the definition and apply when the network is next started.
      </p>
      {saved && saved.txts.length > 0 ? (
        <div class="table-wrap">
          <table data-testid="dns-txts">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Value</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {saved.txts.map((t) => (
                <tr key={t.name + t.value} data-testid={`dns-txt-row-${t.name}`}>
                  <td data-label="Name">
                    <code>{t.name}</code>
                    {live && !live.txts.some((l) => l.name === t.name && l.value === t.value) && (
                      <span class="muted"> (at next start)</span>
                    )}
                  </td>
                  <td data-label="Value">{t.value}</td>
                  <td>
                    <button
                      type="button"
                      class="danger"
                      disabled={busy}
                      aria-label={`Remove the TXT record ${t.name}`}
                      data-testid={`dns-txt-remove-${t.name}`}
                      onClick={() =>
                        void run(`Removed the TXT record ${t.name}; it applies at the next start.`, {
                          command: 'delete',
                          section: 'dns-txt',
                          xml: `<txt name='${esc(t.name)}' value='${esc(t.value)}'/>`,
                          ...configOnly,
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
        <p class="muted">No TXT records.</p>
      )}
      <form class="inline-form" onSubmit={addTxt} aria-label="Add a TXT record">
        <h3>Add a TXT record</h3>
        <TextField label="Name" value={txtName} testid="dns-txt-name" onValue={setTxtName} />
        <TextField label="Value" value={txtValue} testid="dns-txt-value" onValue={setTxtValue} />
        <button type="submit" class="primary" disabled={busy} data-testid="dns-txt-add">
          Add
        </button>
      </form>

      <h2>SRV records</h2>
      {saved && saved.srvs.length > 0 ? (
        <div class="table-wrap">
          <table data-testid="dns-srvs">
            <thead>
              <tr>
                <th scope="col">Service</th>
                <th scope="col">Target</th>
                <th scope="col">Priority / weight</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {saved.srvs.map((s) => (
                <tr key={srvKey(s)} data-testid={`dns-srv-row-${s.service}`}>
                  <td data-label="Service">
                    <code>
                      _{s.service}._{s.protocol}
                      {s.domain ? `.${s.domain}` : ''}
                    </code>
                  </td>
                  <td data-label="Target">
                    {s.target ? (
                      <code>
                        {s.target}
                        {s.port ? `:${s.port}` : ''}
                      </code>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td data-label="Priority / weight">
                    {s.priority ?? '—'} / {s.weight ?? '—'}
                  </td>
                  <td>
                    <button
                      type="button"
                      class="danger"
                      disabled={busy}
                      aria-label={`Remove the SRV record ${s.service}`}
                      data-testid={`dns-srv-remove-${s.service}`}
                      onClick={() =>
                        void run(`Removed the SRV record _${s.service}; it applies at the next start.`, {
                          command: 'delete',
                          section: 'dns-srv',
                          xml: srvXml(s),
                          ...configOnly,
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
        <p class="muted">No SRV records.</p>
      )}
      <form class="inline-form" onSubmit={addSrv} aria-label="Add an SRV record">
        <h3>Add an SRV record</h3>
        <label>
          Service
          <input
            value={srv.service}
            placeholder="ldap"
            data-testid="dns-srv-service"
            onInput={(e) => {
              const v = e.currentTarget.value;
              setSrv((s) => ({ ...s, service: v }));
            }}
          />
        </label>
        <label>
          Protocol
          <select
            value={srv.protocol}
            data-testid="dns-srv-protocol"
            onChange={(e) => {
              const v = e.currentTarget.value;
              setSrv((s) => ({ ...s, protocol: v }));
            }}
          >
            <option value="tcp">tcp</option>
            <option value="udp">udp</option>
          </select>
        </label>
        {srvField('domain', 'Domain')}
        {srvField('target', 'Target')}
        {srvField('port', 'Port')}
        {srvField('priority', 'Priority')}
        {srvField('weight', 'Weight')}
        <button type="submit" class="primary" disabled={busy} data-testid="dns-srv-add">
          Add
        </button>
      </form>
    </div>
  );
}
