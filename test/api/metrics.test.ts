// GET /metrics in memory: behind the TCP listener's token, Prometheus' text format as a real parser reads it,
// networks, leases' pool, API requests by route pattern and status, heal rounds, event-stream clients.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { createApi } from '../../src/daemon/api/app.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { MemoryRuntime } from '../../src/daemon/memory-runtime.js';
import { DaemonMetrics, dhcpPoolSize } from '../../src/daemon/metrics.js';
import { Exposition, Histogram } from '../../src/daemon/metrics-text.js';
import { Store } from '../../src/daemon/store.js';
import { parseNetworkXml } from '../../src/model/network-parse.js';

const dir = mkdtempSync(join(tmpdir(), 'virtnet-metrics-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const TOKEN = 'metrics-token';
const HOST = '127.0.0.1:8470';
const XML = `<network><name>m1</name><bridge name='vnm1'/><forward mode='nat'/>
  <ip address='10.77.0.1' netmask='255.255.255.0'><dhcp><range start='10.77.0.100' end='10.77.0.199'/></dhcp></ip>
  <ip family='ipv6' address='fd77::1' prefix='64'><dhcp><range start='fd77::10' end='fd77::1f'/></dhcp></ip>
</network>`;

interface Family {
  name: string;
  help: string;
  type: string;
  metrics: Array<{
    labels?: Record<string, string>;
    value?: string;
    buckets?: Record<string, string>;
    count?: string;
  }>;
}

async function setup() {
  const d = mkdtempSync(join(dir, 'd-'));
  const daemon = new Daemon(new Store(join(d, 'c'), join(d, 's')), new MemoryRuntime());
  await daemon.load();
  const metrics = new DaemonMetrics(daemon);
  const hosts = { names: ['localhost', '127.0.0.1'], anyIp: false, port: 8470 };
  const app = createApi(daemon, { readOnly: false, transport: 'tcp', token: TOKEN, hosts, metrics });
  const call = (method: string, path: string, body?: string, auth = true) =>
    app.request(`http://${HOST}${path}`, {
      method,
      headers: { host: HOST, ...(auth ? { authorization: `Bearer ${TOKEN}` } : {}) },
      ...(body === undefined ? {} : { body }),
    });
  const scrape = async (): Promise<{ families: Map<string, Family>; text: string }> => {
    const res = await call('GET', '/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const families = parsePrometheusTextFormat(text) as Family[];
    return { families: new Map(families.map((f) => [f.name, f])), text };
  };
  return { daemon, metrics, call, scrape };
}

/** Prometheus' own parser and linter (Debian's prometheus package; scripts/setup.sh installs it for CI). */
export function promtoolCheck(text: string): void {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (r.error && !process.env.CI) return; // not installed on this machine: the npm parser above still ran
  assert.equal(r.status, 0, `promtool check metrics: ${r.stdout}${r.stderr}${r.error ?? ''}`);
}

const sample = (f: Family | undefined, labels: Record<string, string>) =>
  f?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));

test('/metrics needs the token, like /v1', async () => {
  const { call } = await setup();
  const res = await call('GET', '/metrics', undefined, false);
  assert.equal(res.status, 403);
  assert.doesNotMatch(await res.text(), /virtnet_/);
});

test('networks, pool size, API requests by route pattern, heal rounds, stream clients', async () => {
  const { daemon, call, scrape } = await setup();
  assert.equal((await call('POST', '/v1/networks', XML)).status, 201);
  assert.equal((await call('POST', '/v1/networks/m1/start')).status, 200);
  assert.equal((await call('GET', '/v1/networks/nosuch')).status, 404);
  assert.equal((await call('GET', '/v1/networks/other-missing')).status, 404);
  await daemon.heal();
  const stream = await call('GET', '/v1/events');
  assert.equal(stream.status, 200);

  let { families: m, text } = await scrape();
  for (const [name, f] of m) {
    assert.match(name, /^virtnet_[a-z0-9_]+$/, name);
    assert.ok(f.help.length > 10, `${name} has HELP`);
    if (f.type === 'COUNTER') assert.match(name, /_total$/, `${name} is a counter`);
  }
  assert.equal(sample(m.get('virtnet_network_active'), { network: 'm1' })?.value, '1');
  assert.equal(sample(m.get('virtnet_network_info'), { network: 'm1' })?.labels?.mode, 'nat');
  // 100 IPv4 addresses and 16 IPv6 ones
  assert.equal(sample(m.get('virtnet_network_dhcp_pool_size'), { network: 'm1' })?.value, '116');
  assert.equal(sample(m.get('virtnet_network_dhcp_leases'), { network: 'm1' })?.value, '0');
  assert.equal(sample(m.get('virtnet_network_repairs_total'), { network: 'm1' })?.value, '0');
  const req = m.get('virtnet_api_requests_total');
  // both misses share one label set: the route as registered, never the path a client sent
  assert.equal(sample(req, { method: 'GET', route: '/v1/networks/:id', status: '404' })?.value, '2');
  assert.equal(sample(req, { method: 'POST', route: '/v1/networks', status: '201' })?.value, '1');
  assert.ok(!req?.metrics.some((s) => s.labels?.route?.includes('nosuch')));
  // the npm parser drops a labelled histogram's labels and count: read those lines as text
  const route = 'method="GET",route="/v1/networks/:id"';
  assert.match(text, new RegExp(`^virtnet_api_request_duration_seconds_count\\{${route}\\} 2$`, 'm'));
  assert.match(
    text,
    new RegExp(`^virtnet_api_request_duration_seconds_bucket\\{${route},le="\\+Inf"\\} 2$`, 'm'),
  );
  promtoolCheck(text);
  assert.equal(sample(m.get('virtnet_heal_rounds_total'), { result: 'ok' })?.value, '1');
  assert.equal(m.get('virtnet_event_stream_clients')?.metrics[0]?.value, '1');

  const reader = stream.body?.getReader();
  assert.match(new TextDecoder().decode((await reader?.read())?.value), /event: hello/);
  await reader?.cancel();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal((await call('POST', '/v1/networks/m1/repair')).status, 200);
  ({ families: m } = await scrape());
  assert.equal(m.get('virtnet_event_stream_clients')?.metrics[0]?.value, '0');
  // the earlier scrape is counted too, under its own route
  assert.equal(sample(m.get('virtnet_api_requests_total'), { route: '/metrics', status: '200' })?.value, '1');
  assert.equal((await call('POST', '/v1/networks/m1/destroy')).status, 200);
  ({ families: m } = await scrape());
  assert.equal(sample(m.get('virtnet_network_active'), { network: 'm1' })?.value, '0');
});

test('a request refused before routing is counted under its route, not its path', async () => {
  const { call, scrape } = await setup();
  assert.equal((await call('GET', '/v1/networks/x', undefined, false)).status, 403);
  assert.equal((await call('GET', '/v1/no/such/route/at/all')).status, 404);
  const req = (await scrape()).families.get('virtnet_api_requests_total');
  assert.equal(sample(req, { route: '/v1/networks/:id', status: '403' })?.value, '1');
  assert.equal(sample(req, { route: 'unmatched', status: '404' })?.value, '1');
});

test('pool size counts each range once, IPv6 included', () => {
  const def = parseNetworkXml(XML);
  assert.equal(dhcpPoolSize(def), 116);
  assert.equal(
    dhcpPoolSize(parseNetworkXml("<network><name>i</name><ip address='10.1.0.1' prefix='24'/></network>")),
    0,
  );
});

test('exposition text: escaped labels, cumulative buckets, one family per name', () => {
  const h = new Histogram([0.1, 1]);
  for (const v of [0.05, 0.5, 0.5, 7]) h.observe(v);
  const e = new Exposition();
  e.counter('x_total', 'help with \\ and\nnewline', [[{ a: 'q"uote\\back\nline' }, 3]]);
  e.histogram('h_seconds', 'a histogram', [[{}, h]]);
  const text = e.text();
  assert.match(text, /^x_total\{a="q\\"uote\\\\back\\nline"\} 3$/m);
  assert.match(text, /^# HELP x_total help with \\\\ and\\nnewline$/m);
  assert.match(text, /^h_seconds_bucket\{le="0.1"\} 1$/m);
  assert.match(text, /^h_seconds_bucket\{le="1"\} 3$/m);
  assert.match(text, /^h_seconds_bucket\{le="\+Inf"\} 4$/m);
  assert.match(text, /^h_seconds_count 4$/m);
  const parsed = parsePrometheusTextFormat(text) as Family[];
  assert.equal(parsed.find((f) => f.name === 'x_total')?.metrics[0]?.labels?.a, 'q"uote\\back\nline');
  assert.throws(() => e.counter('x_total', 'again', []), /written twice/);
});
