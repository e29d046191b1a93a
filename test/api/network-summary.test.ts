// The list page's one request (GET /v1/networks?detail=1), the kept per-network events
// (GET /v1/networks/{id}/events) and the one-sample bridge counters (GET /v1/stats), in memory.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Hono } from 'hono';
import type { NetworkHistory, NetworkSummary } from '../../src/api/summary-types.js';
import { createApi } from '../../src/daemon/api/app.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { EventHistory } from '../../src/daemon/event-history.js';
import { MemoryRuntime } from '../../src/daemon/memory-runtime.js';
import { Store } from '../../src/daemon/store.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function setup(): Promise<{ app: Hono; daemon: Daemon }> {
  const dir = mkdtempSync(join(tmpdir(), 'virtnet-summary-'));
  dirs.push(dir);
  const daemon = new Daemon(new Store(join(dir, 'c'), join(dir, 's')), new MemoryRuntime());
  await daemon.load();
  return { app: createApi(daemon, { readOnly: false }), daemon };
}

async function call(app: Hono, method: string, path: string, body?: string) {
  const res = await app.request(path, { method, body });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) };
}

const natNet = (name: string, third: number) =>
  `<network><name>${name}</name><forward mode='nat'/><bridge name='vt-${name}'/><ip address='10.9.${third}.1' prefix='24'><dhcp><range start='10.9.${third}.100' end='10.9.${third}.149'/></dhcp></ip></network>`;

describe('GET /v1/networks?detail=1', () => {
  test('gives state, subnets, DHCP pool, guests and forwards of every network in one answer', async () => {
    const { app } = await setup();
    assert.equal((await call(app, 'POST', '/v1/networks', natNet('alpha', 1))).status, 201);
    assert.equal((await call(app, 'POST', '/v1/networks', natNet('beta', 2))).status, 201);
    assert.equal((await call(app, 'POST', '/v1/networks/alpha/start')).status, 200);
    const fwd = JSON.stringify({ listenPort: 8080, targetAddress: '10.9.1.5', targetPort: 80 });
    const f = await call(app, 'POST', '/v1/networks/alpha/forwards', fwd);
    assert.equal(f.status, 201, f.text);
    const port = JSON.stringify({ owner: 'web1', tap: 'vnet7', mac: '52:54:00:00:00:07' });
    const p = await call(app, 'POST', '/v1/networks/alpha/ports', port);
    assert.equal(p.status, 201, p.text);
    const r = await call(app, 'GET', '/v1/networks?all=1&detail=1');
    assert.equal(r.status, 200, r.text);
    const nets = r.json().networks as NetworkSummary[];
    const alpha = nets.find((n) => n.name === 'alpha');
    const beta = nets.find((n) => n.name === 'beta');
    assert.ok(alpha && beta, r.text);
    assert.equal(alpha.state, 'active');
    assert.equal(beta.state, 'inactive');
    assert.deepEqual(alpha.subnets, ['10.9.1.0/24']);
    assert.deepEqual(beta.subnets, ['10.9.2.0/24']);
    assert.deepEqual(alpha.dhcp, { leased: 0, pool: 50 });
    assert.equal(alpha.guests, 1);
    assert.deepEqual(alpha.guestNames, ['web1']);
    assert.equal(alpha.ports, 1);
    assert.equal(alpha.forwards, 1);
    assert.equal(beta.guests, 0);
    assert.equal(beta.forwards, 0);
    // without detail: the plain NetworkInfo of net-list, no summary fields
    const plain = (await call(app, 'GET', '/v1/networks?all=1')).json().networks as Array<
      Record<string, unknown>
    >;
    assert.equal(plain.length, 2);
    assert.equal(plain[0]?.state, undefined);
  });

  test('a failed heal round makes the network degraded with the problems, a repair makes it active again', async () => {
    const { app, daemon } = await setup();
    assert.equal((await call(app, 'POST', '/v1/networks', natNet('gamma', 3))).status, 201);
    assert.equal((await call(app, 'POST', '/v1/networks/gamma/start')).status, 200);
    assert.equal(
      daemon.records.health.observed('gamma', ["bridge 'vt-gamma' is missing"], 'no permission'),
      true,
    );
    // the same observation again changes nothing: clients are not told twice
    assert.equal(
      daemon.records.health.observed('gamma', ["bridge 'vt-gamma' is missing"], 'no permission'),
      false,
    );
    const bad = (await call(app, 'GET', '/v1/networks?detail=1')).json().networks as NetworkSummary[];
    assert.equal(bad[0]?.state, 'degraded');
    assert.deepEqual(bad[0]?.problems, ["bridge 'vt-gamma' is missing"]);
    assert.equal((await call(app, 'POST', '/v1/networks/gamma/repair')).status, 200);
    const good = (await call(app, 'GET', '/v1/networks?detail=1')).json().networks as NetworkSummary[];
    assert.equal(good[0]?.state, 'active');
    assert.equal(good[0]?.problems, undefined);
  });
});

describe('GET /v1/networks/{id}/events', () => {
  test('keeps what happened to a network before the page opened, oldest first', async () => {
    const { app } = await setup();
    assert.equal((await call(app, 'POST', '/v1/networks', natNet('delta', 4))).status, 201);
    assert.equal((await call(app, 'POST', '/v1/networks/delta/start')).status, 200);
    assert.equal((await call(app, 'POST', '/v1/networks/delta/destroy')).status, 200);
    const h = (await call(app, 'GET', '/v1/networks/delta/events')).json() as NetworkHistory;
    assert.deepEqual(
      h.events.map((e) => e.type),
      ['defined', 'started', 'stopped'],
    );
    assert.equal(h.truncated, false);
    const last = (await call(app, 'GET', '/v1/networks/delta/events?limit=1')).json() as NetworkHistory;
    assert.deepEqual(
      last.events.map((e) => e.type),
      ['stopped'],
    );
    assert.equal(last.truncated, true);
    assert.equal((await call(app, 'GET', '/v1/networks/nope/events')).status, 404);
    assert.equal((await call(app, 'GET', '/v1/networks/delta/events?limit=0')).status, 400);
  });

  test('stays within its bounds per network and in total, dropping the oldest', () => {
    const h = new EventHistory(3, 5);
    const ev = (name: string, i: number) => ({ type: 'lease' as const, name, uuid: 'u', time: String(i) });
    for (let i = 0; i < 4; i++) h.add(ev('a', i));
    assert.deepEqual(
      h.of('a').events.map((e) => e.time),
      ['1', '2', '3'],
    );
    assert.equal(h.of('a').truncated, true);
    for (let i = 0; i < 3; i++) h.add(ev('b', 10 + i));
    assert.equal(h.size, 5);
    assert.deepEqual(
      h.of('a').events.map((e) => e.time),
      ['2', '3'],
    );
    assert.deepEqual(
      h.of('b').events.map((e) => e.time),
      ['10', '11', '12'],
    );
  });
});

describe('GET /v1/stats', () => {
  test("answers every active network's bridge counters in one sample", async () => {
    const { app } = await setup();
    assert.equal((await call(app, 'POST', '/v1/networks', natNet('eps', 5))).status, 201);
    assert.equal((await call(app, 'POST', '/v1/networks/eps/start')).status, 200);
    const r = await call(app, 'GET', '/v1/stats');
    assert.equal(r.status, 200, r.text);
    const body = r.json() as { time: number; networks: Record<string, { name: string }> };
    assert.ok(body.time > 0);
    assert.deepEqual(Object.keys(body.networks), ['eps']);
    assert.equal(body.networks.eps?.name, 'vt-eps');
  });
});
