// `virtnetd --http ADDR:PORT`: address parsing, loopback-only without a token, bearer token when configured.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseHttpAddress } from '../../src/daemon/main.js';

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

describe('--http', () => {
  test('ADDR:PORT parsing', () => {
    assert.deepEqual(parseHttpAddress('127.0.0.1:8080'), { host: '127.0.0.1', port: 8080 });
    assert.deepEqual(parseHttpAddress('[::1]:9'), { host: '::1', port: 9 });
    assert.deepEqual(parseHttpAddress('localhost:0'), { host: 'localhost', port: 0 });
    for (const bad of ['8080', '127.0.0.1', '127.0.0.1:99999', '::1:80', 'host:port'])
      assert.throws(() => parseHttpAddress(bad), /--http needs ADDR:PORT/, bad);
  });

  test('a non-loopback address without a token is refused', () => {
    const r = spawnSync(process.execPath, args('open', '--http', '0.0.0.0:0'), {
      encoding: 'utf8',
      timeout: 20000,
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /only loopback addresses are allowed without --http-token-file/);
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
