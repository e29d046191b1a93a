// The overlay through the API, in memory (the real engine, planner and renderers over a fake host): net-info's
// VNI, VTEP and MTU, GET /overlay, refusals with their HTTP status, bindings learned from EVPN becoming dnsmasq
// reservations and DNS hosts, FRR's restarts on every overlay network's event stream, and doctor.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, describe, test } from 'node:test';
import type { Hono } from 'hono';
import type { NetworkEvent } from '../../src/api/types.js';
import { createApi } from '../../src/daemon/api/app.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { MemoryRuntime } from '../../src/daemon/memory-runtime.js';
import { Store } from '../../src/daemon/store.js';
import type { MemoryOverlay } from '../../src/host/memory-overlay.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const OVERLAY = { address: '10.99.0.2', peers: ['10.99.0.1', '10.99.0.3'], asn: 65000 };
const xml = (name: string, vni: string, extra = "<forward mode='nat'/>", net = '10.50.0') => `<network>
  <name>${name}</name>
  <metadata><virtnet:overlay xmlns:virtnet='https://virtnet.dev/xmlns/network-overlay/1' vni='${vni}'/></metadata>
  ${extra}<bridge name='vb-${name}'/><domain name='ov.test'/>
  <ip address='${net}.1' prefix='24'><dhcp><range start='${net}.10' end='${net}.99'/></dhcp></ip>
</network>`;

async function setup(overlay: typeof OVERLAY | null = OVERLAY) {
  const dir = mkdtempSync(join(tmpdir(), 'virtnet-api-ov-'));
  dirs.push(dir);
  const runtime = new MemoryRuntime({ ...(overlay ? { overlay } : {}) });
  const daemon = new Daemon(new Store(join(dir, 'c'), join(dir, 's')), runtime);
  await daemon.load();
  const app: Hono = createApi(daemon, { readOnly: false });
  const events: NetworkEvent[] = [];
  daemon.onEvent((e) => events.push(e));
  const call = async (method: string, path: string, body?: string) => {
    const res = await app.request(path, { method, body });
    const text = await res.text();
    return { status: res.status, json: JSON.parse(text) as Record<string, unknown> };
  };
  return { runtime, daemon, call, events, ov: runtime.host.overlay as MemoryOverlay };
}

const message = (r: { json: Record<string, unknown> }) => (r.json.error as { message: string }).message;

