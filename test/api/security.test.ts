// Security and failure handling of the API in memory: DNS rebinding, cross-site changes, dnsmasq options that
// run programs, bodies past the limit, streamed bodies, events clients that stop reading, what the read-only
// socket reveals, the status of each class of mistake, and names that must survive a restart.

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, describe, test } from 'node:test';
import type { Hono } from 'hono';
import type { HostPolicy } from '../../src/daemon/api/access.js';
import { type ApiOptions, createApi } from '../../src/daemon/api/app.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { MemoryRuntime } from '../../src/daemon/memory-runtime.js';
import { Store } from '../../src/daemon/store.js';
import { assertDnsmasqOptionsAllowed } from '../../src/model/dnsmasq-options.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Env {
  dir: string;
  daemon: Daemon;
  app: (opts?: Partial<ApiOptions>) => Hono;
}

async function env(dir = mkdtempSync(join(tmpdir(), 'virtnet-sec-'))): Promise<Env> {
  if (!dirs.includes(dir)) dirs.push(dir);
  const daemon = new Daemon(new Store(join(dir, 'c'), join(dir, 's')), new MemoryRuntime());
  await daemon.load();
  return { dir, daemon, app: (opts = {}) => createApi(daemon, { readOnly: false, ...opts }) };
}

const TOKEN = 't0ken';
const hosts = (): HostPolicy => ({ names: ['localhost', '127.0.0.1'], anyIp: false, port: 8470 });
const tcp = (e: Env, extra: Partial<ApiOptions> = {}) =>
  e.app({ transport: 'tcp', token: TOKEN, hosts: hosts(), ...extra });

async function call(
  app: Hono,
  method: string,
  path: string,
  init: RequestInit = {},
  host = '127.0.0.1:8470',
) {
  const headers = new Headers(init.headers);
  if (!headers.has('host')) headers.set('host', host);
  const res = await app.request(`http://${host}${path}`, { ...init, method, headers });
  const text = await res.text();
  let json: { error?: { code: string; message: string } } & Record<string, unknown> = {};
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, text, json, headers: res.headers };
}

const net = (name: string, extra = '', bridge = 'vt-sec') =>
  `<network><name>${name}</name>${extra}<bridge name='${bridge}'/><ip address='10.66.0.1' prefix='24'><dhcp><range start='10.66.0.10' end='10.66.0.20'/></dhcp></ip></network>`;
const withOption = (name: string, option: string, bridge = 'vt-opt') =>
  `<network xmlns:dnsmasq='http://libvirt.org/schemas/network/dnsmasq/1.0'><name>${name}</name><bridge name='${bridge}'/><ip address='10.67.0.1' prefix='24'/><dnsmasq:options><dnsmasq:option value='${option}'/></dnsmasq:options></network>`;

