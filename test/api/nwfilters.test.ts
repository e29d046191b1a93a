// The traffic-filter API in memory (recording host): libvirt's define/undefine/binding semantics and messages,
// standard filters installed once with UUIDs, bindings kept across a restart, redefinitions re-applied or refused
// with nothing changed, and leases turning into the port's learned address.

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Hono } from 'hono';
import { createApi } from '../../src/daemon/api/app.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { MemoryRuntime } from '../../src/daemon/memory-runtime.js';
import { portFilterHook } from '../../src/daemon/nwfilter-ports.js';
import { NwfilterService } from '../../src/daemon/nwfilter-service.js';
import { NwfilterStore } from '../../src/daemon/nwfilter-store.js';
import { STANDARD_FILTERS } from '../../src/daemon/nwfilter-wiring.js';
import { Store } from '../../src/daemon/store.js';
import { RecordingNwfilterHost } from '../../src/host/nwfilter-apply.js';
import { networkFileName } from '../../src/model/safe-strings.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Setup {
  app: Hono;
  ro: Hono;
  svc: NwfilterService;
  host: RecordingNwfilterHost;
  config: string;
  state: string;
}

async function setup(dir = mkdtempSync(join(tmpdir(), 'virtnet-nwf-')), host = new RecordingNwfilterHost()) {
  if (!dirs.includes(dir)) dirs.push(dir);
  const config = join(dir, 'c');
  const state = join(dir, 's');
  const daemon = new Daemon(new Store(config, state), new MemoryRuntime());
  const svc = new NwfilterService(new NwfilterStore(config, state), host, { log: () => {} });
  await svc.load(STANDARD_FILTERS);
  host.devices.add('vnet0');
  host.devices.add('vnet1');
  daemon.ports.filters = portFilterHook(svc);
  const app = createApi(daemon, { readOnly: false, nwfilters: svc });
  const ro = createApi(daemon, { readOnly: true, nwfilters: svc });
  return { app, ro, svc, host, config, state, dir } satisfies Setup & { dir: string };
}

const binding = (dev: string, filter: string, params = '') => `<filterbinding>
  <owner><name>g1</name><uuid>d54df46f-1ab5-4a22-8618-4560ef5fac2c</uuid></owner>
  <portdev name='${dev}'/>
  <mac address='52:54:00:7b:35:93'/>
  <filterref filter='${filter}'>${params}</filterref>
</filterbinding>`;

async function call(app: Hono, method: string, path: string, body?: string) {
  const r = await app.request(path, { method, ...(body !== undefined ? { body } : {}) });
  const text = await r.text();
  return { status: r.status, text, json: () => JSON.parse(text) };
}

const errorOf = (r: { json: () => { error: { message: string } } }) => r.json().error.message;