describe('overlay API', () => {
  let s: Awaited<ReturnType<typeof setup>>;
  beforeEach(async () => {
    s = await setup();
  });

  test('net-info: the VNI and local VTEP always, the MTU while active', async () => {
    let r = await s.call('POST', '/v1/networks', xml('red', '100'));
    assert.equal(r.status, 201);
    assert.deepEqual(r.json.overlay, { vni: 100, localVtep: '10.99.0.2' });
    r = await s.call('POST', '/v1/networks/red/start');
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.deepEqual(r.json.overlay, { vni: 100, localVtep: '10.99.0.2', mtu: 1450 });
    const list = (await s.call('GET', '/v1/networks')).json.networks as Array<Record<string, unknown>>;
    assert.deepEqual(list[0]?.overlay, { vni: 100, localVtep: '10.99.0.2', mtu: 1450 });
  });

  test('GET /overlay: peers (down: no FRR in memory), learned bindings; refused for networks without one', async () => {
    await s.call('POST', '/v1/networks', xml('red', '100'));
    let r = await s.call('GET', '/v1/networks/red/overlay');
    assert.equal(r.status, 409);
    assert.match(message(r), /network 'red' is not active/);
    await s.call('POST', '/v1/networks/red/start');
    r = await s.call('GET', '/v1/networks/red/overlay');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, {
      network: 'red',
      vni: 100,
      localVtep: '10.99.0.2',
      asn: 65000,
      peers: [
        { address: '10.99.0.1', state: 'down' },
        { address: '10.99.0.3', state: 'down' },
      ],
      remoteVteps: [],
      remotes: [],
      learned: 0,
    });
    await s.call('POST', '/v1/networks', "<network><name>plain</name><bridge name='vb-p'/></network>");
    r = await s.call('GET', '/v1/networks/plain/overlay');
    assert.equal(r.status, 409);
    assert.match(message(r), /does not span hosts/);
  });

  test('refusals: a VNI used by another network (409), out of range, in bridge mode (400); nothing defined', async () => {
    await s.call('POST', '/v1/networks', xml('red', '100'));
    let r = await s.call('POST', '/v1/networks', xml('blue', '100', "<forward mode='nat'/>", '10.51.0'));
    assert.equal(r.status, 409);
    assert.match(message(r), /network 'blue' uses the VNI of network 'red'/);
    r = await s.call('POST', '/v1/networks', xml('blue', '16777216', "<forward mode='nat'/>", '10.51.0'));
    assert.equal(r.status, 400);
    assert.match(message(r), /invalid VNI '16777216'/);
    r = await s.call('POST', '/v1/networks', xml('blue', '5', "<forward mode='bridge'/>"));
    assert.equal(r.status, 400);
    assert.match(message(r), /forward mode='bridge' cannot carry <virtnet:overlay>/);
    const names = ((await s.call('GET', '/v1/networks?all=1')).json.networks as Array<{ name: string }>).map(
      (n) => n.name,
    );
    assert.deepEqual(names, ['red']);
  });

  test('without --overlay-address: the start fails naming the flag, and doctor says so', async () => {
    s = await setup(null);
    await s.call('POST', '/v1/networks', xml('red', '100'));
    const r = await s.call('POST', '/v1/networks/red/start');
    assert.equal(r.status, 409, 'a blocker on this host: HOST_CONFLICT');
    assert.match(message(r), /virtnetd runs without --overlay-address/);
    assert.equal((await s.call('GET', '/v1/networks/red')).json.active, false);
    const doc = (await s.call('GET', '/v1/doctor')).json as {
      findings: Array<{ id: string; message: string }>;
    };
    assert.ok(doc.findings.some((f) => f.id === 'overlay-unconfigured' && /'red'/.test(f.message)));
  });

  test('FRR missing: the start fails naming the package; the dry run says it too', async () => {
    s.ov.frrInstalled = () => false;
    await s.call('POST', '/v1/networks', xml('red', '100'));
    const dry = await s.call('POST', '/v1/networks/red/start?dryRun=1');
    assert.ok(
      (dry.json.warnings as string[]).some((w) => /apt-get install frr/.test(w)),
      JSON.stringify(dry.json),
    );
    const r = await s.call('POST', '/v1/networks/red/start');
    assert.equal(r.status, 409, 'a blocker on this host: HOST_CONFLICT');
    assert.match(message(r), /install Debian's package 'frr'/);
  });

  test('bindings learned from EVPN become reservations and, with the name the member told, DNS hosts', async () => {
    await s.call('POST', '/v1/networks', xml('red', '100'));
    await s.call('POST', '/v1/networks/red/start');
    s.ov.neighbours.set('vb-red', [{ ip: '10.50.0.11', mac: '52:54:00:0b:00:01', vtep: '10.99.0.1' }]);
    s.ov.names.set('10.99.0.1|10.50.0.11', 'web');
    await s.daemon.overlay.poll();
    const files = s.runtime.host.fake.files;
    const hosts = [...files].find(([p]) => p.endsWith('red.hostsfile'))?.[1];
    const addn = [...files].find(([p]) => p.endsWith('red.addnhosts'))?.[1];
    assert.equal(hosts, '52:54:00:0b:00:01,10.50.0.11\n');
    assert.equal(addn, '10.50.0.11\tweb\t\n');
    const report = (await s.call('GET', '/v1/networks/red/overlay')).json;
    assert.equal(report.learned, 1);
    // gone from EVPN (the guest's port was deleted there): kept, so that it gets its address back here
    s.ov.neighbours.set('vb-red', []);
    await s.daemon.overlay.poll();
    assert.equal(
      [...files].find(([p]) => p.endsWith('red.hostsfile'))?.[1],
      '52:54:00:0b:00:01,10.50.0.11\n',
    );
  });

  test("FRR's restarts are reported on every active overlay network's event stream", async () => {
    await s.call('POST', '/v1/networks', xml('red', '100'));
    await s.call('POST', '/v1/networks/red/start');
    await s.call('POST', '/v1/networks', xml('blue', '101', "<forward mode='nat'/>", '10.51.0'));
    await s.call('POST', '/v1/networks/blue/start');
    await s.call('POST', '/v1/networks', "<network><name>plain</name><bridge name='vb-p'/></network>");
    await s.call('POST', '/v1/networks/plain/start');
    s.events.length = 0;
    s.runtime.emit({ network: '', type: 'frr-restarted', detail: { pid: 77, process: 'bgpd' } });
    assert.deepEqual(
      s.events.map((e) => [e.name, e.type, e.detail?.runtimeEvent, e.detail?.process]),
      [
        ['red', 'updated', 'frr-restarted', 'bgpd'],
        ['blue', 'updated', 'frr-restarted', 'bgpd'],
      ],
    );
  });
});
