// `virtnetd --http ADDR:PORT`: address parsing, a token on every address (loopback too), the web UI's login
// cookie and the checks that keep other pages and other names out.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { hostPolicy, parseHttpAddress, parseSize } from '../../src/daemon/main.js';

const ROOT = join(import.meta.dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'virtnet-http-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const args = (tag: string, ...extra: string[]) => [
  join(ROOT, 'bin/virtnetd'),
  '--runtime',
  'memory',
  '--config-dir',
  join(dir, tag, 'c'),
  '--state-dir',
  join(dir, tag, 's'),
  '--run-dir',
  join(dir, tag, 'r'),
  ...extra,
];

const isRoot = () => process.getuid?.() === 0;

/** Starts virtnetd (argv as given) and waits for its TCP listener; stop() waits for its exit. */
async function startLogged(
  argv: string[],
): Promise<{ log: string; port: number; stop: () => Promise<void> }> {
  const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let log = '';
  child.stderr?.on('data', (b) => {
    log += b;
  });
  let port = 0;
  for (let i = 0; i < 200 && !port; i++) {
    await new Promise((r) => setTimeout(r, 25));
    port = Number(/listening on http:\/\/[^\s]+:(\d+)/.exec(log)?.[1] ?? 0);
  }
  assert.ok(port > 0, log);
  return {
    log,
    port,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

describe('--http', () => {
  test('ADDR:PORT parsing', () => {
    assert.deepEqual(parseHttpAddress('127.0.0.1:8080'), { host: '127.0.0.1', port: 8080 });
    assert.deepEqual(parseHttpAddress('[::1]:9'), { host: '::1', port: 9 });
    assert.deepEqual(parseHttpAddress('localhost:0'), { host: 'localhost', port: 0 });
    for (const bad of ['8080', '127.0.0.1', '127.0.0.1:99999', '::1:80', 'host:port'])
      assert.throws(() => parseHttpAddress(bad), /--http needs ADDR:PORT/, bad);
  });

  test('--http-host and --max-body parsing', () => {
    assert.deepEqual(hostPolicy('127.0.0.1', ['virt.example', 'Proxy.Example:443']), {
      names: ['localhost', '127.0.0.1', 'virt.example', 'proxy.example'],
      anyIp: false,
      extraPorts: [{ name: 'proxy.example', port: 443 }],
    });
    assert.equal(hostPolicy('0.0.0.0', []).anyIp, true);
    assert.deepEqual(hostPolicy('localhost', []).names.sort(), ['127.0.0.1', '::1', 'localhost']);
    assert.throws(() => hostPolicy('127.0.0.1', ['a b']), /--http-host needs NAME/);
    assert.equal(parseSize('8M'), 8 * 1024 * 1024);
    assert.equal(parseSize('512k'), 512 * 1024);
    assert.throws(() => parseSize('lots'), /--max-body/);
  });

  test('the loopback listener gets a token too (made once, 0600)', async () => {
    const d = await startLogged([process.execPath, ...args('lo', '--http', '127.0.0.1:0')]);
    try {
      const printed = /web UI token \(shown once, kept in (\S+)\): (\S+)/.exec(d.log);
      assert.ok(printed, d.log);
      assert.equal(statSync(printed[1] as string).mode & 0o777, 0o600);
      const url = `http://127.0.0.1:${d.port}/v1/networks`;
      const xml = "<network><name>lo</name><bridge name='vt-lo'/></network>";
      assert.equal((await fetch(url, { method: 'POST', body: xml })).status, 403);
      assert.equal((await fetch(url)).status, 403, 'reads need the token too');
      const auth = { authorization: `Bearer ${printed[2]}` };
      assert.equal((await fetch(url, { method: 'POST', body: xml, headers: auth })).status, 201);
    } finally {
      await d.stop();
    }
  });

  test('a non-loopback address gets a token made once (0600) and printed only then', {
    skip: !isRoot(),
  }, async () => {
    // 0.0.0.0 only inside a namespace of our own: the machine's own interfaces are never exposed
    const ns = `vnt-${randomBytes(3).toString('hex')}-http`;
    spawnSync('ip', ['netns', 'add', ns]);
    try {
      spawnSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      const first = await startLogged([
        'ip',
        'netns',
        'exec',
        ns,
        process.execPath,
        ...args('open', '--http', '0.0.0.0:0'),
      ]);
      const printed = /web UI token \(shown once, kept in (\S+)\): (\S+)/.exec(first.log);
      assert.ok(printed, first.log);
      assert.equal(statSync(printed[1] as string).mode & 0o777, 0o600);
      assert.equal(readFileSync(printed[1] as string, 'utf8').trim(), printed[2]);
      await first.stop();
      const again = await startLogged([
        'ip',
        'netns',
        'exec',
        ns,
        process.execPath,
        ...args('open', '--http', '0.0.0.0:0'),
      ]);
      assert.doesNotMatch(again.log, /web UI token/);
      assert.match(again.log, /\(bearer token\)/);
      await again.stop();
    } finally {
      spawnSync('ip', ['netns', 'del', ns]);
    }
  });

  test('the web UI: static files, index.html for client routes, /login cookie, no cross-origin mutations', async () => {
    const web = join(dir, 'web');
    mkdirSync(join(web, 'assets'), { recursive: true });
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>virtnet</title>');
    writeFileSync(join(web, 'assets', 'app.js'), 'console.log(1)');
    const tokenFile = join(dir, 'webtoken');
    writeFileSync(tokenFile, 'w3b\n');
    const d = await startLogged([
      process.execPath,
      ...args('web', '--http', '127.0.0.1:0', '--http-token-file', tokenFile, '--web-root', web),
    ]);
    try {
      const base = `http://127.0.0.1:${d.port}`;
      const page = await fetch(`${base}/networks/default`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<title>virtnet<\/title>/);
      const js = await fetch(`${base}/assets/app.js`);
      assert.match(js.headers.get('content-type') ?? '', /javascript/);
      assert.equal((await fetch(`${base}/../../etc/passwd`)).status, 200, 'no escape: index.html');
      assert.equal(
        (await fetch(`${base}/%E0%A4%A`)).status,
        200,
        'a malformed escape is a path like any other',
      );
      assert.equal((await fetch(`${base}/v1/networks`)).status, 403);
      const wrong = await fetch(`${base}/login?token=nope`, { redirect: 'manual' });
      assert.equal(wrong.status, 403);
      assert.equal(wrong.headers.get('set-cookie'), null, 'a wrong token sets no cookie');
      const login = await fetch(`${base}/login?token=w3b`, { redirect: 'manual' });
      assert.equal(login.status, 302);
      const setCookie = login.headers.get('set-cookie') ?? '';
      assert.match(setCookie, /HttpOnly/);
      assert.match(setCookie, /SameSite=Strict/);
      const cookie = setCookie.split(';')[0] as string;
      assert.match(cookie, /^virtnet_token=w3b$/);
      assert.equal((await fetch(`${base}/v1/networks`, { headers: { cookie } })).status, 200);
      const bad = await fetch(`${base}/v1/networks`, { headers: { cookie: 'virtnet_token=%E0%A4%A' } });
      assert.equal(bad.status, 403, 'a malformed cookie is no token, not a 500');
      const xml = "<network><name>w</name><bridge name='vt-w'/></network>";
      const post = (headers: Record<string, string>) =>
        fetch(`${base}/v1/networks`, { method: 'POST', body: xml, headers: { cookie, ...headers } });
      const ui = { 'x-virtnet-client': 'web' };
      assert.equal((await post({ origin: 'http://evil.example', ...ui })).status, 403, 'cross-origin');
      assert.equal(
        (await post({ origin: `http://localhost:${d.port + 1}`, ...ui })).status,
        403,
        'other port',
      );
      assert.equal((await post({ ...ui })).status, 403, 'cookie without Origin');
      assert.equal((await post({ origin: base, 'sec-fetch-site': 'same-site', ...ui })).status, 403);
      assert.equal((await post({ origin: base })).status, 403, 'without the UI header');
      const same = await post({ origin: base, 'sec-fetch-site': 'same-origin', ...ui });
      assert.equal(same.status, 201, await same.text());
      assert.equal(
        (await post({ origin: `http://localhost:${d.port}`, ...ui })).status,
        409,
        'localhost too',
      );
    } finally {
      await d.stop();
    }
  });

  test('with a token file, requests need the bearer token', async () => {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 's3cret\n');
    const child = spawn(
      process.execPath,
      args('tok', '--http', '127.0.0.1:0', '--http-token-file', tokenFile),
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    children.push(child);
    let log = '';
    child.stderr?.on('data', (b) => {
      log += b;
    });
    let port = 0;
    for (let i = 0; i < 200 && !port; i++) {
      await new Promise((r) => setTimeout(r, 25));
      port = Number(/listening on http:\/\/127\.0\.0\.1:(\d+) \(bearer token\)/.exec(log)?.[1] ?? 0);
    }
    assert.ok(port > 0, log);
    const url = `http://127.0.0.1:${port}/v1/networks`;
    const denied = await fetch(url);
    assert.equal(denied.status, 403);
    assert.equal(((await denied.json()) as { error: { code: string } }).error.code, 'AUTH_FAILED');
    const wrong = await fetch(url, { headers: { authorization: 'Bearer nope' } });
    assert.equal(wrong.status, 403);
    const ok = await fetch(url, { headers: { authorization: 'Bearer s3cret' } });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { networks: [] });
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  });
});
