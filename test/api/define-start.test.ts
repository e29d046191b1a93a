// Define-and-start as one change (POST /v1/networks?start=1, the web UI's Create): a start that fails leaves
// nothing defined (no definition file, no autostart link, no registry entry); a start that works is a persistent,
// active network.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, describe, test } from 'node:test';
import type { Hono } from 'hono';
import type { NetworkEvent } from '../../src/api/types.js';
import { createApi } from '../../src/daemon/api/app.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { MemoryRuntime } from '../../src/daemon/memory-runtime.js';
import { Store } from '../../src/daemon/store.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const net = (name: string, third: number) =>
  `<network><name>${name}</name><forward mode='nat'/><ip address='10.30.${third}.1' prefix='24'/></network>`;

describe('define and start as one change', () => {
  let app: Hono;
  let config: string;
  const events: NetworkEvent[] = [];
  const call = async (method: string, path: string, body?: string) => {
    const res = await app.request(path, { method, ...(body === undefined ? {} : { body }) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  beforeEach(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'virtnet-defstart-'));
    dirs.push(dir);
    config = join(dir, 'c');
    const daemon = new Daemon(new Store(config, join(dir, 's')), new MemoryRuntime({ hostBridges: ['br0'] }));
    await daemon.load();
    events.length = 0;
    daemon.onEvent((e) => events.push(e));
    app = createApi(daemon, { readOnly: false });
  });

  test('a start that works: persistent, active, autostart on', async () => {
    const r = await call('POST', '/v1/networks?start=1&autostart=1', net('one', 1));
    assert.equal(r.status, 201, JSON.stringify(r.json));
    assert.deepEqual([r.json.active, r.json.persistent, r.json.autostart], [true, true, true]);
    assert.ok(existsSync(join(config, 'networks', 'one.xml')));
    assert.ok(existsSync(join(config, 'networks', 'autostart', 'one.xml')));
    assert.deepEqual(
      events.map((e) => e.type),
      ['defined', 'started'],
    );
  });

  test('a start that fails undoes the define: no file, no autostart link, no network', async () => {
    // a bridge name the host already has: the start's "create bridge" step is refused
    const xml = net('two', 1).replace('</network>', "<bridge name='br0'/></network>");
    const r = await call('POST', '/v1/networks?start=1&autostart=1', xml);
    assert.equal(r.status, 409, JSON.stringify(r.json));
    assert.match(JSON.stringify(r.json), /already exists/);
    assert.equal((await call('GET', '/v1/networks/two')).status, 404);
    assert.ok(!existsSync(join(config, 'networks', 'two.xml')));
    assert.ok(!existsSync(join(config, 'networks', 'autostart', 'two.xml')));
    assert.deepEqual(
      events.map((e) => e.type),
      ['defined', 'failed', 'undefined'],
    );
  });

  test('an existing name is refused and the existing network is untouched', async () => {
    assert.equal((await call('POST', '/v1/networks', net('one', 1))).status, 201);
    const r = await call('POST', '/v1/networks?start=1', net('one', 2));
    assert.equal(r.status, 409, JSON.stringify(r.json));
    assert.match(JSON.stringify(r.json), /already exists/);
    const info = await call('GET', '/v1/networks/one');
    assert.equal(info.json.active, false);
    assert.ok(existsSync(join(config, 'networks', 'one.xml')));
  });

  test("the dry run of an active network's redefinition does not warn about its own bridge", async () => {
    const xml = net('one', 1).replace('</network>', "<bridge name='vb-one'/></network>");
    assert.equal((await call('POST', '/v1/networks?start=1', xml)).status, 201);
    const saved = await app.request('/v1/networks/one/xml?inactive=1');
    const again = (await saved.text()).replace('</network>', "<mtu size='1400'/></network>");
    const plan = await call('POST', '/v1/networks?dryRun=1', again);
    assert.equal(plan.status, 200, JSON.stringify(plan.json));
    assert.deepEqual(plan.json.warnings ?? [], []);
    // another network on that bridge is still warned about
    const other = net('two', 2).replace('</network>', "<bridge name='vb-one'/></network>");
    const p2 = await call('POST', '/v1/networks?dryRun=1', other);
    assert.match(JSON.stringify(p2.json), /vb-one/);
  });
});
