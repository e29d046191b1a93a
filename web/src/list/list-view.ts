// The list page's rows from the daemon's summaries: search, sort and the view (sort, filter, state) kept in the
// page's URL so a reload or a shared link shows the same list. Pure.
import type { NetworkState, NetworkSummary } from '../../../src/api/summary-types';
import { modeLabel } from '../xml';

export type SortKey = 'name' | 'state' | 'mode' | 'subnets' | 'dhcp' | 'guests' | 'autostart';
export type StateFilter = 'all' | NetworkState;

export const SORT_KEYS: readonly SortKey[] = [
  'name',
  'state',
  'mode',
  'subnets',
  'dhcp',
  'guests',
  'autostart',
];
export const STATE_FILTERS: readonly StateFilter[] = ['all', 'active', 'degraded', 'inactive'];

export interface ListView {
  sort: SortKey;
  dir: 1 | -1;
  q: string;
  state: StateFilter;
}

export const DEFAULT_VIEW: ListView = { sort: 'name', dir: 1, q: '', state: 'all' };

export function viewFromQuery(q: URLSearchParams): ListView {
  const sort = q.get('sort') as SortKey | null;
  const state = q.get('state') as StateFilter | null;
  return {
    sort: sort && SORT_KEYS.includes(sort) ? sort : DEFAULT_VIEW.sort,
    dir: q.get('dir') === 'desc' ? -1 : 1,
    q: (q.get('q') ?? '').slice(0, 200),
    state: state && STATE_FILTERS.includes(state) ? state : 'all',
  };
}

/** The query string of a view ('' for the default view), defaults left out. */
export function viewToQuery(v: ListView): string {
  const q = new URLSearchParams();
  if (v.sort !== DEFAULT_VIEW.sort) q.set('sort', v.sort);
  if (v.dir === -1) q.set('dir', 'desc');
  if (v.q) q.set('q', v.q);
  if (v.state !== 'all') q.set('state', v.state);
  const s = q.toString();
  return s ? `?${s}` : '';
}

export interface Row {
  s: NetworkSummary;
  mode: string;
  /** Lower-case text the filter searches: name, bridge, mode, subnets, guests. */
  hay: string;
}

export function toRow(s: NetworkSummary): Row {
  const mode = modeLabel(s.mode, undefined, s.bridge, s.uplink);
  const hay = [s.name, s.bridge ?? '', mode, ...s.subnets, ...s.guestNames].join('\n').toLowerCase();
  return { s, mode, hay };
}

const collator = new Intl.Collator(undefined, { numeric: true });

function compare(a: Row, b: Row, key: SortKey): number {
  switch (key) {
    case 'dhcp':
      return (
        (a.s.dhcp?.leased ?? -1) - (b.s.dhcp?.leased ?? -1) || (a.s.dhcp?.pool ?? 0) - (b.s.dhcp?.pool ?? 0)
      );
    case 'guests':
      return a.s.guests - b.s.guests;
    case 'autostart':
      return Number(a.s.autostart) - Number(b.s.autostart);
    case 'subnets':
      return collator.compare(a.s.subnets[0] ?? '', b.s.subnets[0] ?? '');
    case 'state':
      return a.s.state.localeCompare(b.s.state);
    case 'mode':
      return a.mode.localeCompare(b.mode);
    default:
      return 0;
  }
}

/** The rows the view shows, in its order (ties by name, so the order is stable). */
export function shownRows(rows: Row[], v: ListView): Row[] {
  const q = v.q.trim().toLowerCase();
  const out = rows.filter((r) => (v.state === 'all' || r.s.state === v.state) && (!q || r.hay.includes(q)));
  return out.sort((a, b) => (compare(a, b, v.sort) || collator.compare(a.s.name, b.s.name)) * v.dir);
}
