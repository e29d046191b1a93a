// The forwards API and dry runs in memory: persistence in the definition, live vs config, errors with their HTTP
// status, events, and dry runs that answer with a plan and change nothing.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, describe, test } from 'node:test';
import type { Hono } from 'hono';
import type { ChangePlan, ForwardChangeResponse, ForwardInfo, NetworkEvent } from '../../src/api/types.js';
import { createApi } from '../../src/daemon/api/app.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { MemoryRuntime } from '../../src/daemon/memory-runtime.js';
import { Store } from '../../src/daemon/store.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const NAT = `<network><name>web</name><forward mode='nat'/><bridge name='vt-web'/>
  <ip address='10.20.0.1' prefix='24'><dhcp><host mac='52:54:00:00:00:07' name='app' ip='10.20.0.7'/></dhcp></ip></network>`;

describe('forwards API', () => {
  let app: Hono;
  let daemon: Daemon;
  let config: string;
  const events: NetworkEvent[] = [];
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await app.request(path, {
      method,
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const list = async () => (await call('GET', '/v1/networks/web/forwards')).json.forwards as ForwardInfo[];

  beforeEach(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'virtnet-fwd-'));
    dirs.push(dir);
    config = join(dir, 'c');
    daemon = new Daemon(new Store(config, join(dir, 's')), new MemoryRuntime());
    await daemon.load();
    daemon.onEvent((e) => events.push(e));
    app = createApi(daemon, { readOnly: false });
    assert.equal((await call('POST', '/v1/networks', NAT)).status, 201);
  });

  test('a forward on an inactive network goes into the definition file only', async () => {
    const r = await call('POST', '/v1/networks/web/forwards', {
      listenPort: 8080,
      targetAddress: 'app',
      targetPort: 80,
    });
    assert.equal(r.status, 201);
    const res = r.json as unknown as ForwardChangeResponse;
    assert.deepEqual(res.forward, {
      proto: 'tcp',
      listenPort: 8080,
      targetAddress: '10.20.0.7',
      targetPort: 80,
      live: false,
      config: true,
    });
    assert.match(
      readFileSync(join(config, 'networks', 'web.xml'), 'utf8'),
      /<virtnet:forward proto="tcp" port="8080"/,
    );
    assert.deepEqual(
      (await list()).map((f) => [f.listenPort, f.live, f.config, f.hits]),
      [[8080, false, true, undefined]],
    );
    assert.equal(events.at(-1)?.type, 'updated');
    assert.equal(events.at(-1)?.detail?.forward, 'added');
  });

  test('on an active network it is live and config; starting applies stored forwards', async () => {
    await call('POST', '/v1/networks/web/forwards', { listenPort: 8080, targetAddress: '10.20.0.7' });
    await call('POST', '/v1/networks/web/start');
    await call('POST', '/v1/networks/web/forwards', {
      proto: 'udp',
      listenPort: 53,
      targetAddress: '10.20.0.7',
    });
    assert.deepEqual(
      (await list()).map((f) => [f.proto, f.listenPort, f.live, f.config, f.hits]),
      [
        ['udp', 53, true, true, 0],
        ['tcp', 8080, true, true, 0],
      ],
    );
    const del = await call('DELETE', '/v1/networks/web/forwards?proto=tcp&listenPort=8080');
    assert.equal(del.status, 200);
    assert.deepEqual(
      (await list()).map((f) => f.listenPort),
      [53],
    );
    assert.doesNotMatch(readFileSync(join(config, 'networks', 'web.xml'), 'utf8'), /port="8080"/);
  });

  test('bad forwards are refused with the right status and change nothing', async () => {
    const cases: Array<[unknown, number, RegExp]> = [
      [{ listenPort: 8080, targetAddress: '10.99.0.7' }, 400, /outside network 'web'/],
      [{ listenPort: 70000, targetAddress: '10.20.0.7' }, 400, /listen port must be a port number/],
      [{ listenPort: 8080, targetAddress: 'nobody' }, 400, /neither an IPv4 address nor the name/],
      [{ listenPort: 8080 }, 400, /needs a target address/],
      ['not json', 400, /JSON object/],
    ];
    for (const [body, status, re] of cases) {
      const r = await call('POST', '/v1/networks/web/forwards', body);
      assert.equal(r.status, status, JSON.stringify(body));
      assert.match((r.json.error as { message: string }).message, re);
    }
    await call('POST', '/v1/networks/web/forwards', { listenPort: 8080, targetAddress: '10.20.0.7' });
    const clash = await call('POST', '/v1/networks/web/forwards', {
      listenPort: 8080,
      targetAddress: '10.20.0.8',
    });
    assert.equal(clash.status, 409);
    const missing = await call('DELETE', '/v1/networks/web/forwards?listenPort=9999');
    assert.equal(missing.status, 400);
    assert.match((missing.json.error as { message: string }).message, /has no forward tcp 0\.0\.0\.0:9999/);
    assert.equal((await list()).length, 1);
  });

  test('forwards need a NAT network', async () => {
    const routed = `<network><name>r</name><forward mode='route'/><bridge name='vt-r'/><ip address='10.21.0.1' prefix='24'/></network>`;
    await call('POST', '/v1/networks', routed);
    const r = await call('POST', '/v1/networks/r/forwards', { listenPort: 80, targetAddress: '10.21.0.5' });
    assert.equal(r.status, 409);
    assert.match((r.json.error as { message: string }).message, /not a NAT network/);
  });

  test('dry runs answer with a plan and change nothing', async () => {
    const define = await call('POST', '/v1/networks?dryRun=1', NAT.replace(/web/g, 'other'));
    const plan = define.json as unknown as ChangePlan;
    assert.equal(define.status, 200);
    assert.equal(plan.dryRun, true);
    assert.match(plan.files[0]?.path ?? '', /networks\/other\.xml$/);
    assert.deepEqual(plan.warnings, ["subnet 10.20.0.0/24 overlaps 10.20.0.0/24 of network 'web'"]);
    assert.equal((await call('GET', '/v1/networks/other')).status, 404);
    const dup = await call('POST', '/v1/networks?dryRun=1', NAT.replace('<name>web', '<name>web2'));
    assert.equal(dup.status, 409, 'a dry run makes the same checks (bridge already in use)');
    const start = await call('POST', '/v1/networks/web/start?dryRun=1');
    assert.equal(start.status, 200);
    assert.equal(((await call('GET', '/v1/networks/web')).json as { active: boolean }).active, false);
    const fwd = await call('POST', '/v1/networks/web/forwards?dryRun=1', {
      listenPort: 81,
      targetAddress: '10.20.0.7',
    });
    assert.equal(fwd.status, 200);
    assert.match((fwd.json as unknown as ForwardChangeResponse).plan.files[0]?.content ?? '', /port="81"/);
    assert.equal((await list()).length, 0);
    const undef = await call('DELETE', '/v1/networks/web?dryRun=1');
    assert.equal(undef.status, 200);
    assert.equal((await call('GET', '/v1/networks/web')).status, 200);
    const notActive = await call('POST', '/v1/networks/web/destroy?dryRun=1');
    assert.equal(notActive.status, 409);
  });
});
