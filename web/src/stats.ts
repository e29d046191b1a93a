// Live traffic: /stats sampled every 2 s while the page is visible, rates from two consecutive samples.
import { useEffect, useState } from 'preact/hooks';
import { type AllStats, api, type Counters, type NetStats } from './api';

export const STATS_INTERVAL_MS = 2000;

export interface Rate {
  /** bytes per second */
  rx: number;
  tx: number;
}

export interface Traffic {
  stats: NetStats;
  /** undefined until there are two samples */
  bridge?: Rate;
  ports: Map<string, Rate>;
}

function rate(prev: Counters | undefined, cur: Counters, seconds: number): Rate | undefined {
  if (!prev || seconds <= 0) return undefined;
  // A counter going down: the device was recreated; no rate for this sample.
  if (cur.rxBytes < prev.rxBytes || cur.txBytes < prev.txBytes) return undefined;
  return { rx: (cur.rxBytes - prev.rxBytes) / seconds, tx: (cur.txBytes - prev.txBytes) / seconds };
}

export function traffic(prev: NetStats | undefined, cur: NetStats): Traffic {
  const seconds = prev ? (cur.time - prev.time) / 1000 : 0;
  const out: Traffic = { stats: cur, ports: new Map() };
  if (prev && cur.bridge && prev.bridge?.name === cur.bridge.name) {
    const r = rate(prev.bridge, cur.bridge, seconds);
    if (r) out.bridge = r;
  }
  const before = new Map((prev?.ports ?? []).map((p) => [p.uuid, p]));
  for (const p of cur.ports) {
    const r = rate(before.get(p.uuid), p, seconds);
    if (r) out.ports.set(p.uuid, r);
  }
  return out;
}

function visible(): boolean {
  return typeof document === 'undefined' || document.visibilityState === 'visible';
}

/**
 * Samples the stats of the named networks every 2 s, only while the document is visible; stops when the
 * names change or the component goes away. Keyed by network name.
 */
export function useTraffic(names: string[]): Record<string, Traffic> {
  const [out, setOut] = useState<Record<string, Traffic>>({});
  const key = [...names].sort().join('\n');
  useEffect(() => {
    const list = key ? key.split('\n') : [];
    if (list.length === 0) {
      setOut({});
      return;
    }
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let inFlight = false;
    const last = new Map<string, NetStats>();
    const tick = async () => {
      timer = undefined;
      if (stopped || !visible()) return;
      inFlight = true;
      const results = await Promise.all(
        list.map(async (n) => {
          try {
            return [n, await api.stats(n)] as const;
          } catch {
            return [n, undefined] as const;
          }
        }),
      );
      inFlight = false;
      if (stopped) return;
      const next: Record<string, Traffic> = {};
      for (const [n, s] of results) {
        if (!s) continue;
        next[n] = traffic(last.get(n), s);
        last.set(n, s);
      }
      setOut(next);
      if (visible()) timer = setTimeout(() => void tick(), STATS_INTERVAL_MS);
    };
    const onVisibility = () => {
      if (visible() && timer === undefined && !inFlight) {
        // The old sample is stale: rates restart from the next pair.
        last.clear();
        void tick();
      } else if (!visible() && timer !== undefined) {
        clearTimeout(timer);
        timer = undefined;
      }
    };
    document.addEventListener('visibilitychange', onVisibility);
    void tick();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [key]);
  return out;
}

/** Bridge rates of every active network from one /v1/stats sample every 2 s, while the page is visible. */
export function useBridgeRates(enabled: boolean): Record<string, Rate> {
  const [out, setOut] = useState<Record<string, Rate>>({});
  useEffect(() => {
    if (!enabled) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let last: AllStats | undefined;
    const tick = async () => {
      timer = undefined;
      if (stopped || !visible()) return;
      let cur: AllStats | undefined;
      try {
        cur = await api.allStats();
      } catch {
        cur = undefined;
      }
      if (stopped) return;
      if (cur) {
        const seconds = last ? (cur.time - last.time) / 1000 : 0;
        const next: Record<string, Rate> = {};
        for (const [name, c] of Object.entries(cur.networks)) {
          const before = last?.networks[name];
          const r = before && before.name === c.name ? rate(before, c, seconds) : undefined;
          if (r) next[name] = r;
        }
        last = cur;
        setOut(next);
      }
      if (visible()) timer = setTimeout(() => void tick(), STATS_INTERVAL_MS);
    };
    const onVisibility = () => {
      if (visible() && timer === undefined) {
        last = undefined;
        void tick();
      }
    };
    document.addEventListener('visibilitychange', onVisibility);
    void tick();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [enabled]);
  return out;
}

/** 1536 → "1.5 kB"; decimal units as network tools use. */
export function humanBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? Math.round(v) : v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

export const humanRate = (bytesPerSecond: number) => `${humanBytes(bytesPerSecond)}/s`;

/** "↓ 1.2 kB/s ↑ 300 B/s" (rx then tx, from the device's side). */
export function rateText(r: Rate | undefined): string {
  return r ? `rx ${humanRate(r.rx)} · tx ${humanRate(r.tx)}` : '…';
}