describe('who may change what', () => {
  let e: Env;
  beforeEach(async () => {
    e = await env();
  });

  test('a request for another name (DNS rebinding) is refused before anything else', async () => {
    const app = tcp(e, { web: join(e.dir, 'no-web') });
    const auth = { authorization: `Bearer ${TOKEN}` };
    for (const path of ['/v1/networks', '/', '/login?token=t0ken']) {
      const r = await call(app, 'GET', path, { headers: auth }, 'evil.example:8470');
      assert.equal(r.status, 403, path);
      assert.match(r.json.error?.message ?? '', /Host 'evil\.example:8470' is not a name of this listener/);
    }
    const post = await call(app, 'POST', '/v1/networks', { headers: auth, body: net('x') }, 'evil.example');
    assert.equal(post.status, 403);
    assert.equal(e.daemon.list({}).length, 0);
    // a name given with --http-host is one of ours
    const named = tcp(e, { hosts: { ...hosts(), names: [...hosts().names, 'virt.example'] } });
    assert.equal(
      (await call(named, 'GET', '/v1/networks', { headers: auth }, 'virt.example:8470')).status,
      200,
    );
  });

  test('the cross-site check compares Origin with the allowed names, not with the Host the request brings', async () => {
    const app = tcp(e);
    const cookie = `virtnet_token=${TOKEN}`;
    const ui = { cookie, 'x-virtnet-client': 'web' };
    // an attacker's page cannot pick the Host, but a client can send both: Origin must still be ours
    const paired = await call(
      app,
      'POST',
      '/v1/networks',
      { headers: { ...ui, origin: 'http://evil.example:8470' }, body: net('a') },
      'localhost:8470',
    );
    assert.equal(paired.status, 403);
    const otherPort = await call(app, 'POST', '/v1/networks', {
      headers: { ...ui, origin: 'http://127.0.0.1:9999' },
      body: net('a'),
    });
    assert.equal(otherPort.status, 403, 'another port of the same host is another site');
    const ours = await call(app, 'POST', '/v1/networks', {
      headers: { ...ui, origin: 'http://localhost:8470' },
      body: net('a'),
    });
    assert.equal(ours.status, 201, ours.text);
    // the bearer token is never sent by a browser on its own: no Origin needed
    const bearer = await call(app, 'POST', '/v1/networks', {
      headers: { authorization: `Bearer ${TOKEN}` },
      body: net('b', '', 'vt-b'),
    });
    assert.equal(bearer.status, 201);
  });

  test('reads on TCP need the token too; a wrong or malformed one is 403, never 500', async () => {
    const app = tcp(e);
    assert.equal((await call(app, 'GET', '/v1/networks')).status, 403);
    assert.equal((await call(app, 'GET', '/v1/openapi.json')).status, 403);
    for (const cookie of ['virtnet_token=%E0%A4%A', 'virtnet_token=', 'virtnet_token=wrong', '%%%']) {
      assert.equal((await call(app, 'GET', '/v1/networks', { headers: { cookie } })).status, 403, cookie);
    }
    assert.equal(
      (await call(app, 'GET', '/v1/networks', { headers: { authorization: 'Bearer x' } })).status,
      403,
    );
    assert.throws(() => e.app({ transport: 'tcp' }), /needs a token/);
  });

  test('dnsmasq options that run programs or name files are refused, and say why', async () => {
    const rw = e.app();
    for (const [option, why] of [
      ['dhcp-script=/tmp/pwn', /'dhcp-script' runs a program as root/],
      ['conf-file=/etc/shadow', /'conf-file' reads a file as configuration/],
      ['  addn-hosts=/etc/shadow', /'addn-hosts' reads a file/],
      ['log-facility=/tmp/log', /'log-facility' may write a file/],
      ['foo=bar', /'foo' is not an option virtnet knows to be harmless/],
    ] as const) {
      const r = await call(rw, 'POST', '/v1/networks', { body: withOption('o', option) });
      assert.equal(r.status, 403, option);
      assert.equal(r.json.error?.code, 'OPERATION_DENIED');
      assert.match(r.json.error?.message ?? '', why);
      assert.match(r.json.error?.message ?? '', /--allow-dnsmasq-programs/);
      const dry = await call(rw, 'POST', '/v1/networks?dryRun=1', { body: withOption('o', option) });
      assert.equal(dry.status, 403, 'a dry run makes the same check');
    }
    assert.equal(e.daemon.list({}).length, 0);
    const safe = await call(rw, 'POST', '/v1/networks', {
      body: withOption('s', 'cname=a.example,b.example'),
    });
    assert.equal(safe.status, 201, safe.text);
  });

  test('with --allow-dnsmasq-programs: accepted on the read-write socket only; stored ones refuse to start without it', async () => {
    const allowed = e.app({ allowDnsmasqPrograms: true });
    const ok = await call(allowed, 'POST', '/v1/networks', {
      body: withOption('p', 'dhcp-script=/bin/true'),
    });
    assert.equal(ok.status, 201, ok.text);
    const overTcp = await call(tcp(e, { allowDnsmasqPrograms: true }), 'POST', '/v1/networks', {
      headers: { authorization: `Bearer ${TOKEN}` },
      body: withOption('q', 'dhcp-script=/bin/true', 'vt-q'),
    });
    assert.equal(overTcp.status, 403);
    assert.match(overTcp.json.error?.message ?? '', /accepted only on the read-write UNIX socket/);
    const startTcp = await call(tcp(e, { allowDnsmasqPrograms: true }), 'POST', '/v1/networks/p/start', {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(startTcp.status, 403, 'nor started from TCP');
    // a daemon restarted without the flag: the stored definition refuses to start, in the same words
    const plain = e.app();
    const start = await call(plain, 'POST', '/v1/networks/p/start');
    assert.equal(start.status, 403);
    assert.match(
      start.json.error?.message ?? '',
      /dnsmasq option 'dhcp-script=\/bin\/true' of network 'p' is refused/,
    );
    assert.equal(e.daemon.info('p').active, false);
    assert.equal((await call(allowed, 'POST', '/v1/networks/p/start')).status, 200);
  });

  test('autostart obeys the daemon policy too', async () => {
    const first = await env();
    await call(first.app({ allowDnsmasqPrograms: true }), 'POST', '/v1/networks', {
      body: withOption('auto', 'dhcp-script=/bin/true'),
    });
    await call(first.app(), 'PUT', '/v1/networks/auto/autostart', { body: '{"autostart":true}' });
    const daemon = new Daemon(new Store(join(first.dir, 'c'), join(first.dir, 's2')), new MemoryRuntime());
    daemon.startGuard = (def) => assertDnsmasqOptionsAllowed(def, { allowPrograms: false, fullAccess: true });
    await daemon.load();
    assert.equal(daemon.info('auto').active, false, 'refused at autostart');
  });

  test('the read-only socket refuses changes and probes no host path or device', async () => {
    const ro = e.app({ readOnly: true });
    const rw = e.app();
    assert.equal((await call(ro, 'POST', '/v1/networks', { body: net('x') })).status, 403);
    const missing = "Network not found: no network, guest or device named '";
    for (const name of ['..%2F..%2F..%2Fetc', 'lo%2F..%2F..', 'lo', 'a%20b', 'x'.repeat(40)]) {
      const r = await call(ro, 'GET', `/v1/netmode/${name}`);
      assert.equal(r.status, 404, name);
      assert.ok(r.json.error?.message.startsWith(missing), `${name}: ${r.json.error?.message}`);
    }
    // as root (the read-write socket) an existing device is explained (the memory runtime's host has lo too)
    (e.daemon.runtime as MemoryRuntime).host.fake.links.set('lo', { name: 'lo', type: 'device', up: true });
    const lo = await call(rw, 'GET', '/v1/netmode/lo');
    assert.match(lo.json.error?.message ?? '', /device lo is not on any bridge/);
    const devices = (await call(ro, 'GET', '/v1/host/devices')).json.devices as Array<{ name: string }>;
    assert.deepEqual(devices, [], 'no active network: nothing of the host');
    const all = (await call(rw, 'GET', '/v1/host/devices')).json.devices as Array<{ name: string }>;
    assert.ok(all.some((d) => d.name === 'lo'));
  });
});

describe('resources', () => {
  test('a body past --max-body is 413 before it is read, whether it has a length or is streamed', async () => {
    const e = await env();
    const app = e.app({ maxBody: 1024 });
    const big = 'x'.repeat(2048);
    const withLength = await call(app, 'POST', '/v1/networks', {
      body: big,
      headers: { 'content-length': String(big.length) },
    });
    assert.equal(withLength.status, 413);
    assert.equal(withLength.json.error?.code, 'REQUEST_TOO_LARGE');
    assert.equal(withLength.headers.get('connection'), 'close');
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        if (pulled > 1000) controller.close();
        else controller.enqueue(new TextEncoder().encode('y'.repeat(512)));
      },
    });
    const streamed = await call(app, 'POST', '/v1/networks', { body: stream, duplex: 'half' } as RequestInit);
    assert.equal(streamed.status, 413);
    assert.ok(pulled < 10, `read ${pulled} chunks of a body past the limit`);
    const fine = await call(app, 'POST', '/v1/networks', { body: net('small') });
    assert.equal(fine.status, 201);
  });

  test('an events client that stops reading is dropped once it falls behind', async () => {
    const e = await env();
    const app = e.app({ maxQueuedEvents: 8 });
    const res = await app.request('/v1/events');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read(); // hello; then never read again
    for (let i = 0; i < 200; i++) {
      await call(app, 'POST', '/v1/networks', { body: net(`n${i}`, '', `vt-q${i}`) });
    }
    // the stream was aborted: reading the rest ends (or fails) instead of waiting forever
    const end = await Promise.race([
      (async () => {
        for (;;) {
          const r = await reader.read().catch(() => ({ done: true }));
          if (r.done) return 'ended';
        }
      })(),
      new Promise((r) => setTimeout(() => r('still open'), 3000)),
    ]);
    assert.equal(end, 'ended');
  });
});

