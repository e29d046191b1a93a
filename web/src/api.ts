// Fetch helpers for the virtnetd API (same origin, /v1/...) and the shared SSE subscription.

import type { NetworkHistory, NetworkSummary } from '../../src/api/summary-types';
import type {
  ApiErrorBody,
  ChangePlan,
  CheckResponse,
  ForwardChangeResponse,
  ForwardInfo,
  LeaseListResponse,
  NetworkEvent,
  NetworkInfo,
  NetworkListResponse,
  PortInfo,
} from '../../src/api/types';
import type { NetmodeReport } from '../../src/model/netmode';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly line?: number;
  readonly column?: number;
  readonly hint?: string;
  constructor(status: number, body: Partial<ApiErrorBody> | undefined, fallback: string) {
    super(body?.message ?? fallback);
    this.name = 'ApiError';
    this.status = status;
    this.code = body?.code ?? 'HTTP_' + status;
    if (body?.line !== undefined) this.line = body.line;
    if (body?.column !== undefined) this.column = body.column;
    if (body?.hint) this.hint = body.hint;
  }
}

/** The message of any thrown value, as shown to the user. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    const where =
      e.line !== undefined ? ` (line ${e.line}${e.column !== undefined ? `, column ${e.column}` : ''})` : '';
    return e.message + where + (e.hint ? ` — ${e.hint}` : '');
  }
  return e instanceof Error ? e.message : String(e);
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

async function request(method: Method, path: string, body?: string, contentType?: string): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  // The server requires this header on mutations to tell same-origin pages from cross-origin forms.
  if (method !== 'GET') headers['X-Virtnet-Client'] = 'web';
  if (body !== undefined && contentType) headers['Content-Type'] = contentType;
  const res = await fetch(path, { method, headers, body, credentials: 'same-origin' });
  if (!res.ok) {
    let parsed: { error?: ApiErrorBody } | undefined;
    const text = await res.text();
    try {
      parsed = JSON.parse(text) as { error?: ApiErrorBody };
    } catch {
      parsed = undefined;
    }
    throw new ApiError(res.status, parsed?.error, text.trim() || `${res.status} ${res.statusText}`);
  }
  return res;
}

async function json<T>(method: Method, path: string, body?: string, contentType?: string): Promise<T> {
  const res = await request(method, path, body, contentType);
  return (await res.json()) as T;
}

const net = (name: string) => '/v1/networks/' + encodeURIComponent(name);

export const api = {
  list: () => json<NetworkListResponse>('GET', '/v1/networks?all=1').then((r) => r.networks),
  /** Everything the list page shows, for every network, in one request. */
  summaries: () =>
    json<{ networks: NetworkSummary[] }>('GET', '/v1/networks?all=1&detail=1').then((r) => r.networks),
  /** The events the daemon kept for the network (also those from before the page opened). */
  history: (name: string) => json<NetworkHistory>('GET', net(name) + '/events'),
  info: (name: string) => json<NetworkInfo>('GET', net(name)),
  xml: async (name: string, inactive = false) =>
    (await request('GET', net(name) + '/xml' + (inactive ? '?inactive=1' : ''))).text(),
  leases: (name: string) => json<LeaseListResponse>('GET', net(name) + '/leases').then((r) => r.leases),
  check: (name: string) => json<CheckResponse>('GET', net(name) + '/check').then((r) => r.problems),
  ports: (name: string) => json<{ ports: PortInfo[] }>('GET', net(name) + '/ports').then((r) => r.ports),
  forwards: (name: string) =>
    json<{ forwards: ForwardInfo[] }>('GET', net(name) + '/forwards').then((r) => r.forwards),
  planDefine: (xml: string) => json<ChangePlan>('POST', '/v1/networks?dryRun=1', xml, 'application/xml'),
  define: (xml: string) => json<NetworkInfo>('POST', '/v1/networks', xml, 'application/xml'),
  /** Define and start as one change: a start that fails leaves nothing defined. */
  defineAndStart: (xml: string, autostart: boolean) =>
    json<NetworkInfo>(
      'POST',
      '/v1/networks?start=1' + (autostart ? '&autostart=1' : ''),
      xml,
      'application/xml',
    ),
  undefine: (name: string) => json<NetworkInfo>('DELETE', net(name)),
  start: (name: string) => json<NetworkInfo>('POST', net(name) + '/start'),
  destroy: (name: string) => json<NetworkInfo>('POST', net(name) + '/destroy'),
  /** Makes again what check finds missing or different. */
  repair: (name: string) => json<{ info: NetworkInfo }>('POST', net(name) + '/repair'),
  setAutostart: (name: string, autostart: boolean) =>
    json<NetworkInfo>('PUT', net(name) + '/autostart', JSON.stringify({ autostart }), 'application/json'),
  addForward: (name: string, input: Record<string, unknown>) =>
    json<ForwardChangeResponse>('POST', net(name) + '/forwards', JSON.stringify(input), 'application/json'),
  /** The forward's dry run: the rules and file it would change, with warnings (a host port in use). */
  planForward: (name: string, input: Record<string, unknown>) =>
    json<ForwardChangeResponse>(
      'POST',
      net(name) + '/forwards?dryRun=1',
      JSON.stringify(input),
      'application/json',
    ),
  deleteForward: (name: string, f: Pick<ForwardInfo, 'proto' | 'listenPort' | 'listenAddress'>) => {
    const q = new URLSearchParams({ proto: f.proto, listenPort: String(f.listenPort) });
    if (f.listenAddress) q.set('listenAddress', f.listenAddress);
    return json<ForwardChangeResponse>('DELETE', net(name) + '/forwards?' + q.toString());
  },
  /** libvirt's net-update. */
  update: (name: string, u: NetUpdate) =>
    json<NetworkInfo>('POST', net(name) + '/update', JSON.stringify(u), 'application/json'),
  stats: (name: string) => json<NetStats>('GET', net(name) + '/stats'),
  /** Every active network's bridge counters in one sample. */
  allStats: () => json<AllStats>('GET', '/v1/stats'),
  /** The mode with its evidence: dnsmasq, firewall chains, bridge ports, as the host has them now. */
  netmode: (name: string) => json<NetmodeReport>('GET', '/v1/netmode/' + encodeURIComponent(name)),
  hostDevices: () => json<{ devices: HostDevice[] }>('GET', '/v1/host/devices').then((r) => r.devices),
};

