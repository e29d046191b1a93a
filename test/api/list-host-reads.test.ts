// Listing reads the host once per request, never once per network: GET /v1/networks, ?detail=1 and the
// CLI's net-list request over N active networks, with every host read of the runtime counted.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createApi } from '../../src/daemon/api/app.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { MemoryRuntime } from '../../src/daemon/memory-runtime.js';
import { Store } from '../../src/daemon/store.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const N = 40;
const net = (i: number) =>
  `<network><name>n${i}</name><forward mode='nat'/><bridge name='vlr${i}'/><ip address='10.31.${i}.1' prefix='24'><dhcp><range start='10.31.${i}.10' end='10.31.${i}.20'/></dhcp></ip></network>`;

/** The host side's reads, wrapped so that each call is counted by name. */
function countHostReads(runtime: MemoryRuntime): Map<string, number> {
  const calls = new Map<string, number>();
  const host = runtime.host as unknown as Record<string, unknown>;
  const count = (target: Record<string, unknown>, key: string, label: string) => {
    const fn = target[key];
    if (typeof fn !== 'function') return;
    target[key] = (...args: unknown[]) => {
      calls.set(label, (calls.get(label) ?? 0) + 1);
      return (fn as (...a: unknown[]) => unknown).apply(target, args);
    };
  };
  for (const k of [
    'uplink',
    'addresses',
    'deviceExists',
    'linkFacts',
    'devices',
    'counters',
    'allCounters',
    'listenSockets',
    'readLeases',
    'watchedLeases',
    'forwardCounters',
  ])
    count(host, k, k);
  const probe = runtime.host.probe as unknown as Record<string, unknown>;
  for (const k of Object.getOwnPropertyNames(Object.getPrototypeOf(probe)))
    if (k !== 'constructor') count(probe, k, `probe.${k}`);
  count(runtime.host.executor as unknown as Record<string, unknown>, 'run', 'executor.run');
  return calls;
}

describe('listing N networks', () => {
  test(`reads the host at most once per request, whatever the number of networks (${N} active)`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'virtnet-list-reads-'));
    dirs.push(dir);
    const runtime = new MemoryRuntime();
    const daemon = new Daemon(new Store(join(dir, 'c'), join(dir, 's')), runtime);
    await daemon.load();
    const app = createApi(daemon, { readOnly: false });
    for (let i = 0; i < N; i++) {
      const r = await app.request('/v1/networks?start=1', { method: 'POST', body: net(i) });
      assert.equal(r.status, 201, await r.text());
    }
    const calls = countHostReads(runtime);
    for (const path of ['/v1/networks', '/v1/networks?all=1', '/v1/networks?all=1&detail=1']) {
      calls.clear();
      const r = await app.request(path);
      const body = (await r.json()) as { networks: Array<{ name: string; active: boolean }> };
      assert.equal(r.status, 200);
      assert.equal(body.networks.length, N, path);
      assert.ok(body.networks.every((n) => n.active));
      const reads = [...calls].filter(([k]) => k !== 'uplink');
      assert.deepEqual(reads, [], `${path}: no host read per network`);
      assert.ok((calls.get('uplink') ?? 0) <= 1, `${path}: uplink asked ${calls.get('uplink')} times`);
    }
    // the counting itself works: asking a network's stats reads its counters
    calls.clear();
    await app.request('/v1/networks/n1/stats');
    assert.ok([...calls.keys()].length > 0, 'the wrapped host reads are seen');
    await daemon.shutdown();
  });
});
