// `/`: summary cards and the table of every network, from one request (the daemon's summaries) and the event
// stream; sort, search and state filter live in the URL.
import './networks-page.css';
import { useMemo, useState } from 'preact/hooks';
import type { NetworkSummary } from '../../../src/api/summary-types';
import { api, errorText } from '../api';
import { CloneDialog } from '../components/CloneDialog';
import { type Impact, ImpactDialog } from '../components/ImpactDialog';
import { NetworkRow } from '../components/NetworkRow';
import {
  type ListView,
  type SortKey,
  STATE_FILTERS,
  type StateFilter,
  shownRows,
  toRow,
  viewFromQuery,
  viewToQuery,
} from '../list/list-view';
import { useRowWindow } from '../list/useRowWindow';
import { useSummaries } from '../list/useSummaries';
import { Link, navigate, useLocation } from '../router';
import { useBridgeRates } from '../stats';

const COLUMNS: Array<{ key: SortKey; label: string }> = [
  { key: 'name', label: 'Name' },
  { key: 'state', label: 'State' },
  { key: 'mode', label: 'Mode' },
  { key: 'subnets', label: 'Subnets' },
  { key: 'dhcp', label: 'DHCP usage' },
  { key: 'guests', label: 'Guests' },
  { key: 'autostart', label: 'Autostart' },
];

/** Stands for the rows of a long list that are out of sight (see useRowWindow). */
function SpacerRow(props: { height: number }) {
  return (
    <tr class="spacer">
      <td colSpan={9} aria-hidden="true" style={{ height: `${props.height}px` }} />
    </tr>
  );
}

