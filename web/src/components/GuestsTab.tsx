import type { NetDetails } from '../data';
import { humanBytes, humanRate, type Traffic } from '../stats';

export function GuestsTab({ d, traffic }: { d: NetDetails; traffic?: Traffic | undefined }) {
  const counters = new Map((traffic?.stats.ports ?? []).map((p) => [p.uuid, p]));
  if (!d.info.active)
    return <p class="muted">The network is not running; guests attach to active networks.</p>;
  if (d.ports.length === 0) return <p class="muted">No guest is attached.</p>;
  const leaseIp = new Map(d.leases.map((l) => [l.mac.toLowerCase(), l.ipaddr]));
  return (
    <div class="table-wrap">
      <table data-testid="guests">
        <thead>
          <tr>
            <th scope="col">Owner</th>
            <th scope="col">MAC</th>
            <th scope="col">Device</th>
            <th scope="col">Address</th>
            <th scope="col">rx/tx</th>
          </tr>
        </thead>
        <tbody>
          {d.ports.map((p) => (
            <tr key={p.uuid} data-testid={`guest-row-${p.owner.name}`}>
              <td data-label="Owner">{p.owner.name}</td>
              <td data-label="MAC">
                <code>{p.mac}</code>
              </td>
              <td data-label="Device">
                {p.device ? (
                  <>
                    <code>{p.device.name}</code> <span class="muted">{p.device.kind}</span>
                    {p.device.netns && <span class="muted"> netns {p.device.netns}</span>}
                    {p.device.adopted && <span class="muted"> (adopted)</span>}
                  </>
                ) : (
                  '—'
                )}
              </td>
              <td data-label="Address">
                <code>{p.ip ?? leaseIp.get(p.mac.toLowerCase()) ?? '—'}</code>
              </td>
              <td data-label="rx/tx" data-testid={`guest-traffic-${p.owner.name}`}>
                <PortTraffic traffic={traffic} uuid={p.uuid} total={counters.get(p.uuid)} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function PortTraffic(props: {
  traffic: Traffic | undefined;
  uuid: string;
  total: { rxBytes: number; txBytes: number } | undefined;
}) {
  if (!props.total) return <span class="muted">{props.traffic ? '—' : '…'}</span>;
  const r = props.traffic?.ports.get(props.uuid);
  return (
    <span class="traffic" title="Counted on the host side of the port: rx is what the guest sent">
      {r ? `${humanRate(r.rx)} / ${humanRate(r.tx)}` : '…'}
      <span class="muted">
        {' '}
        ({humanBytes(props.total.rxBytes)} / {humanBytes(props.total.txBytes)})
      </span>
    </span>
  );
}
