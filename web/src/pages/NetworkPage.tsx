// `/networks/NAME?tab=…`: one network, with tabs.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { NetworkEvent } from '../../../src/api/types';
import { api, errorText, subscribe } from '../api';
import { ActivityTab } from '../components/ActivityTab';
import { DnsTab } from '../components/DnsTab';
import { ForwardsTab } from '../components/ForwardsTab';
import { GuestsTab } from '../components/GuestsTab';
import { type Impact, ImpactDialog } from '../components/ImpactDialog';
import { LeasesTab } from '../components/LeasesTab';
import { OverviewTab } from '../components/OverviewTab';
import { Topology } from '../components/Topology';
import { XmlTab } from '../components/XmlTab';
import { loadDetails, type NetDetails, stateOf } from '../data';
import { Link, navigate, networkHref } from '../router';
import { useTraffic } from '../stats';
import { modeLabel } from '../xml';

export const CHECK_INTERVAL_MS = 3000;

const TABS = [
  { id: 'overview', label: 'Overview' },
  { id: 'leases', label: 'Leases' },
  { id: 'dns', label: 'DNS' },
  { id: 'guests', label: 'Guests' },
  { id: 'forwards', label: 'Forwards' },
  { id: 'topology', label: 'Topology' },
  { id: 'xml', label: 'XML' },
  { id: 'activity', label: 'Activity' },
] as const;