describe('nwfilter API', () => {
  test('the 24 standard filters are installed once and keep the UUIDs given at first start', async () => {
    const s = await setup();
    const list = (await call(s.app, 'GET', '/v1/nwfilters')).json().nwfilters as Array<{
      name: string;
      uuid: string;
    }>;
    assert.equal(list.length, 24);
    assert.ok(list.some((f) => f.name === 'clean-traffic'));
    assert.ok(list.every((f) => /^[0-9a-f-]{36}$/.test(f.uuid)));
    const file = readFileSync(join(s.config, 'nwfilter', 'clean-traffic.xml'), 'utf8');
    assert.match(file, /^<!--\nWARNING: THIS IS AN AUTO-GENERATED FILE/);
    const uuid = list.find((f) => f.name === 'clean-traffic')?.uuid as string;
    assert.ok(file.includes(`<uuid>${uuid}</uuid>`));
    // a second start reads them back and installs nothing
    rmSync(join(s.config, 'nwfilter', 'allow-arp.xml'));
    const again = await setup(s.dir);
    const list2 = (await call(again.app, 'GET', '/v1/nwfilters')).json().nwfilters as Array<{
      name: string;
      uuid: string;
    }>;
    assert.equal(list2.length, 23);
    assert.equal(list2.find((f) => f.name === 'clean-traffic')?.uuid, uuid);
  });

  test("define, dumpxml by name and UUID, and libvirt's checks of name and UUID", async () => {
    const s = await setup();
    const xml = `<filter name='mine' chain='ipv4'><uuid>01a992d2-f8c8-7c27-f69b-ab0a9d377379</uuid><rule action='drop' direction='in'><tcp dstportstart='23'/></rule></filter>`;
    const d = await call(s.app, 'POST', '/v1/nwfilters', xml);
    assert.equal(d.status, 201);
    assert.deepEqual(d.json(), { name: 'mine', uuid: '01a992d2-f8c8-7c27-f69b-ab0a9d377379' });
    const dump = (await call(s.app, 'GET', '/v1/nwfilters/01a992d2-f8c8-7c27-f69b-ab0a9d377379/xml')).text;
    assert.equal(dump, (await call(s.app, 'GET', '/v1/nwfilters/mine/xml')).text);
    assert.match(dump, /<filter name='mine' chain='ipv4' priority='-700'>/);
    const noUuid = await call(s.app, 'POST', '/v1/nwfilters', xml.replace(/<uuid>.*<\/uuid>/, ''));
    assert.equal(noUuid.status, 409);
    assert.equal(noUuid.json().error.code, 'NWFILTER_CONFLICT');
    assert.equal(
      errorOf(noUuid),
      "operation failed: filter 'mine' already exists with uuid 01a992d2-f8c8-7c27-f69b-ab0a9d377379",
    );
    const otherName = await call(s.app, 'POST', '/v1/nwfilters', xml.replace("name='mine'", "name='yours'"));
    assert.equal(otherName.status, 409);
    assert.equal(
      errorOf(otherName),
      "operation failed: filter with same UUID but different name ('mine') already exists",
    );
    const missing = await call(s.app, 'GET', '/v1/nwfilters/nope');
    assert.equal(missing.status, 404);
    assert.equal(errorOf(missing), "Network filter not found: no nwfilter with matching name 'nope'");
  });

  test("refusals carry libvirt 9.0's messages and change nothing", async () => {
    const s = await setup();
    const bad = `<filter name='bad'><rule action='accept' direction='in'><tcp dstportend='65536'/></rule></filter>`;
    const r = await call(s.app, 'POST', '/v1/nwfilters', bad);
    // libvirt's "internal error" words, but the client's mistake: 400
    assert.equal(r.status, 400);
    assert.equal(r.json().error.code, 'MALFORMED_VALUE');
    assert.equal(errorOf(r), 'internal error: dstportend has illegal value 65536');
    const unsafe = await call(
      s.app,
      'POST',
      '/v1/nwfilters',
      "<filter name='../x'><rule action='accept' direction='in'/></filter>",
    );
    assert.equal(unsafe.status, 400);
    assert.equal(readdirSync(join(s.config, 'nwfilter')).length, 24);
  });

  test('a filter that would reference itself, directly or through others, is refused', async () => {
    const s = await setup();
    const self = await call(
      s.app,
      'POST',
      '/v1/nwfilters',
      "<filter name='a'><filterref filter='a'/></filter>",
    );
    assert.equal(self.status, 409);
    assert.equal(errorOf(self), 'operation failed: filter would introduce a loop');
    assert.equal(
      (
        await call(
          s.app,
          'POST',
          '/v1/nwfilters',
          "<filter name='a'><uuid>11111111-2222-3333-4444-555555555555</uuid><filterref filter='b'/></filter>",
        )
      ).status,
      201,
    );
    assert.equal(
      (await call(s.app, 'POST', '/v1/nwfilters', "<filter name='b'><filterref filter='c'/></filter>"))
        .status,
      201,
    );
    const loop = await call(
      s.app,
      'POST',
      '/v1/nwfilters',
      "<filter name='c'><filterref filter='a'/></filter>",
    );
    assert.equal(errorOf(loop), 'operation failed: filter would introduce a loop');
    assert.equal((await call(s.app, 'GET', '/v1/nwfilters/c')).status, 404);
  });

  test('bindings: create with MAC added, list, dumpxml, delete; unknown filter, device and binding', async () => {
    const s = await setup();
    const c = await call(
      s.app,
      'POST',
      '/v1/nwfilter-bindings',
      binding('vnet0', 'clean-traffic', "<parameter name='IP' value='10.0.0.5'/>"),
    );
    assert.equal(c.status, 201, c.text);
    assert.deepEqual(c.json(), { portdev: 'vnet0', filter: 'clean-traffic' });
    assert.equal(s.host.scripts.length, 1);
    assert.match(
      s.host.scripts[0] as string,
      /add element bridge virtnet_filter from_guest \{ "vnet0" : jump libvirt-I-vnet0 \}/,
    );
    const xml = (await call(s.app, 'GET', '/v1/nwfilter-bindings/vnet0/xml')).text;
    // asked twice: the answer must not depend on an earlier request
    assert.equal((await call(s.app, 'GET', '/v1/nwfilter-bindings/vnet0/xml')).text, xml);
    assert.ok(
      xml.includes(
        "<parameter name='IP' value='10.0.0.5'/>\n    <parameter name='MAC' value='52:54:00:7b:35:93'/>",
      ),
    );
    assert.deepEqual((await call(s.app, 'GET', '/v1/nwfilter-bindings')).json(), {
      bindings: [{ portdev: 'vnet0', filter: 'clean-traffic' }],
    });
    assert.ok(readdirSync(join(s.state, 'nwfilter-binding')).includes('vnet0.xml'));
    const dup = await call(s.app, 'POST', '/v1/nwfilter-bindings', binding('vnet0', 'clean-traffic'));
    assert.equal(dup.status, 409);
    assert.equal(errorOf(dup), "operation failed: binding 'vnet0' already exists");
    const unknown = await call(s.app, 'POST', '/v1/nwfilter-bindings', binding('vnet1', 'no-such-filter'));
    assert.equal(unknown.status, 400);
    assert.equal(errorOf(unknown), "internal error: referenced filter 'no-such-filter' is missing");
    const nodev = await call(s.app, 'POST', '/v1/nwfilter-bindings', binding('vnet9', 'clean-traffic'));
    assert.equal(nodev.status, 400);
    assert.equal(errorOf(nodev), "invalid argument: port device 'vnet9' does not exist");
    const d = await call(s.app, 'DELETE', '/v1/nwfilter-bindings/vnet0');
    assert.equal(d.status, 200);
    assert.match(s.host.scripts.at(-1) as string, /delete chain bridge virtnet_filter libvirt-I-vnet0/);
    assert.deepEqual(readdirSync(join(s.state, 'nwfilter-binding')), []);
    const gone = await call(s.app, 'DELETE', '/v1/nwfilter-bindings/vnet0');
    assert.equal(gone.status, 404);
    assert.equal(errorOf(gone), "Network filter binding not found: no nwfilter binding for port dev 'vnet0'");
  });

  test("a variable nothing gives refuses the binding with libvirt's message", async () => {
    const s = await setup();
    const r = await call(s.app, 'POST', '/v1/nwfilter-bindings', binding('vnet0', 'allow-dhcp-server'));
    assert.equal(r.status, 400);
    assert.equal(
      errorOf(r),
      'internal error: Cannot instantiate filter due to unresolvable variables or unavailable list elements: DHCPSERVER',
    );
    const none = await call(
      s.app,
      'POST',
      '/v1/nwfilter-bindings',
      binding('vnet0', 'clean-traffic', "<parameter name='CTRL_IP_LEARNING' value='none'/>"),
    );
    assert.equal(
      errorOf(none),
      'internal error: Cannot instantiate filter due to unresolvable variables or unavailable list elements: IP',
    );
    assert.equal(s.host.scripts.length, 0);
  });

  test('a binding whose rules the kernel refuses is not kept', async () => {
    const s = await setup();
    s.host.failNext = 'Error: Could not process rule: Operation not supported';
    const r = await call(s.app, 'POST', '/v1/nwfilter-bindings', binding('vnet0', 'clean-traffic'));
    assert.equal(r.status, 500);
    assert.match(errorOf(r), /applying the filter rules failed/);
    assert.deepEqual((await call(s.app, 'GET', '/v1/nwfilter-bindings')).json(), { bindings: [] });
    assert.deepEqual(readdirSync(join(s.state, 'nwfilter-binding')), []);
  });

  test('a filter in use cannot be undefined; one only referenced by another filter can', async () => {
    const s = await setup();
    await call(
      s.app,
      'POST',
      '/v1/nwfilter-bindings',
      binding('vnet0', 'no-arp-spoofing', "<parameter name='IP' value='10.0.0.5'/>"),
    );
    const inUse = await call(s.app, 'DELETE', '/v1/nwfilters/no-arp-ip-spoofing');
    assert.equal(inUse.status, 409);
    assert.equal(errorOf(inUse), 'Requested operation is not valid: nwfilter is in use');
    // allow-incoming-ipv4 is referenced by clean-traffic, which no binding uses
    assert.equal((await call(s.app, 'DELETE', '/v1/nwfilters/allow-incoming-ipv4')).status, 200);
  });

  test('redefining a filter in use re-applies it; a redefinition its bindings cannot take is refused', async () => {
    const s = await setup();
    await call(
      s.app,
      'POST',
      '/v1/nwfilter-bindings',
      binding('vnet0', 'clean-traffic', "<parameter name='IP' value='10.0.0.5'/>"),
    );
    const before = s.host.scripts.length;
    const xml = (await call(s.app, 'GET', '/v1/nwfilters/no-mac-spoofing/xml')).text;
    const changed = xml.replace(
      "<rule action='drop' direction='out' priority='500'>",
      "<rule action='drop' direction='out' priority='600'>",
    );
    assert.notEqual(changed, xml);
    assert.equal((await call(s.app, 'POST', '/v1/nwfilters', changed)).status, 201);
    assert.equal(s.host.scripts.length, before + 1);
    // the same definition again changes nothing in the kernel
    assert.equal((await call(s.app, 'POST', '/v1/nwfilters', changed)).status, 201);
    assert.equal(s.host.scripts.length, before + 1);
    // a rule needing a variable the binding does not give: refused, old definition kept
    const needsVar = changed.replace("<mac srcmacaddr='$MAC'/>", "<mac srcmacaddr='$OTHER'/>");
    const r = await call(s.app, 'POST', '/v1/nwfilters', needsVar);
    assert.match(errorOf(r), /unresolvable variables or unavailable list elements: OTHER/);
    assert.equal((await call(s.app, 'GET', '/v1/nwfilters/no-mac-spoofing/xml')).text, changed);
    assert.ok(readFileSync(join(s.config, 'nwfilter', 'no-mac-spoofing.xml'), 'utf8').endsWith(changed));
  });

  test('bindings are re-applied by a restarted daemon', async () => {
    const s = await setup();
    await call(
      s.app,
      'POST',
      '/v1/nwfilter-bindings',
      binding('vnet0', 'clean-traffic', "<parameter name='IP' value='10.0.0.5'/>"),
    );
    const host = new RecordingNwfilterHost();
    const again = await setup(s.dir, host);
    assert.deepEqual((await call(again.app, 'GET', '/v1/nwfilter-bindings')).json(), {
      bindings: [{ portdev: 'vnet0', filter: 'clean-traffic' }],
    });
    assert.equal(host.scripts.length, 1);
    assert.equal(host.scripts[0], s.host.scripts[0]);
  });

  test("a DHCP lease sets the learned address of the guest's port in place", async () => {
    const s = await setup();
    await call(s.app, 'POST', '/v1/nwfilter-bindings', binding('vnet0', 'clean-traffic'));
    assert.match(
      s.host.scripts[0] as string,
      /add set bridge virtnet_filter ip-vnet0 \{ type ipv4_addr; size 1; flags dynamic; \}/,
    );
    await s.svc.onLease('52:54:00:7B:35:93', '10.0.0.77');
    assert.equal(
      s.host.scripts.at(-1),
      'flush set bridge virtnet_filter ip-vnet0\nadd element bridge virtnet_filter ip-vnet0 { 10.0.0.77 }\nadd element bridge virtnet_filter learned { "vnet0" }\n',
    );
    const n = s.host.scripts.length;
    await s.svc.onLease('52:54:00:7b:35:93', '10.0.0.77');
    await s.svc.onLease('52:54:00:7b:35:94', '10.0.0.78');
    assert.equal(s.host.scripts.length, n);
  });

  test("a port request with a filter binds it to the port's device; deleting the port removes the binding", async () => {
    const s = await setup();
    const net =
      "<network><name>n</name><bridge name='vt-n'/><ip address='192.168.100.1' netmask='255.255.255.0'/></network>";
    assert.equal((await call(s.app, 'POST', '/v1/networks', net)).status, 201);
    assert.equal((await call(s.app, 'POST', '/v1/networks/n/start')).status, 200);
    s.host.devices.add('vnet5');
    const body = JSON.stringify({
      owner: 'web1',
      tap: 'vnet5',
      mac: '52:54:00:00:00:05',
      filter: { name: 'clean-traffic', params: { IP: '192.168.100.5' } },
    });
    const p = await call(s.app, 'POST', '/v1/networks/n/ports', body);
    assert.equal(p.status, 201, p.text);
    const xml = (await call(s.app, 'GET', '/v1/nwfilter-bindings/vnet5/xml')).text;
    assert.match(xml, /<name>web1<\/name>/);
    assert.match(xml, /<parameter name='IP' value='192.168.100.5'\/>/);
    assert.match(xml, /<mac address='52:54:00:00:00:05'\/>/);
    assert.equal((await call(s.app, 'DELETE', `/v1/networks/n/ports/${p.json().uuid}`)).status, 200);
    assert.equal((await call(s.app, 'GET', '/v1/nwfilter-bindings/vnet5')).status, 404);
    // a filter that cannot be applied: no port, no binding
    s.host.devices.add('vnet6');
    const bad = JSON.stringify({ owner: 'web1', tap: 'vnet6', filter: { name: 'no-such-filter' } });
    const r = await call(s.app, 'POST', '/v1/networks/n/ports', bad);
    assert.equal(errorOf(r), "internal error: referenced filter 'no-such-filter' is missing");
    assert.deepEqual((await call(s.app, 'GET', '/v1/networks/n/ports')).json().ports, []);
    const badParam = JSON.stringify({
      owner: 'w',
      tap: 'vnet6',
      filter: { name: 'clean-traffic', params: { IP: '1.2.3.4;x' } },
    });
    assert.equal((await call(s.app, 'POST', '/v1/networks/n/ports', badParam)).status, 400);
    // <networkport> XML with a <filterref> but no device to filter
    const portXml = `<networkport><owner><name>x</name><uuid>d54df46f-1ab5-4a22-8618-4560ef5fac2d</uuid></owner>
  <mac address='52:54:00:00:00:07'/><filterref filter='clean-traffic'/></networkport>`;
    const noDev = await call(s.app, 'POST', '/v1/networks/n/ports', portXml);
    assert.equal(noDev.status, 400);
    assert.match(errorOf(noDev), /a traffic filter needs the port's device/);
    assert.deepEqual((await call(s.app, 'GET', '/v1/nwfilter-bindings')).json(), { bindings: [] });
  });

  test('heal: a binding whose rules were removed by another program is applied again', async () => {
    const s = await setup();
    await call(
      s.app,
      'POST',
      '/v1/nwfilter-bindings',
      binding('vnet0', 'clean-traffic', "<parameter name='IP' value='10.0.0.5'/>"),
    );
    s.host.maps.set('from_guest', new Set(['vnet0']));
    assert.deepEqual(await s.svc.heal(), []);
    const n = s.host.scripts.length;
    s.host.maps.set('from_guest', new Set());
    assert.deepEqual(await s.svc.heal(), ['vnet0']);
    assert.equal(s.host.scripts.length, n + 1);
    assert.equal(s.host.scripts.at(-1), s.host.scripts[0]?.replace(/\n$/, '\n'));
  });

  test('every filter route is mounted and in the OpenAPI document, with its error statuses', async () => {
    const s = await setup();
    const doc = (await call(s.app, 'GET', '/v1/openapi.json')).json() as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, unknown> };
    };
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([p, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`),
      ),
    );
    const ours = new Set(
      s.app.routes
        .filter((r) => r.path.startsWith('/v1/nwfilter') && r.method !== 'ALL')
        .map((r) => `${r.method} ${r.path}`),
    );
    // (a route with path parameters is mounted as its validator and its handler)
    assert.equal(ours.size, 10);
    for (const r of ours) assert.ok(documented.has(r), `undocumented ${r}`);
    for (const st of ['400', '404', '409', '413'])
      assert.ok(doc.paths['/v1/nwfilters']?.post?.responses[st], st);
    for (const name of [
      'NwfilterInfo',
      'NwfilterList',
      'NwfilterBindingInfo',
      'NwfilterBindingList',
      'PortFilter',
    ])
      assert.ok(doc.components.schemas[name], name);
  });

  test('without the filter service the routes answer 501, not 404', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'virtnet-nwf-none-'));
    dirs.push(dir);
    const daemon = new Daemon(new Store(join(dir, 'c'), join(dir, 's')), new MemoryRuntime());
    const r = await call(createApi(daemon, { readOnly: false }), 'GET', '/v1/nwfilters');
    assert.equal(r.status, 501);
    assert.equal(r.json().error.code, 'NO_SUPPORT');
  });

  test('the read-only socket only reads: no define, undefine, binding or deletion', async () => {
    const s = await setup();
    const mine =
      "<filter name='mine'><rule action='drop' direction='in'><tcp dstportstart='23'/></rule></filter>";
    assert.equal((await call(s.app, 'POST', '/v1/nwfilters', mine)).status, 201);
    assert.equal(
      (await call(s.app, 'POST', '/v1/nwfilter-bindings', binding('vnet0', 'clean-traffic'))).status,
      201,
    );
    const scripts = s.host.scripts.length;
    for (const [method, path, body] of [
      ['POST', '/v1/nwfilters', mine.replace('23', '24')],
      ['DELETE', '/v1/nwfilters/mine', undefined],
      ['POST', '/v1/nwfilter-bindings', binding('vnet1', 'clean-traffic')],
      ['DELETE', '/v1/nwfilter-bindings/vnet0', undefined],
    ] as const) {
      const r = await call(s.ro, method, path, body);
      assert.equal(r.status, 403, `${method} ${path}`);
      assert.equal(r.json().error.code, 'AUTH_FAILED');
    }
    assert.equal(s.host.scripts.length, scripts);
    assert.equal((await call(s.ro, 'GET', '/v1/nwfilters/mine/xml')).status, 200);
    assert.deepEqual((await call(s.ro, 'GET', '/v1/nwfilter-bindings')).json(), {
      bindings: [{ portdev: 'vnet0', filter: 'clean-traffic' }],
    });
  });

  test('a filter body over the API limit is refused with 413 before it is read; nothing is defined', async () => {
    const s = await setup();
    const daemon = new Daemon(new Store(join(s.dir, 'c'), join(s.dir, 's')), new MemoryRuntime());
    const small = createApi(daemon, { readOnly: false, nwfilters: s.svc, maxBody: 1024 });
    const big = `<filter name='big'>${"<rule action='accept' direction='in'/>".repeat(100)}</filter>`;
    const r = await call(small, 'POST', '/v1/nwfilters', big);
    assert.equal(r.status, 413);
    assert.equal((await call(s.app, 'GET', '/v1/nwfilters/big')).status, 404);
  });

  test('names reach files encoded and devices are checked, also in stored bindings', async () => {
    const s = await setup();
    // a filter name with characters networkFileName encodes
    const odd =
      "<filter name='a:b+c'><rule action='drop' direction='in'><tcp dstportstart='23'/></rule></filter>";
    assert.equal((await call(s.app, 'POST', '/v1/nwfilters', odd)).status, 201);
    assert.ok(readdirSync(join(s.config, 'nwfilter')).includes('a%3Ab%2Bc.xml'));
    for (const bad of ['.hidden', 'a/b', '-x', 'a b', 'x'.repeat(101)]) {
      const r = await call(s.app, 'POST', '/v1/nwfilters', odd.replace('a:b+c', bad));
      assert.equal(r.status, 400, bad);
    }
    // a device name with '@' (valid for Linux) gets an encoded file and an injective chain id
    s.host.devices.add('v@1');
    const b = await call(s.app, 'POST', '/v1/nwfilter-bindings', binding('v@1', 'no-mac-spoofing'));
    assert.equal(b.status, 201, b.text);
    assert.ok(readdirSync(join(s.state, 'nwfilter-binding')).includes('v%401.xml'));
    assert.match(s.host.scripts.at(-1) as string, /add chain bridge virtnet_filter libvirt-I-v-401\n/);
    for (const dev of ['a/b', 'x'.repeat(16), '..', 'a"b']) {
      const r = await call(s.app, 'POST', '/v1/nwfilter-bindings', binding(dev, 'no-mac-spoofing'));
      assert.equal(r.status, 400, dev);
    }
    // a stored binding whose device is no interface name is ignored at load, never applied
    const evil = 'x" } ; flush ruleset ; #';
    writeFileSync(
      join(s.state, 'nwfilter-binding', `${networkFileName(evil)}.xml`),
      `<filterbindingstatus>\n${binding(evil, 'no-mac-spoofing')}\n</filterbindingstatus>\n`,
    );
    const host = new RecordingNwfilterHost();
    const again = await setup(s.dir, host);
    assert.deepEqual(
      (await call(again.app, 'GET', '/v1/nwfilter-bindings'))
        .json()
        .bindings.map((x: { portdev: string }) => x.portdev),
      ['v@1'],
    );
    assert.ok(host.scripts.every((x) => !x.includes('flush ruleset')));
  });

  test('port requests: filter name and parameters are checked by the schema (400, nothing made)', async () => {
    const s = await setup();
    const net =
      "<network><name>n</name><bridge name='vt-n'/><ip address='192.168.100.1' netmask='255.255.255.0'/></network>";
    assert.equal((await call(s.app, 'POST', '/v1/networks', net)).status, 201);
    assert.equal((await call(s.app, 'POST', '/v1/networks/n/start')).status, 200);
    for (const [filter, words] of [
      [{ name: '../x' }, /filter name '\.\.\/x' may only hold/],
      [{ name: 'clean-traffic', params: { 'I P': '1.2.3.4' } }, /filter parameter name 'I P'/],
      [
        { name: 'clean-traffic', params: { IP: ['1.2.3.4', '5.6.7.8;'] } },
        /filter parameter IP: '5\.6\.7\.8;'/,
      ],
      [{ name: 'clean-traffic', extra: 1 }, /unknown field 'extra'/],
    ] as const) {
      const r = await call(s.app, 'POST', '/v1/networks/n/ports', JSON.stringify({ owner: 'w', filter }));
      assert.equal(r.status, 400, r.text);
      assert.match(errorOf(r), words);
    }
    assert.deepEqual((await call(s.app, 'GET', '/v1/networks/n/ports')).json().ports, []);
    assert.deepEqual((await call(s.app, 'GET', '/v1/nwfilter-bindings')).json(), { bindings: [] });
  });
});