describe('errors get the status a client expects', () => {
  test('conflicts 409, bad input 400, missing 404, never 500', async () => {
    const e = await env();
    const app = e.app();
    const U = '<uuid>11111111-1111-4111-8111-111111111111</uuid>';
    await call(app, 'POST', '/v1/networks', { body: net('a', U) });
    const cases: Array<[string, string, string | undefined, number]> = [
      ['POST', '/v1/networks', net('b', U, 'vt-b'), 409], // uuid taken
      ['POST', '/v1/networks', net('c'), 409], // bridge taken
      ['POST', '/v1/networks', net('d', '<uuid>zzz</uuid>', 'vt-d'), 400], // malformed uuid
      [
        'POST',
        '/v1/networks',
        `<network><name>e</name><metadata>${'<a>'.repeat(5000)}${'</a>'.repeat(5000)}</metadata></network>`,
        400,
      ],
      ['POST', '/v1/networks', net('x'.repeat(300), '', 'vt-long'), 400], // name too long for a file
      // libvirt 9.0 defines networks whose bridge is no interface name; virtnet refuses to start them (below)
      ['POST', '/v1/networks', net('bad', '', 'a/b'), 201],
      ['POST', '/v1/networks/bad/start', undefined, 400],
      ['POST', '/v1/networks/bad/start?dryRun=1', undefined, 400],
      ['POST', '/v1/networks', net('bad2', '', 'toolongbridgename0'), 201],
      ['POST', '/v1/networks/bad2/start', undefined, 400],
      ['GET', '/v1/networks/%E0%A4%A', undefined, 404],
      ['GET', '/v1/networks?all=maybe', undefined, 400],
      ['GET', '/v1/nothing/here', undefined, 404],
      ['PUT', '/v1/networks/a/autostart', '{"autostart": "yes"}', 400],
      ['PUT', '/v1/networks/a/autostart', 'not json', 400],
      ['POST', '/v1/networks/a/update', '{"command":"add","section":"nope","xml":""}', 400],
      ['POST', '/v1/networks/a/ports', '{"owner":"g","mac":"zz"}', 400],
      ['POST', '/v1/networks/a/ports', '{"owner":"g","tap":"a/b"}', 400],
      ['DELETE', '/v1/networks/a/forwards?listenPort=99999', undefined, 400],
      ['DELETE', '/v1/networks/a/forwards?listenPort=80&listenAddress=../x', undefined, 400],
      ['POST', '/v1/networks/zz/start', undefined, 404],
    ];
    for (const [method, path, body, status] of cases) {
      const r = await call(app, method, path, body === undefined ? {} : { body });
      assert.equal(
        r.status,
        status,
        `${method} ${path.slice(0, 60)} ${body?.slice(0, 60)}: ${r.text.slice(0, 200)}`,
      );
      if (status >= 400) assert.ok(r.json.error?.code, 'an error body with a code');
    }
    await call(app, 'POST', '/v1/networks/a/start');
    const again = await call(app, 'POST', '/v1/networks/a/start');
    assert.equal(again.status, 409, 'already active');
  });
});

