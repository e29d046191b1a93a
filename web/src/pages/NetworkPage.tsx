// `/networks/NAME?tab=…`: one network, with tabs.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { NetworkEvent } from '../../../src/api/types';
import { api, errorText, subscribe } from '../api';
import { ActivityTab } from '../components/ActivityTab';
import { DnsTab } from '../components/DnsTab';
import { ForwardsTab } from '../components/ForwardsTab';
import { GuestsTab } from '../components/GuestsTab';
import { LeasesTab } from '../components/LeasesTab';
import { OverviewTab } from '../components/OverviewTab';
import { Topology } from '../components/Topology';
import { XmlTab } from '../components/XmlTab';
import { loadDetails, type NetDetails, stateOf } from '../data';
import { Link, navigate, networkHref } from '../router';
import { useTraffic } from '../stats';
import { modeLabel } from '../xml';

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
    const off = subscribe((e) => {
      if (e.name !== name) return;
      setEvents((prev) => [e, ...prev].slice(0, 500));
      void refresh();
    });
    return () => {
      alive.current = false;
      off();
    };
  }, [name, refresh]);

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
                onClick={() => act(() => api.destroy(name))}
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
              act(async () => {
                await api.destroy(name);
                await api.start(name);
              })
            }
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
    </section>
  );
}
