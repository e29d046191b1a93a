// The HTTP API in memory (Hono's app.request): libvirt's define/undefine/start/destroy semantics, net-list
// filters, error bodies with libvirt's texts, the read-only app, and the OpenAPI document.

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, describe, test } from 'node:test';
import type { Hono } from 'hono';
import type { NetworkEvent, NetworkInfo } from '../../src/api/types.js';
import { createApi } from '../../src/daemon/api/app.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { MemoryRuntime } from '../../src/daemon/memory-runtime.js';
import { Store } from '../../src/daemon/store.js';

const ROOT = join(import.meta.dirname, '../../..');
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function net(name: string, extra = '', bridge = `vt-${name}`): string {
  return `<network><name>${name}</name>${extra}<bridge name='${bridge}'/><ip address='192.168.100.1' netmask='255.255.255.0'/></network>`;
}

async function setup(): Promise<{
  app: Hono;
  ro: Hono;
  daemon: Daemon;
  runtime: MemoryRuntime;
  config: string;
  state: string;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'virtnet-api-'));
  dirs.push(dir);
  const config = join(dir, 'c');
  const state = join(dir, 's');
  const runtime = new MemoryRuntime();
  const daemon = new Daemon(new Store(config, state), runtime);
  await daemon.load();
  return {
    runtime,
    app: createApi(daemon, { readOnly: false }),
    ro: createApi(daemon, { readOnly: true }),
    daemon,
    config,
    state,
  };
}

async function call(app: Hono, method: string, path: string, body?: string) {
  const res = await app.request(path, { method, body });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json: json as Record<string, unknown> };
}

const errorMessage = (r: { json: Record<string, unknown> }) => (r.json.error as { message: string }).message;

