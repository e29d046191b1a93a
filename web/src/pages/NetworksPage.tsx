// `/`: summary cards and the table of every network.
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { NetworkEvent, NetworkInfo } from '../../../src/api/types';
import { api, errorText, subscribe } from '../api';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { Menu } from '../components/Menu';
import { loadDetails, type NetDetails, stateOf } from '../data';
import { Link, navigate, networkHref } from '../router';
import { humanRate, type Traffic, useTraffic } from '../stats';
import { cloneNetworkXml, modeLabel, poolSize } from '../xml';

type SortKey = 'name' | 'state' | 'mode' | 'subnets' | 'dhcp' | 'guests' | 'autostart';

interface Row {
  info: NetworkInfo;
  d?: NetDetails;
  state: string;
  mode: string;
  subnets: string[];
  leases: number;
  pool: number;
  guests: number | undefined;
}

function toRow(info: NetworkInfo, d: NetDetails | undefined): Row {
  return {
    info,
    d,
    state: stateOf({ info, problems: d?.problems }),
    mode: modeLabel(info.mode, d?.xml, info.bridge, info.uplink),
    subnets: d?.xml?.ips.map((ip) => ip.subnet) ?? [],
    leases: d?.leases.length ?? 0,
    pool: d?.xml ? poolSize(d.xml) : 0,
    guests: info.active ? new Set(d?.ports.map((p) => p.owner.name) ?? []).size : undefined,
  };
}

function matches(r: Row, q: string): boolean {
  if (!q) return true;
  const hay: string[] = [r.info.name, r.info.bridge ?? '', r.mode, ...r.subnets];
  for (const l of r.d?.leases ?? []) hay.push(l.mac, l.ipaddr, l.hostname ?? '');
  for (const ip of r.d?.xml?.ips ?? []) hay.push(ip.address, ip.cidr);
  for (const ip of r.d?.xml?.ips ?? []) for (const h of ip.hosts) hay.push(h.mac ?? '', h.ip, h.name ?? '');
  for (const p of r.d?.ports ?? []) hay.push(p.mac, p.owner.name, p.ip ?? '', p.device?.name ?? '');
  return hay.some((s) => s.toLowerCase().includes(q));
}

function compare(a: Row, b: Row, key: SortKey): number {
  switch (key) {
    case 'dhcp':
      return a.leases - b.leases || a.pool - b.pool;
    case 'guests':
      return (a.guests ?? -1) - (b.guests ?? -1);
    case 'autostart':
      return Number(a.info.autostart) - Number(b.info.autostart);
    case 'subnets':
      return (a.subnets[0] ?? '').localeCompare(b.subnets[0] ?? '', undefined, { numeric: true });
    case 'state':
      return a.state.localeCompare(b.state);
    case 'mode':
      return a.mode.localeCompare(b.mode);
    default:
      return a.info.name.localeCompare(b.info.name, undefined, { numeric: true });
  }
}

const COLUMNS: Array<{ key: SortKey; label: string }> = [
  { key: 'name', label: 'Name' },
  { key: 'state', label: 'State' },
  { key: 'mode', label: 'Mode' },
  { key: 'subnets', label: 'Subnets' },
  { key: 'dhcp', label: 'DHCP usage' },
  { key: 'guests', label: 'Guests' },
  { key: 'autostart', label: 'Autostart' },
];