export function NetworkPage({ name, tab: rawTab }: { name: string; tab: string }) {
  const tab = TABS.some((t) => t.id === rawTab) ? rawTab : 'overview';
  const [d, setD] = useState<NetDetails>();
  const [error, setError] = useState<string>();
  const [actionError, setActionError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [events, setEvents] = useState<NetworkEvent[]>([]);
  const [asking, setAsking] = useState<Impact & { busy?: boolean; run: () => Promise<unknown> }>();
  const [version, setVersion] = useState(0);
  const alive = useRef(true);

  const refresh = useCallback(async () => {
    try {
      const info = await api.info(name);
      const details = await loadDetails(info, { inactiveXml: true });
      if (!alive.current) return;
      setD(details);
      setError(undefined);
      setVersion((v) => v + 1);
    } catch (e) {
      if (alive.current) setError(errorText(e));
    }
  }, [name]);

  useEffect(() => {
    alive.current = true;
    void refresh();
    const seen = new Set<string>();
    const keyOf = (e: NetworkEvent) => `${e.time}|${e.type}|${JSON.stringify(e.detail ?? {})}`;
    const off = subscribe((e) => {
      if (e.name !== name) return;
      seen.add(keyOf(e));
      setEvents((prev) => [e, ...prev].slice(0, 500));
      void refresh();
    });
    // what happened before the page opened, kept by the daemon; events that arrived meanwhile are not doubled
    api.history(name).then(
      (h) => {
        if (!alive.current) return;
        const older = h.events.filter((e) => !seen.has(keyOf(e))).reverse();
        setEvents((prev) => [...prev, ...older].slice(0, 500));
      },
      () => undefined,
    );
    return () => {
      alive.current = false;
      off();
    };
  }, [name, refresh]);

  // Drift no event announces (a bridge deleted while healing is off): looked for every few seconds, only while
  // the network runs and the page is visible; one check request, the page reloads only when the answer changes.
  const problemsKey = (d?.problems ?? []).map((p) => p.what).join('\n');
  const active = !!d?.info.active;
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => {
      if (document.visibilityState !== 'visible') return;
      api.check(name).then(
        (p) => {
          if (alive.current && p.map((x) => x.what).join('\n') !== problemsKey) void refresh();
        },
        () => undefined,
      );
    }, CHECK_INTERVAL_MS);
    return () => clearInterval(timer);
  }, [name, active, problemsKey, refresh]);

  const askImpact = async (action: Impact['action'], run: () => Promise<unknown>) => {
    if (!d) return;
    let forwards: string[] | number = 0;
    try {
      forwards = (await api.forwards(name)).map(
        (f) =>
          `${f.proto} ${f.listenAddress ?? '*'}:${f.listenPort}${f.listenPortEnd ? `-${f.listenPortEnd}` : ''} → ${f.targetAddress}:${f.targetPort}`,
      );
    } catch {
      forwards = 0;
    }
    setAsking({
      action,
      name,
      active: d.info.active,
      persistent: d.info.persistent,
      guests: [...new Set(d.ports.map((p) => p.owner.name))].sort(),
      forwards,
      run,
    });
  };

  const act = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setActionError(undefined);
    try {
      await fn();
      await refresh();
    } catch (e) {
      setActionError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const tabRefs = useRef<Array<HTMLButtonElement | null>>([]);
  const onTabKey = (e: KeyboardEvent, i: number) => {
    let j = -1;
    if (e.key === 'ArrowRight') j = (i + 1) % TABS.length;
    else if (e.key === 'ArrowLeft') j = (i + TABS.length - 1) % TABS.length;
    else if (e.key === 'Home') j = 0;
    else if (e.key === 'End') j = TABS.length - 1;
    if (j < 0) return;
    e.preventDefault();
    navigate(networkHref(name, TABS[j]!.id), true);
    tabRefs.current[j]?.focus();
  };

  // Traffic only for this network, only while it runs and a tab that shows it is open.
  const wantsTraffic = !!d?.info.active && (tab === 'guests' || tab === 'topology');
  const traffic = useTraffic(wantsTraffic ? [name] : [])[name];

  const state = d ? stateOf(d) : undefined;
  return (
    <section aria-labelledby="net-title" data-testid="network-page">
      <p class="crumbs">
        <Link href="/">Networks</Link> / <span>{name}</span>
      </p>
      <div class="page-head">
        <h1 id="net-title">
          {name}{' '}
          {state && (
            <span class={`badge ${state}`} data-testid="net-state">
              {state}
            </span>
          )}
        </h1>
        {d && (
          <div class="actions">
            <span class="muted">{modeLabel(d.info.mode, d.xml, d.info.bridge, d.info.uplink)}</span>
            {d.info.active ? (
              <button
                type="button"
                disabled={busy}
                data-testid="net-stop"
                onClick={() => void askImpact('stop', () => api.destroy(name))}
              >
                Stop
              </button>
            ) : (
              <button
                type="button"
                disabled={busy}
                data-testid="net-start"
                onClick={() => act(() => api.start(name))}
              >
                Start
              </button>
            )}
            <label class="switch">
              <input
                type="checkbox"
                role="switch"
                checked={d.info.autostart}
                aria-checked={d.info.autostart}
                disabled={busy || !d.info.persistent}
                data-testid="net-autostart"
                onChange={(e) => {
                  const v = e.currentTarget.checked;
                  void act(() => api.setAutostart(name, v));
                }}
              />{' '}
              Autostart
            </label>
          </div>
        )}
      </div>
      {error && (
        <p class="error" role="alert" data-testid="net-error">
          {error}
        </p>
      )}
      {actionError && (
        <p class="error" role="alert" data-testid="action-error">
          {actionError}
        </p>
      )}
      {d && d.errors.length > 0 && (
        <p class="warn" role="status">
          Some data could not be loaded: {d.errors.join('; ')}
        </p>
      )}
      <div role="tablist" aria-label={`${name} sections`} class="tabs">
        {TABS.map((t, i) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            id={`tab-${t.id}`}
            ref={(el) => {
              tabRefs.current[i] = el;
            }}
            aria-selected={tab === t.id}
            aria-controls={`panel-${t.id}`}
            tabIndex={tab === t.id ? 0 : -1}
            data-testid={`tab-${t.id}`}
            onClick={() => navigate(networkHref(name, t.id))}
            onKeyDown={(e) => onTabKey(e, i)}
          >
            {t.label}
            {t.id === 'activity' && events.length > 0 && <span class="count">{events.length}</span>}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} class="panel">
        {!d && !error && <p class="muted">Loading…</p>}
        {d && tab === 'overview' && (
          <OverviewTab
            d={d}
            busy={busy}
            onRestart={() =>
              askImpact('restart', async () => {
                await api.destroy(name);
                await api.start(name);
              })
            }
            onRepair={() => act(() => api.repair(name))}
            onChanged={refresh}
          />
        )}
        {d && tab === 'leases' && <LeasesTab d={d} onChanged={refresh} />}
        {d && tab === 'dns' && <DnsTab d={d} onChanged={refresh} />}
        {d && tab === 'guests' && <GuestsTab d={d} traffic={traffic} />}
        {d && tab === 'forwards' && <ForwardsTab name={name} version={version} />}
        {d && tab === 'topology' && <Topology d={d} traffic={traffic} />}
        {d && tab === 'xml' && <XmlTab d={d} onApplied={refresh} />}
        {tab === 'activity' && <ActivityTab events={events} />}
      </div>
      {asking && (
        <ImpactDialog
          impact={asking}
          busy={asking.busy}
          onCancel={() => setAsking(undefined)}
          onConfirm={async () => {
            setAsking({ ...asking, busy: true });
            await act(asking.run);
            setAsking(undefined);
          }}
        />
      )}
    </section>
  );
}