export interface NetUpdate {
  command: 'add' | 'delete' | 'modify' | 'add-first' | 'add-last';
  section:
    | 'ip-dhcp-host'
    | 'dns-host'
    | 'dns-txt'
    | 'dns-srv'
    | 'ip-dhcp-range'
    | 'portgroup'
    | 'forward-interface';
  xml: string;
  parentIndex?: number;
  live?: boolean;
  config?: boolean;
}

export interface Counters {
  rxBytes: number;
  txBytes: number;
  rxPackets: number;
  txPackets: number;
}

export interface NetStats {
  /** ms since epoch */
  time: number;
  bridge?: Counters & { name: string };
  ports: Array<Counters & { uuid: string; device: string; owner: string }>;
}

export interface AllStats {
  time: number;
  networks: Record<string, Counters & { name: string }>;
}

export interface HostDevice {
  name: string;
  kind: string;
  up: boolean;
  addresses: string[];
  master?: string;
  /** The network using it. */
  virtnet?: string;
  /** The device of the default route. */
  defaultRoute?: boolean;
}

// ---- live updates: one EventSource for the whole page, shared by every subscriber ----

type Listener = (e: NetworkEvent) => void;
const listeners = new Set<Listener>();
let source: EventSource | undefined;

function onNetworkEvent(msg: MessageEvent<string>): void {
  let e: NetworkEvent;
  try {
    e = JSON.parse(msg.data) as NetworkEvent;
  } catch {
    return;
  }
  for (const l of [...listeners]) l(e);
}

/** Calls fn for every `network` event from /v1/events; returns the unsubscribe function. */
export function subscribe(fn: Listener): () => void {
  listeners.add(fn);
  if (!source && typeof EventSource !== 'undefined') {
    source = new EventSource('/v1/events', { withCredentials: true });
    source.addEventListener('network', onNetworkEvent as (e: Event) => void);
  }
  return () => {
    listeners.delete(fn);
  };
}