export function NetworksPage() {
  const [list, setList] = useState<NetworkInfo[] | undefined>();
  const [details, setDetails] = useState<Record<string, NetDetails>>({});
  const [loadError, setLoadError] = useState<string>();
  const [actionError, setActionError] = useState<string>();
  const [busy, setBusy] = useState<Record<string, boolean>>({});
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<{ key: SortKey; dir: 1 | -1 }>({ key: 'name', dir: 1 });
  const [deleting, setDeleting] = useState<{ name: string; guests: string[]; busy?: boolean }>();
  const [cloning, setCloning] = useState<{
    from: string;
    xml: string;
    name: string;
    busy?: boolean;
    error?: string;
  }>();
  const alive = useRef(true);

  const refreshOne = useCallback(async (info: NetworkInfo) => {
    const d = await loadDetails(info);
    if (alive.current) setDetails((prev) => ({ ...prev, [info.name]: d }));
  }, []);

  const refreshList = useCallback(async () => {
    try {
      const nets = await api.list();
      if (!alive.current) return;
      setList(nets);
      setLoadError(undefined);
      setDetails((prev) => {
        const next: Record<string, NetDetails> = {};
        for (const n of nets) if (prev[n.name]) next[n.name] = prev[n.name]!;
        return next;
      });
      await Promise.all(nets.map((n) => refreshOne(n)));
    } catch (e) {
      if (alive.current) setLoadError(errorText(e));
    }
  }, [refreshOne]);

  const refreshByName = useCallback(
    async (name: string) => {
      try {
        const info = await api.info(name);
        if (!alive.current) return;
        setList((prev) => {
          if (!prev) return prev;
          const i = prev.findIndex((n) => n.name === name);
          if (i < 0) return [...prev, info];
          const copy = prev.slice();
          copy[i] = info;
          return copy;
        });
        await refreshOne(info);
      } catch {
        await refreshList();
      }
    },
    [refreshOne, refreshList],
  );

  useEffect(() => {
    alive.current = true;
    void refreshList();
    const off = subscribe((e: NetworkEvent) => {
      if (e.type === 'defined' || e.type === 'undefined') void refreshList();
      else void refreshByName(e.name);
    });
    return () => {
      alive.current = false;
      off();
    };
  }, [refreshList, refreshByName]);

  const act = async (name: string, fn: () => Promise<unknown>) => {
    setBusy((b) => ({ ...b, [name]: true }));
    setActionError(undefined);
    try {
      await fn();
      await refreshByName(name);
    } catch (e) {
      setActionError(`${name}: ${errorText(e)}`);
    } finally {
      setBusy((b) => ({ ...b, [name]: false }));
    }
  };

  const askDelete = async (info: NetworkInfo) => {
    let guests: string[] = [];
    if (info.active) {
      try {
        guests = [...new Set((await api.ports(info.name)).map((p) => p.owner.name))].sort();
      } catch {
        guests = [...new Set(details[info.name]?.ports.map((p) => p.owner.name) ?? [])].sort();
      }
    }
    setDeleting({ name: info.name, guests });
  };

  const askClone = async (info: NetworkInfo) => {
    setActionError(undefined);
    try {
      const xml = await api.xml(info.name, info.persistent);
      setCloning({ from: info.name, xml, name: `${info.name}-clone` });
    } catch (e) {
      setActionError(`${info.name}: ${errorText(e)}`);
    }
  };

  let cloneXml: string | undefined;
  let cloneError: string | undefined;
  if (cloning) {
    try {
      cloneXml = cloneNetworkXml(cloning.xml, cloning.name.trim());
    } catch (e) {
      cloneError = errorText(e);
    }
  }

  const activeNames = (list ?? []).filter((n) => n.active).map((n) => n.name);
  const traffic = useTraffic(activeNames);

  const rows = useMemo(() => (list ?? []).map((n) => toRow(n, details[n.name])), [list, details]);
  const q = filter.trim().toLowerCase();
  const shown = rows.filter((r) => matches(r, q)).sort((a, b) => compare(a, b, sort.key) * sort.dir);
  const up = rows.filter((r) => r.info.active).length;
  const degraded = rows.filter((r) => r.state === 'degraded').length;
  const leasesInUse = rows.reduce((s, r) => s + r.leases, 0);
  const poolTotal = rows.reduce((s, r) => s + (r.info.active ? r.pool : 0), 0);

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
          <label class="filter">
            <span>Filter</span>
            <input
              type="search"
              value={filter}
              placeholder="name, subnet, MAC, IP or guest"
              aria-label="Filter networks by name, subnet, MAC, IP or guest"
              data-testid="net-filter"
              onInput={(e) => setFilter(e.currentTarget.value)}
            />
          </label>
          <div class="table-wrap">
            <table class="nets" data-testid="net-table">
              <thead>
                <tr>
                  {COLUMNS.map((c) => (
                    <th
                      key={c.key}
                      scope="col"
                      aria-sort={
                        sort.key === c.key ? (sort.dir === 1 ? 'ascending' : 'descending') : undefined
                      }
                    >
                      <button
                        type="button"
                        class="sort"
                        data-testid={`sort-${c.key}`}
                        onClick={() =>
                          setSort((s) => ({ key: c.key, dir: s.key === c.key ? (s.dir === 1 ? -1 : 1) : 1 }))
                        }
                      >
                        {c.label}
                        <span aria-hidden="true">
                          {sort.key === c.key ? (sort.dir === 1 ? ' ▲' : ' ▼') : ''}
                        </span>
                      </button>
                    </th>
                  ))}
                  <th scope="col">rx/tx</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((r) => (
                  <NetRow
                    key={r.info.name}
                    row={r}
                    traffic={traffic[r.info.name]}
                    busy={!!busy[r.info.name]}
                    onStart={() => act(r.info.name, () => api.start(r.info.name))}
                    onStop={() => act(r.info.name, () => api.destroy(r.info.name))}
                    onAutostart={(v) => act(r.info.name, () => api.setAutostart(r.info.name, v))}
                    onDelete={() => void askDelete(r.info)}
                    onClone={() => void askClone(r.info)}
                  />
                ))}
                {shown.length === 0 && (
                  <tr>
                    <td colSpan={9} class="muted">
                      No network matches “{filter}”.
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
          </div>
        </>
      )}
      {cloning && (
        <ConfirmDialog
          title={`Clone network ${cloning.from}`}
          confirmLabel="Define the clone"
          confirmClass="primary"
          confirmTestId="clone-submit"
          busy={cloning.busy || !cloneXml || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(cloning.name.trim())}
          onCancel={() => setCloning(undefined)}
          onConfirm={async () => {
            if (!cloneXml) return;
            const name = cloning.name.trim();
            setCloning({ ...cloning, busy: true });
            try {
              const info = await api.define(cloneXml);
              setCloning(undefined);
              navigate(networkHref(info.name, 'xml'));
            } catch (e) {
              setCloning({ ...cloning, name, busy: false, error: errorText(e) });
            }
          }}
        >
          <div class="field">
            <label for="clone-name">Name of the new network</label>
            <input
              id="clone-name"
              data-testid="clone-name"
              value={cloning.name}
              autocomplete="off"
              onInput={(e) => setCloning({ ...cloning, name: e.currentTarget.value, error: undefined })}
            />
          </div>
          <p>
            The copy gets a new UUID, MAC address and bridge name (the daemon picks the next free{' '}
            <code>virbrN</code>).
          </p>
          <p class="warn">
            Its subnets are the same as {cloning.from}'s: starting it while {cloning.from} runs fails with an
            address clash. Change the addresses in its XML tab before starting it.
          </p>
          {(cloning.error || cloneError) && (
            <p class="error" role="alert" data-testid="clone-error">
              {cloning.error ?? cloneError}
            </p>
          )}
          {cloneXml && (
            <details>
              <summary>The XML that will be defined</summary>
              <pre data-testid="clone-xml">{cloneXml}</pre>
            </details>
          )}
        </ConfirmDialog>
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete network ${deleting.name}?`}
          confirmLabel="Delete"
          busy={deleting.busy}
          onCancel={() => setDeleting(undefined)}
          onConfirm={async () => {
            const name = deleting.name;
            setDeleting({ ...deleting, busy: true });
            setActionError(undefined);
            try {
              await api.undefine(name);
            } catch (e) {
              setActionError(`${name}: ${errorText(e)}`);
            }
            setDeleting(undefined);
            await refreshList();
          }}
        >
          {deleting.guests.length > 0 ? (
            <>
              <p>These guests are attached and will lose this network:</p>
              <ul data-testid="delete-guests">
                {deleting.guests.map((g) => (
                  <li key={g}>{g}</li>
                ))}
              </ul>
            </>
          ) : (
            <p>No guests are attached.</p>
          )}
          <p class="muted">An active network keeps running as a transient network until it is stopped.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function NetRow(props: {
  row: Row;
  traffic: Traffic | undefined;
  busy: boolean;
  onClone: () => void;
  onStart: () => void;
  onStop: () => void;
  onAutostart: (v: boolean) => void;
  onDelete: () => void;
}) {
  const { row: r, busy } = props;
  const name = r.info.name;
  return (
    <tr data-testid={`net-row-${name}`} class={r.state}>
      <th scope="row" data-label="Name">
        <Link href={networkHref(name)} data-testid={`net-link-${name}`}>
          {name}
        </Link>
      </th>
      <td data-label="State">
        <span
          class={`badge ${r.state}`}
          data-testid={`net-state-${name}`}
          title={r.d?.problems?.map((p) => p.what).join('\n')}
        >
          {r.state}
        </span>
      </td>
      <td data-label="Mode">{r.mode}</td>
      <td data-label="Subnets">
        {r.subnets.length ? (
          r.subnets.map((s) => (
            <div key={s}>
              <code>{s}</code>
            </div>
          ))
        ) : (
          <span class="muted">—</span>
        )}
      </td>
      <td data-label="DHCP usage">
        {r.pool > 0 ? (
          <span title={`${r.leases} of ${r.pool} addresses leased`}>
            {r.leases} / {r.pool}
          </span>
        ) : r.leases > 0 ? (
          r.leases
        ) : (
          <span class="muted">—</span>
        )}
      </td>
      <td data-label="Guests">{r.guests === undefined ? <span class="muted">—</span> : r.guests}</td>
      <td data-label="Autostart">
        <label class="switch">
          <input
            type="checkbox"
            role="switch"
            checked={r.info.autostart}
            aria-checked={r.info.autostart}
            disabled={busy || !r.info.persistent}
            aria-label={`Autostart ${name}`}
            data-testid={`autostart-${name}`}
            onChange={(e) => props.onAutostart(e.currentTarget.checked)}
          />
          <span aria-hidden="true">{r.info.autostart ? 'on' : 'off'}</span>
        </label>
      </td>
      <td data-label="rx/tx" data-testid={`net-traffic-${name}`}>
        <TrafficCell active={r.info.active} t={props.traffic} />
      </td>
      <td data-label="Actions" class="row-actions">
        {r.info.active ? (
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

function TrafficCell({ active, t }: { active: boolean; t: Traffic | undefined }) {
  if (!active) return <span class="muted">—</span>;
  if (!t?.bridge) return <span class="muted">{t && !t.stats.bridge ? '—' : '…'}</span>;
  return (
    <span class="traffic" title="Measured on the network's bridge">
      {humanRate(t.bridge.rx)} / {humanRate(t.bridge.tx)}
    </span>
  );
}
