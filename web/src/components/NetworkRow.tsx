// One row of the networks list: state, mode, subnets, DHCP use, guests, autostart, rates and the actions.
import { memo } from 'preact/compat';
import type { Row } from '../list/list-view';
import { Link, navigate, networkHref } from '../router';
import { humanRate, type Rate } from '../stats';
import { Menu } from './Menu';

function NetworkRowView(props: {
  row: Row;
  /** aria-rowindex: the row's place in the whole list (header row 1), as only some rows are in the DOM. */
  index: number;
  rate: Rate | undefined;
  busy: boolean;
  onClone: () => void;
  onStart: () => void;
  onStop: () => void;
  onAutostart: (v: boolean) => void;
  onDelete: () => void;
}) {
  const { s } = props.row;
  const { busy } = props;
  const name = s.name;
  return (
    <tr data-testid={`net-row-${name}`} class={s.state} aria-rowindex={props.index}>
      <th scope="row" data-label="Name">
        <Link href={networkHref(name)} data-testid={`net-link-${name}`}>
          {name}
        </Link>
      </th>
      <td data-label="State">
        <span class={`badge ${s.state}`} data-testid={`net-state-${name}`} title={s.problems?.join('\n')}>
          {s.state}
        </span>
      </td>
      <td data-label="Mode">{props.row.mode}</td>
      <td data-label="Subnets">
        {s.subnets.length ? (
          s.subnets.map((x) => (
            <div key={x}>
              <code>{x}</code>
            </div>
          ))
        ) : (
          <span class="muted">—</span>
        )}
      </td>
      <td data-label="DHCP usage">
        {s.dhcp ? (
          <span title={`${s.dhcp.leased} of ${s.dhcp.pool} addresses leased`}>
            {s.dhcp.leased} / {s.dhcp.pool}
          </span>
        ) : (
          <span class="muted">—</span>
        )}
      </td>
      <td data-label="Guests" title={s.guestNames.join(', ')}>
        {s.guests === 0 ? <span class="muted">—</span> : s.guests}
      </td>
      <td data-label="Autostart">
        <label class="switch">
          <input
            type="checkbox"
            role="switch"
            checked={s.autostart}
            aria-checked={s.autostart}
            disabled={busy || !s.persistent}
            aria-label={`Autostart ${name}`}
            data-testid={`autostart-${name}`}
            onChange={(e) => props.onAutostart(e.currentTarget.checked)}
          />
          <span aria-hidden="true">{s.autostart ? 'on' : 'off'}</span>
        </label>
      </td>
      <td data-label="rx/tx" data-testid={`net-traffic-${name}`}>
        {!s.active ? (
          <span class="muted">—</span>
        ) : props.rate ? (
          <span class="traffic" title="Measured on the network's bridge">
            {humanRate(props.rate.rx)} / {humanRate(props.rate.tx)}
          </span>
        ) : (
          <span class="muted">…</span>
        )}
      </td>
      <td data-label="Actions" class="row-actions">
        {s.active ? (
          <button
            type="button"
            disabled={busy}
            aria-label={`Stop ${name}`}
            data-testid={`stop-${name}`}
            onClick={props.onStop}
          >
            Stop
          </button>
        ) : (
          <button
            type="button"
            disabled={busy}
            aria-label={`Start ${name}`}
            data-testid={`start-${name}`}
            onClick={props.onStart}
          >
            Start
          </button>
        )}
        <Menu
          label={`More actions for ${name}`}
          testid={`menu-${name}`}
          items={[
            {
              label: 'Edit XML',
              testid: `edit-xml-${name}`,
              onSelect: () => navigate(networkHref(name, 'xml')),
            },
            { label: 'Clone…', testid: `clone-${name}`, onSelect: props.onClone },
            { label: 'Delete…', testid: `delete-${name}`, danger: true, onSelect: props.onDelete },
          ]}
        />
      </td>
    </tr>
  );
}

/**
 * Re-rendered only when its network, rate or busy flag changes: sorting 1000 rows then moves rows instead of
 * rendering each again. The callbacks are the page's and only read the row they were made for.
 */
export const NetworkRow = memo(
  NetworkRowView,
  (a, b) => a.row === b.row && a.index === b.index && a.rate === b.rate && a.busy === b.busy,
);