export function NetworksPage() {
  const loc = useLocation();
  const view = viewFromQuery(loc.query);
  const setView = (v: Partial<ListView>) => navigate(`/${viewToQuery({ ...view, ...v })}`, true);
  const { list, error: loadError, refresh } = useSummaries();
  const [actionError, setActionError] = useState<string>();
  const [busy, setBusy] = useState<Record<string, boolean>>({});
  const [asking, setAsking] = useState<Impact & { busy?: boolean }>();
  const [cloning, setCloning] = useState<{ from: string; xml: string }>();

  const rows = useMemo(() => (list ?? []).map(toRow), [list]);
  const shown = useMemo(() => shownRows(rows, view), [rows, view.sort, view.dir, view.q, view.state]);
  const rates = useBridgeRates(rows.some((r) => r.s.active));
  const { window: win, boxRef, bodyRef } = useRowWindow(shown.length);

  const act = async (name: string, fn: () => Promise<unknown>) => {
    setBusy((b) => ({ ...b, [name]: true }));
    setActionError(undefined);
    try {
      await fn();
      await refresh();
    } catch (e) {
      setActionError(`${name}: ${errorText(e)}`);
    } finally {
      setBusy((b) => ({ ...b, [name]: false }));
    }
  };

  const ask = (action: Impact['action'], s: NetworkSummary) =>
    setAsking({
      action,
      name: s.name,
      active: s.active,
      persistent: s.persistent,
      guests: s.guestNames,
      forwards: s.forwards,
    });

  const askClone = async (s: NetworkSummary) => {
    setActionError(undefined);
    try {
      setCloning({ from: s.name, xml: await api.xml(s.name, s.persistent) });
    } catch (e) {
      setActionError(`${s.name}: ${errorText(e)}`);
    }
  };

  const count = (state: StateFilter) =>
    state === 'all' ? rows.length : rows.filter((r) => r.s.state === state).length;
  const up = rows.filter((r) => r.s.active).length;
  const degraded = count('degraded');
  const leasesInUse = rows.reduce((n, r) => n + (r.s.dhcp?.leased ?? 0), 0);
  const poolTotal = rows.reduce((n, r) => n + (r.s.active ? (r.s.dhcp?.pool ?? 0) : 0), 0);

  return (
    <section aria-labelledby="networks-title">
      <div class="page-head">
        <h1 id="networks-title">Networks</h1>
        <Link href="/create" class="button primary" data-testid="create-link">
          Create a network
        </Link>
      </div>
      <section class="cards" aria-label="Summary">
        <div class="card" data-testid="card-up">
          <span class="big">{up}</span> up{degraded > 0 && <span class="bad"> ({degraded} degraded)</span>}
        </div>
        <div class="card" data-testid="card-down">
          <span class="big">{rows.length - up}</span> down
        </div>
        <div class="card" data-testid="card-leases">
          <span class="big">{leasesInUse}</span> leases in use
          {poolTotal > 0 && <span class="muted"> of {poolTotal}</span>}
        </div>
      </section>
      {loadError && (
        <p class="error" role="alert" data-testid="list-error">
          {loadError}
        </p>
      )}
      {actionError && (
        <p class="error" role="alert" data-testid="action-error">
          {actionError}
        </p>
      )}
      {list === undefined && !loadError && <p class="muted">Loading…</p>}
      {list !== undefined && list.length === 0 && (
        <div class="empty" data-testid="empty-state">
          <p>No networks yet.</p>
          <Link href="/create" class="button primary">
            Create a network
          </Link>
        </div>
      )}
      {list !== undefined && list.length > 0 && (
        <>
          <div class="list-bar">
            <label class="filter">
              <span>Filter</span>
              <input
                type="search"
                value={view.q}
                placeholder="name, bridge, subnet or guest"
                aria-label="Filter networks by name, bridge, subnet or guest"
                data-testid="net-filter"
                onInput={(e) => setView({ q: e.currentTarget.value })}
              />
            </label>
            <fieldset class="state-filter" data-testid="state-filter">
              <legend>State</legend>
              {STATE_FILTERS.map((st) => (
                <label key={st} class={view.state === st ? 'on' : ''}>
                  <input
                    type="radio"
                    name="state"
                    value={st}
                    checked={view.state === st}
                    data-testid={`state-${st}`}
                    onChange={() => setView({ state: st })}
                  />
                  {st} <span class="muted">({count(st)})</span>
                </label>
              ))}
            </fieldset>
          </div>
          <p class="muted list-count" data-testid="list-count">
            {shown.length === rows.length
              ? `${rows.length} networks`
              : `${shown.length} of ${rows.length} networks shown`}
          </p>
          <div class="table-wrap list-scroll" ref={boxRef}>
            <table class="nets" data-testid="net-table" aria-rowcount={shown.length + 1}>
              <thead>
                <tr aria-rowindex={1}>
                  {COLUMNS.map((c) => (
                    <th
                      key={c.key}
                      scope="col"
                      aria-sort={
                        view.sort === c.key ? (view.dir === 1 ? 'ascending' : 'descending') : undefined
                      }
                    >
                      <button
                        type="button"
                        class="sort"
                        data-testid={`sort-${c.key}`}
                        onClick={() =>
                          setView({ sort: c.key, dir: view.sort === c.key ? (view.dir === 1 ? -1 : 1) : 1 })
                        }
                      >
                        {c.label}
                        <span aria-hidden="true">
                          {view.sort === c.key ? (view.dir === 1 ? ' ▲' : ' ▼') : ''}
                        </span>
                      </button>
                    </th>
                  ))}
                  <th scope="col">rx/tx</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody ref={bodyRef}>
                {win.before > 0 && <SpacerRow height={win.before} />}
                {shown.slice(win.start, win.end).map((r, k) => (
                  <NetworkRow
                    key={r.s.name}
                    index={win.start + k + 2}
                    row={r}
                    rate={rates[r.s.name]}
                    busy={!!busy[r.s.name]}
                    onStart={() => act(r.s.name, () => api.start(r.s.name))}
                    onStop={() => ask('stop', r.s)}
                    onAutostart={(v) => act(r.s.name, () => api.setAutostart(r.s.name, v))}
                    onDelete={() => ask('delete', r.s)}
                    onClone={() => void askClone(r.s)}
                  />
                ))}
                {win.after > 0 && <SpacerRow height={win.after} />}
                {shown.length === 0 && (
                  <tr>
                    <td colSpan={9} class="muted">
                      No network matches{view.q ? ` “${view.q}”` : ''}
                      {view.state !== 'all' ? ` in state ${view.state}` : ''}.
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
          </div>
        </>
      )}
      {cloning && <CloneDialog from={cloning.from} xml={cloning.xml} onClose={() => setCloning(undefined)} />}
      {asking && (
        <ImpactDialog
          impact={asking}
          busy={asking.busy}
          onCancel={() => setAsking(undefined)}
          onConfirm={async () => {
            const { name, action } = asking;
            setAsking({ ...asking, busy: true });
            await act(name, () => (action === 'delete' ? api.undefine(name) : api.destroy(name)));
            setAsking(undefined);
          }}
        />
      )}
    </section>
  );
}
