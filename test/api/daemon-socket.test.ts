// The real virtnetd process over its UNIX sockets: socket modes, SSE events, 50 concurrent clients defining
// and undefining networks leave the store consistent, clean SIGTERM shutdown.

import assert from 'node:assert/strict';
import { type ChildProcess, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { NetworkEvent, NetworkInfo } from '../../src/api/types.js';
import { parseNetworkXml } from '../../src/model/network-parse.js';
import { type MemoryDaemon, startMemoryDaemon } from '../helpers/memory-daemon.js';

const ROOT = join(import.meta.dirname, '../../..');

function call(
  socket: string,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method, path, agent: false }, (res) => {
      let text = '';
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('virtnetd over UNIX sockets', () => {
  let d: MemoryDaemon;
  let dir: string;
  let sock: string;
  let daemon: ChildProcess;

  before(async () => {
    d = await startMemoryDaemon('virtnet-sock-');
    ({ dir, socket: sock, process: daemon } = d);
  });
  after(() => d?.stop());

  test('socket permissions: 0600 read-write, 0666 read-only', () => {
    assert.equal(statSync(sock).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'r', 'virtnet-ro.sock')).mode & 0o777, 0o666);
    assert.equal(readFileSync(join(dir, 'r', 'virtnetd.pid'), 'utf8'), `${daemon.pid}\n`);
  });

  test('the read-only socket refuses changes', async () => {
    const r = await call(
      join(dir, 'r', 'virtnet-ro.sock'),
      'POST',
      '/v1/networks',
      '<network><name>x</name></network>',
    );
    assert.equal(r.status, 403);
  });

  test('events stream reports defined, started, stopped, undefined with name and uuid', async () => {
    const events: NetworkEvent[] = [];
    const req = request({ socketPath: sock, path: '/v1/events', agent: false });
    let ready: () => void = () => {};
    const subscribed = new Promise<void>((r) => {
      ready = r;
    });
    const done = new Promise<void>((resolve) => {
      req.on('response', (res) => {
        assert.match(String(res.headers['content-type']), /^text\/event-stream/);
        let buf = '';
        res.on('data', (c) => {
          buf += c;
          if (buf.includes('event: hello')) ready();
          for (const m of buf.matchAll(/event: network\ndata: (.*)\n/g)) {
            const e = JSON.parse(m[1] as string) as NetworkEvent;
            if (!events.some((x) => x.type === e.type)) events.push(e);
          }
          if (events.length >= 4) resolve();
        });
      });
    });
    req.end();
    await subscribed;
    await call(sock, 'POST', '/v1/networks', "<network><name>ev</name><bridge name='vtev'/></network>");
    await call(sock, 'POST', '/v1/networks/ev/start');
    await call(sock, 'POST', '/v1/networks/ev/destroy');
    await call(sock, 'DELETE', '/v1/networks/ev');
    await Promise.race([done, new Promise((r) => setTimeout(r, 3000))]);
    req.destroy();
    assert.deepEqual(
      events.map((e) => e.type),
      ['defined', 'started', 'stopped', 'undefined'],
    );
    assert.ok(events.every((e) => e.name === 'ev' && /^[0-9a-f-]{36}$/.test(e.uuid)));
  });

  test('50 concurrent clients defining and undefining leave the store consistent', async () => {
    const statuses: number[] = [];
    const jobs = Array.from({ length: 50 }, async (_, i) => {
      const name = `c${i % 20}`;
      // a fixed uuid per name: redefining a name needs its uuid, as in libvirt
      const uuid = `00000000-0000-4000-8000-${String(i % 20).padStart(12, '0')}`;
      const xml = `<network><name>${name}</name><uuid>${uuid}</uuid><bridge name='vtc${i % 20}'/><ip address='10.50.${i % 20}.1' prefix='24'/></network>`;
      for (let k = 0; k < 4; k++) {
        statuses.push((await call(sock, 'POST', '/v1/networks', xml)).status);
        if ((i + k) % 3 === 0) statuses.push((await call(sock, 'DELETE', `/v1/networks/${name}`)).status);
      }
    });
    await Promise.all(jobs);
    // 404 only when another client undefined the same name first; never a 500 or a torn write
    assert.ok(
      statuses.every((st) => st === 200 || st === 201 || st === 404),
      statuses.join(','),
    );
    assert.equal(statuses.filter((st) => st === 201).length, 200);
    const listed = JSON.parse((await call(sock, 'GET', '/v1/networks?all=1')).text).networks as NetworkInfo[];
    assert.ok(listed.length > 0);
    const files = readdirSync(join(dir, 'c', 'networks')).filter((f) => f.endsWith('.xml'));
    assert.deepEqual(files.map((f) => f.slice(0, -4)).sort(), listed.map((n) => n.name).sort());
    for (const f of files) {
      const def = parseNetworkXml(readFileSync(join(dir, 'c', 'networks', f), 'utf8'));
      const info = listed.find((n) => n.name === def.name);
      assert.equal(def.uuid, info?.uuid);
    }
    assert.equal(new Set(listed.map((n) => n.uuid)).size, listed.length);
  });

  test('a second daemon on the same run dir refuses to start', () => {
    const r = spawnSync(
      process.execPath,
      [
        join(ROOT, 'bin/virtnetd'),
        '--runtime',
        'memory',
        '--config-dir',
        join(dir, 'c2'),
        '--state-dir',
        join(dir, 's2'),
        '--run-dir',
        join(dir, 'r'),
      ],
      { encoding: 'utf8', timeout: 20000 },
    );
    assert.equal(r.status, 1);
    assert.match(r.stderr, /another virtnetd is already listening on .*virtnet\.sock/);
    assert.equal(statSync(sock).mode & 0o777, 0o600);
  });

  test('SIGTERM shuts down cleanly and removes the sockets', async () => {
    const exited = new Promise<number | null>((r) => daemon.once('exit', (code) => r(code)));
    daemon.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.throws(() => statSync(sock));
  });
});