describe('names that reach other programs', () => {
  const NAMES = ['.hidden', 'a#b', 'q"uote', "it's", 'sp ace', 'com,ma', '50%', 'über', '..', '-dash'];

  test('accepted names survive a restart, each in a file of its own that no program reads differently', async () => {
    const e = await env();
    const app = e.app();
    for (const [i, name] of NAMES.entries()) {
      const xml = net(
        name.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/'/g, '&apos;'),
        '',
        `vt-n${i}`,
      );
      const r = await call(app, 'POST', '/v1/networks', { body: xml });
      assert.equal(r.status, 201, `${name}: ${r.text}`);
    }
    const files = readdirSync(join(e.dir, 'c', 'networks')).filter((f) => f.endsWith('.xml'));
    for (const f of files) assert.match(f, /^[A-Za-z0-9_%-][A-Za-z0-9_.%-]*\.xml$/, f);
    assert.equal(files.length, NAMES.length);
    const again = await env(e.dir);
    assert.deepEqual(
      again.daemon
        .list({})
        .map((n) => n.name)
        .sort(),
      [...NAMES].sort(),
      'every definition is back after a restart',
    );
  });

  test('names libvirt refuses, or too long for a file, are refused with a clear message', async () => {
    const app = (await env()).app();
    const long = await call(app, 'POST', '/v1/networks', { body: net('n'.repeat(201)) });
    assert.match(
      long.json.error?.message ?? '',
      /network name 'n+…' is too long: its file names need 201 bytes, at most 200/,
    );
    const slash = await call(app, 'POST', '/v1/networks', { body: net('a/b') });
    assert.equal(slash.status, 400);
    assert.match(slash.json.error?.message ?? '', /invalid char in name: \//);
  });
});