describe('networks API', () => {
  let s: Awaited<ReturnType<typeof setup>>;
  beforeEach(async () => {
    s = await setup();
  });

  test('define stores libvirt-layout XML and returns the network', async () => {
    const r = await call(s.app, 'POST', '/v1/networks', net('alpha'));
    assert.equal(r.status, 201);
    assert.equal(r.json.name, 'alpha');
    assert.equal(r.json.active, false);
    assert.equal(r.json.persistent, true);
    assert.match(String(r.json.uuid), /^[0-9a-f-]{36}$/);
    const file = readFileSync(join(s.config, 'networks', 'alpha.xml'), 'utf8');
    assert.match(file, /<name>alpha<\/name>/);
    assert.match(file, /<mac address='52:54:00:/);
  });

  test('malformed XML is refused with line and column, and nothing is stored', async () => {
    const r = await call(s.app, 'POST', '/v1/networks', '<network>\n  <name>x</nam>\n</network>');
    assert.equal(r.status, 400);
    const e = r.json.error as { code: string; message: string; line: number; column: number };
    assert.equal(e.code, 'XML_ERROR');
    assert.equal(e.line, 2);
    assert.match(e.message, /^XML error: line 2, column \d+: /);
    assert.deepEqual(readdirSync(join(s.config, 'networks')), ['autostart']);
  });

  test('same name with another uuid is refused with libvirt text', async () => {
    await call(s.app, 'POST', '/v1/networks', net('a', '<uuid>11111111-2222-3333-4444-555555555555</uuid>'));
    const r = await call(
      s.app,
      'POST',
      '/v1/networks',
      net('a', '<uuid>11111111-2222-3333-4444-666666666666</uuid>'),
    );
    assert.equal(r.status, 409);
    assert.equal(
      errorMessage(r),
      "operation failed: network 'a' already exists with uuid 11111111-2222-3333-4444-555555555555",
    );
  });

  test('same uuid with another name is refused', async () => {
    await call(s.app, 'POST', '/v1/networks', net('a', '<uuid>11111111-2222-3333-4444-555555555555</uuid>'));
    const r = await call(
      s.app,
      'POST',
      '/v1/networks',
      net('b', '<uuid>11111111-2222-3333-4444-555555555555</uuid>'),
    );
    assert.equal(r.status, 409);
    assert.equal(
      errorMessage(r),
      "operation failed: network 'a' is already defined with uuid 11111111-2222-3333-4444-555555555555",
    );
  });

  test('a bridge name used by another network is refused', async () => {
    await call(s.app, 'POST', '/v1/networks', net('a', '', 'vtshared'));
    const r = await call(s.app, 'POST', '/v1/networks', net('b', '', 'vtshared'));
    assert.equal(r.status, 409);
    assert.equal(errorMessage(r), "internal error: bridge name 'vtshared' already in use.");
  });

  test('no bridge name: the lowest free virbrN is picked', async () => {
    const xml = (n: string) => `<network><name>${n}</name><ip address='10.1.0.1' prefix='24'/></network>`;
    const a = await call(s.app, 'POST', '/v1/networks', xml('a'));
    const b = await call(s.app, 'POST', '/v1/networks', xml('b'));
    const bridges = [a.json.bridge, b.json.bridge] as string[];
    assert.ok(bridges.every((x) => /^virbr\d+$/.test(x)) && bridges[0] !== bridges[1], String(bridges));
  });

  const UUID = '<uuid>0f0e0d0c-0b0a-4908-8706-050403020100</uuid>';

  test('redefining with the same uuid replaces the definition', async () => {
    const a = await call(s.app, 'POST', '/v1/networks', net('a', UUID));
    const b = await call(s.app, 'POST', '/v1/networks', net('a', `${UUID}<mtu size="9000"/>`));
    assert.equal(b.status, 201);
    assert.equal(b.json.uuid, a.json.uuid);
  });

  test('redefining from XML without a uuid is refused, as libvirt generates a new uuid for it', async () => {
    const a = await call(s.app, 'POST', '/v1/networks', net('a'));
    const b = await call(s.app, 'POST', '/v1/networks', net('a'));
    assert.equal(errorMessage(b), `operation failed: network 'a' already exists with uuid ${a.json.uuid}`);
  });

  test('lookup by name and by uuid; not found uses libvirt text', async () => {
    const a = await call(s.app, 'POST', '/v1/networks', net('a'));
    assert.equal((await call(s.app, 'GET', `/v1/networks/${a.json.uuid}`)).json.name, 'a');
    const r = await call(s.app, 'GET', '/v1/networks/nope');
    assert.equal(r.status, 404);
    assert.equal(errorMessage(r), "Network not found: no network with matching name 'nope'");
  });

  test('start/destroy with state errors as libvirt', async () => {
    await call(s.app, 'POST', '/v1/networks', net('a'));
    assert.equal((await call(s.app, 'POST', '/v1/networks/a/start')).json.active, true);
    const again = await call(s.app, 'POST', '/v1/networks/a/start');
    assert.equal(errorMessage(again), 'Requested operation is not valid: network is already active');
    assert.equal((await call(s.app, 'POST', '/v1/networks/a/destroy')).json.active, false);
    const d = await call(s.app, 'POST', '/v1/networks/a/destroy');
    assert.equal(errorMessage(d), "Requested operation is not valid: network 'a' is not active");
  });

  test('live XML shows the NAT port range while active, --inactive does not', async () => {
    await call(s.app, 'POST', '/v1/networks', net('a', "<forward mode='nat'/>"));
    await call(s.app, 'POST', '/v1/networks/a/start');
    assert.match((await call(s.app, 'GET', '/v1/networks/a/xml')).text, /<port start='1024' end='65535'\/>/);
    assert.doesNotMatch((await call(s.app, 'GET', '/v1/networks/a/xml?inactive=1')).text, /<port /);
  });

  test('undefine of an active network makes it transient; destroy then removes it', async () => {
    await call(s.app, 'POST', '/v1/networks', net('a'));
    await call(s.app, 'POST', '/v1/networks/a/start');
    const u = await call(s.app, 'DELETE', '/v1/networks/a');
    assert.equal(u.json.persistent, false);
    assert.equal(u.json.active, true);
    await call(s.app, 'POST', '/v1/networks/a/destroy');
    assert.equal((await call(s.app, 'GET', '/v1/networks/a')).status, 404);
  });

  test('transient create starts at once and cannot be autostarted', async () => {
    const c = await call(s.app, 'POST', '/v1/networks?transient=1', net('t'));
    assert.deepEqual([c.json.active, c.json.persistent], [true, false]);
    const r = await call(s.app, 'PUT', '/v1/networks/t/autostart', '{"autostart":true}');
    assert.equal(
      errorMessage(r),
      'Requested operation is not valid: cannot set autostart for transient network',
    );
  });

  test('autostart writes and removes the libvirt-style link', async () => {
    await call(s.app, 'POST', '/v1/networks', net('a'));
    await call(s.app, 'PUT', '/v1/networks/a/autostart', '{"autostart":true}');
    const link = join(s.config, 'networks', 'autostart', 'a.xml');
    assert.equal(readlinkSync(link), join(s.config, 'networks', 'a.xml'));
    await call(s.app, 'PUT', '/v1/networks/a/autostart', '{"autostart":false}');
    assert.deepEqual(readdirSync(join(s.config, 'networks', 'autostart')), []);
  });

  test('list filters follow virsh net-list', async () => {
    await call(s.app, 'POST', '/v1/networks', net('a'));
    await call(s.app, 'POST', '/v1/networks', net('b'));
    await call(s.app, 'POST', '/v1/networks/b/start');
    await call(s.app, 'PUT', '/v1/networks/a/autostart', '{"autostart":true}');
    await call(s.app, 'POST', '/v1/networks?transient=1', net('t'));
    const names = async (q: string) =>
      ((await call(s.app, 'GET', `/v1/networks${q}`)).json.networks as NetworkInfo[]).map((n) => n.name);
    assert.deepEqual(await names(''), ['b', 't']);
    assert.deepEqual(await names('?all=1'), ['a', 'b', 't']);
    assert.deepEqual(await names('?inactive=1'), ['a']);
    assert.deepEqual(await names('?all=1&persistent=1'), ['a', 'b']);
    assert.deepEqual(await names('?all=1&transient=1'), ['t']);
    assert.deepEqual(await names('?all=1&autostart=1'), ['a']);
    assert.deepEqual(await names('?all=1&no-autostart=1'), ['b', 't']);
  });

  test('a restarted daemon finds the same definitions and adopts active networks', async () => {
    await call(s.app, 'POST', '/v1/networks', net('a'));
    await call(s.app, 'POST', '/v1/networks', net('b'));
    await call(s.app, 'POST', '/v1/networks/b/start');
    const again = new Daemon(new Store(s.config, s.state), new MemoryRuntime());
    await again.load();
    assert.deepEqual(
      again.list({}).map((n) => [n.name, n.active]),
      [
        ['a', false],
        ['b', true],
      ],
    );
  });

  test('events carry name and uuid; runtime events are forwarded', async () => {
    const seen: NetworkEvent[] = [];
    const off = s.daemon.onEvent((e) => seen.push(e));
    const a = await call(s.app, 'POST', '/v1/networks', net('a'));
    await call(s.app, 'POST', '/v1/networks/a/start');
    s.runtime.emit({ network: 'a', type: 'lease', detail: { mac: '52:54:00:00:00:01' } });
    s.runtime.emit({ network: 'a', type: 'dnsmasq-restarted' });
    s.runtime.emit({ network: 'unknown', type: 'lease' });
    await call(s.app, 'PUT', '/v1/networks/a/autostart', '{"autostart":true}');
    off();
    assert.deepEqual(
      seen.map((e) => [e.type, e.name, e.uuid, e.detail]),
      [
        ['defined', 'a', a.json.uuid, undefined],
        ['started', 'a', a.json.uuid, undefined],
        ['lease', 'a', a.json.uuid, { runtimeEvent: 'lease', mac: '52:54:00:00:00:01' }],
        ['updated', 'a', a.json.uuid, { runtimeEvent: 'dnsmasq-restarted' }],
        ['updated', 'a', a.json.uuid, { autostart: true }],
      ],
    );
    assert.ok(seen.every((e) => !Number.isNaN(Date.parse(e.time))));
  });

  test('leases: unexpired ones, also of an inactive network (as libvirt); bad autostart body', async () => {
    const now = Math.floor(Date.now() / 1000);
    const lease = (ipaddr: string, expiryTime: number) => ({
      expiryTime,
      mac: '52:54:00:00:00:01',
      protocol: 'ipv4' as const,
      ipaddr,
      prefix: 24,
    });
    const runtime = new MemoryRuntime();
    runtime.leases = async () => [
      lease('192.168.100.5', now + 600),
      lease('192.168.100.6', now - 5),
      lease('192.168.100.7', 0),
    ];
    const dir = mkdtempSync(join(tmpdir(), 'virtnet-api-'));
    dirs.push(dir);
    const daemon = new Daemon(new Store(join(dir, 'c'), join(dir, 's')), runtime);
    const app = createApi(daemon, { readOnly: false });
    await call(app, 'POST', '/v1/networks', net('l'));
    const r = await call(app, 'GET', '/v1/networks/l/leases');
    assert.equal(r.status, 200);
    assert.deepEqual(
      (r.json.leases as Array<{ ipaddr: string }>).map((l) => l.ipaddr),
      ['192.168.100.5', '192.168.100.7'],
    );
    await call(s.app, 'POST', '/v1/networks', net('a'));
    await call(s.app, 'POST', '/v1/networks/a/start');
    assert.deepEqual((await call(s.app, 'GET', '/v1/networks/a/leases')).json, { leases: [] });
    const bad = await call(s.app, 'PUT', '/v1/networks/a/autostart', '{"autostart":"yes"}');
    assert.equal(bad.status, 400);
    assert.equal((bad.json.error as { code: string }).code, 'INVALID_ARG');
  });

  test('redefining an active network applies at the next start', async () => {
    await call(s.app, 'POST', '/v1/networks', net('a', UUID));
    await call(s.app, 'POST', '/v1/networks/a/start');
    await call(s.app, 'POST', '/v1/networks', net('a', `${UUID}<mtu size="9000"/>`));
    assert.doesNotMatch((await call(s.app, 'GET', '/v1/networks/a/xml')).text, /<mtu/);
    assert.match((await call(s.app, 'GET', '/v1/networks/a/xml?inactive=1')).text, /<mtu size='9000'\/>/);
    await call(s.app, 'POST', '/v1/networks/a/destroy');
    assert.match((await call(s.app, 'GET', '/v1/networks/a/xml')).text, /<mtu size='9000'\/>/);
  });

  test('the read-only API answers GET and refuses changes', async () => {
    await call(s.app, 'POST', '/v1/networks', net('a'));
    assert.equal((await call(s.ro, 'GET', '/v1/networks/a')).status, 200);
    const r = await call(s.ro, 'POST', '/v1/networks/a/start');
    assert.equal(r.status, 403);
    assert.equal((r.json.error as { code: string }).code, 'AUTH_FAILED');
  });

  test('the served OpenAPI document equals docs/openapi.json and lists exactly the mounted routes', async () => {
    const served = (await call(s.app, 'GET', '/v1/openapi.json')).json as {
      paths: Record<string, Record<string, unknown>>;
    };
    const checkedIn = JSON.parse(readFileSync(join(ROOT, 'docs/openapi.json'), 'utf8'));
    assert.deepEqual(
      served,
      checkedIn,
      'docs/openapi.json is stale: npm run build && node scripts/gen-openapi.mjs',
    );
    const documented = new Set(
      Object.entries(served.paths).flatMap(([p, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`),
      ),
    );
    const mounted = new Set(
      s.app.routes
        .filter((r) => r.method !== 'ALL' && r.path.startsWith('/v1/'))
        .map((r) => `${r.method} ${r.path}`),
    );
    assert.deepEqual([...mounted].sort(), [...documented].sort());
    // every route documents the error statuses of the one code->status map
    for (const ops of Object.values(served.paths)) {
      for (const op of Object.values(ops) as Array<{ responses: Record<string, unknown> }>) {
        for (const st of ['400', '403', '404', '409', '413', '500']) assert.ok(op.responses[st], st);
      }
    }
  });
});
