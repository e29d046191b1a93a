import type { NetDetails } from '../data';

export function GuestsTab({ d }: { d: NetDetails }) {
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
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
