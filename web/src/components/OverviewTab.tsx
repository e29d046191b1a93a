import { useEffect, useState } from 'preact/hooks';
import type { NetmodeReport } from '../../../src/model/netmode';
import { api, errorText } from '../api';
import type { NetDetails } from '../data';
import { definitionDrift } from '../definition-drift';
import { prefixToNetmask } from '../net';
import { Link, networkHref } from '../router';
import { modeLabel } from '../xml';
import { DiffView } from './DiffView';

export function OverviewTab({
  d,
  busy,
  onRestart,
  onRepair,
  onChanged,
}: {
  d: NetDetails;
  busy?: boolean;
  onRestart?: () => Promise<void> | void;
  onRepair?: () => Promise<void> | void;
  onChanged?: () => Promise<void> | void;
}) {
  const x = d.xml;
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string>();
  const drift =
    d.info.active && d.info.persistent && d.inactiveXmlText !== undefined && d.xmlText !== undefined
      ? definitionDrift(d.xmlText, d.inactiveXmlText, d.ports)
      : undefined;
  const saveLiveOnly = async () => {
    if (!drift) return;
    setSaving(true);
    setSaveError(undefined);
    try {
      for (const h of drift.liveOnly)
        await api.update(d.info.name, {
          command: 'add',
          section: 'ip-dhcp-host',
          xml: h.xml,
          parentIndex: h.ipIndex,
          live: false,
          config: true,
        });
      await onChanged?.();
    } catch (e) {
      setSaveError(errorText(e));
    } finally {
      setSaving(false);
    }
  };
  return (
    <div data-testid="overview">
      {drift && drift.liveOnly.length > 0 && (
        <div class="banner" role="status" data-testid="live-only">
          <p>
            <strong>Live only, lost at restart:</strong> these DHCP reservations exist in the running network
            but not in its saved definition.
          </p>
          <ul>
            {drift.liveOnly.map((h) => (
              <li key={h.xml}>
                <code>{h.xml}</code>
              </li>
            ))}
          </ul>
          <div class="actions">
            <button
              type="button"
              class="primary"
              disabled={saving || busy}
              data-testid="save-live-only"
              onClick={() => void saveLiveOnly()}
            >
              Save to the definition
            </button>
          </div>
          {saveError && (
            <p class="error" role="alert" data-testid="save-live-only-error">
              {saveError}
            </p>
          )}
        </div>
      )}
      {drift?.savedDiffers && (
        <div class="banner" role="status" data-testid="config-differs">
          <p>
            The saved definition differs from the running network; the changes apply at the next start.{' '}
            <Link href={networkHref(d.info.name, 'xml')}>Compare in the XML tab</Link>.
          </p>
          <DiffView
            from={drift.liveText}
            to={drift.savedText}
            fromLabel="running"
            toLabel="saved"
            testid="config-diff"
          />
          {onRestart && (
            <div class="actions">
              <button
                type="button"
                class="primary"
                disabled={busy}
                data-testid="restart-apply"
                onClick={() => void onRestart()}
              >
                Restart to apply
              </button>
              <span class="muted">
                Stops and starts the network: guests lose it for a few seconds and are plugged in again.
              </span>
            </div>
          )}
        </div>
      )}
      {drift && drift.portHosts.length > 0 && (
        <p class="muted" data-testid="port-reservations">
          {drift.portHosts.length === 1
            ? 'One reservation belongs'
            : `${drift.portHosts.length} reservations belong`}{' '}
          to a port ({[...new Set(drift.portHosts.map((h) => h.owner))].join(', ')}): made again with the port
          at every start, not saved in the definition.
        </p>
      )}
      {d.problems && d.problems.length > 0 && (
        <div class="banner bad" role="alert" data-testid="problems">
          <strong>The host differs from the definition:</strong>
          <ul>
            {d.problems.map((p) => (
              <li key={p.what + (p.expected ?? '')}>
                {p.what}
                {p.expected !== undefined && <> — expected {p.expected}</>}
                {p.actual !== undefined && <>, found {p.actual}</>}
              </li>
            ))}
          </ul>
          {onRepair && (
            <div class="actions">
              <button
                type="button"
                class="primary"
                disabled={busy}
                data-testid="repair"
                onClick={() => void onRepair()}
              >
                Repair
              </button>
              <span class="muted">Makes again what is missing or different; guests stay plugged in.</span>
            </div>
          )}
        </div>
      )}
      <dl class="props">
        <dt>State</dt>
        <dd>
          {d.info.active ? 'active' : 'inactive'}, {d.info.persistent ? 'persistent' : 'transient'}, autostart{' '}
          {d.info.autostart ? 'on' : 'off'}
        </dd>
        <dt>Forward mode</dt>
        <dd>
          {modeLabel(d.info.mode, x, d.info.bridge, d.info.uplink)} <span class="muted">({d.info.mode})</span>
        </dd>
        <dt>UUID</dt>
        <dd>
          <code>{d.info.uuid}</code>
        </dd>
        <dt>Bridge</dt>
        <dd>{d.info.bridge ?? x?.bridge ?? '—'}</dd>
        <dt>MAC</dt>
        <dd>{x?.mac ? <code>{x.mac}</code> : '—'}</dd>
        <dt>MTU</dt>
        <dd>{x?.mtu ?? 'default'}</dd>
        <dt>STP</dt>
        <dd>
          {x?.stp ?? '—'}
          {x?.delay !== undefined && <span class="muted"> (delay {x.delay})</span>}
        </dd>
        {x?.domain && (
          <>
            <dt>DNS domain</dt>
            <dd>{x.domain}</dd>
          </>
        )}
      </dl>
      {d.info.active && (
        <HostEvidence
          name={d.info.name}
          version={`${d.xmlText ?? ''}\n${(d.problems ?? []).map((p) => p.what).join('\n')}`}
        />
      )}
      <h2>Addresses</h2>
      {!x || x.ips.length === 0 ? (
        <p class="muted">No IP addresses.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Family</th>
                <th scope="col">Address</th>
                <th scope="col">Netmask</th>
                <th scope="col">DHCP ranges</th>
                <th scope="col">Reservations</th>
              </tr>
            </thead>
            <tbody>
              {x.ips.map((ip) => (
                <tr key={ip.cidr} data-testid={`ip-${ip.cidr}`}>
                  <td>{ip.family}</td>
                  <td>
                    <code>{ip.cidr}</code>
                  </td>
                  <td>{ip.family === 'ipv4' ? prefixToNetmask(ip.prefix) : '—'}</td>
                  <td>
                    {ip.ranges.length
                      ? ip.ranges.map((r) => (
                          <div key={r.start}>
                            <code>
                              {r.start} – {r.end}
                            </code>
                          </div>
                        ))
                      : '—'}
                  </td>
                  <td>{ip.hosts.length || '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

/** What the host really has for this network now (dnsmasq, firewall chains, bridge ports): netmode's evidence. */
function HostEvidence({ name, version }: { name: string; version: string }) {
  const [report, setReport] = useState<NetmodeReport | undefined>();
  useEffect(() => {
    let live = true;
    api.netmode(name).then(
      (r) => live && setReport(r),
      () => live && setReport(undefined),
    );
    return () => {
      live = false;
    };
  }, [name, version]);
  if (!report) return null;
  return (
    <section data-testid="host-evidence" aria-label="On the host now">
      <h2>On the host now</h2>
      <ul class="evidence">
        {report.evidence.map((e) => (
          <li key={e}>{e}</li>
        ))}
        {report.problems.map((p) => (
          <li key={p} class="bad">
            {p}
          </li>
        ))}
      </ul>
    </section>
  );
}
