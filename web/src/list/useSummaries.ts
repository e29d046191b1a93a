// The list page's data: one request for every network (GET /v1/networks?all=1&detail=1), asked again after the
// events that change it, at most once a second however many arrive (a thousand networks' leases come in bursts).
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { NetworkSummary } from '../../../src/api/summary-types';
import { api, errorText, subscribe } from '../api';

export const REFRESH_GAP_MS = 1000;

export function useSummaries(): {
  list: NetworkSummary[] | undefined;
  error: string | undefined;
  refresh: () => Promise<void>;
} {
  const [list, setList] = useState<NetworkSummary[]>();
  const [error, setError] = useState<string>();
  const alive = useRef(true);

  const refresh = useCallback(async () => {
    try {
      const nets = await api.summaries();
      if (!alive.current) return;
      setList(nets);
      setError(undefined);
    } catch (e) {
      if (alive.current) setError(errorText(e));
    }
  }, []);

  useEffect(() => {
    alive.current = true;
    void refresh();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let last = 0;
    const off = subscribe(() => {
      if (timer !== undefined) return;
      const wait = Math.max(0, last + REFRESH_GAP_MS - Date.now());
      timer = setTimeout(() => {
        timer = undefined;
        last = Date.now();
        void refresh();
      }, wait);
    });
    return () => {
      alive.current = false;
      if (timer !== undefined) clearTimeout(timer);
      off();
    };
  }, [refresh]);

  return { list, error, refresh };
}
