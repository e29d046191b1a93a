// GET /v1/doctor in memory: definitions are judged always, the host only through an injected probe.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createApi } from '../../src/daemon/api/app.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { MemoryRuntime } from '../../src/daemon/memory-runtime.js';
import { Store } from '../../src/daemon/store.js';
import type { DoctorReport, HostFacts } from '../../src/doctor/checks.js';

const dir = mkdtempSync(join(tmpdir(), 'virtnet-doctor-api-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const net = (name: string, addr: string) =>
  `<network><name>${name}</name><forward mode='nat'/><bridge name='vt-${name}'/><ip address='${addr}' prefix='24'/></network>`;

describe('doctor API', () => {
  test('without a probe: only clashes between definitions, and an info that the host was not checked', async () => {
    const daemon = new Daemon(new Store(join(dir, 'c1'), join(dir, 's1')), new MemoryRuntime());
    await daemon.define(net('a', '10.9.0.1'));
    await daemon.define(net('b', '10.9.0.2'));
    const res = await createApi(daemon, { readOnly: true }).request('/v1/doctor');
    assert.equal(res.status, 200);
    const r = (await res.json()) as DoctorReport;
    assert.deepEqual(
      r.findings.map((f) => f.id),
      ['host-not-probed', 'subnet-network-overlap'],
    );
    assert.equal(r.ok, false);
  });

  test('with a probe: host facts are judged against the networks', async () => {
    const daemon = new Daemon(new Store(join(dir, 'c2'), join(dir, 's2')), new MemoryRuntime());
    await daemon.define(net('a', '10.9.0.1'));
    const facts: HostFacts = {
      nft: 'ok',
      ipForward: false,
      tables: [],
      chains: [],
      forwardDrops: [],
      firewalldRunning: false,
      routes: [],
      bridges: [],
      udp: [],
    };
    const app = createApi(daemon, { readOnly: false, doctorProbe: async () => facts });
    const r = (await (await app.request('/v1/doctor')).json()) as DoctorReport;
    assert.deepEqual(
      r.findings.map((f) => `${f.id} ${f.severity}`),
      ['dnsmasq-missing error', 'ip-forward-off warning'],
    );
    await daemon.start('a');
    facts.dnsmasq = '/usr/sbin/dnsmasq';
    facts.ipForward = true;
    const ok = (await (await app.request('/v1/doctor')).json()) as DoctorReport;
    assert.deepEqual(ok, { findings: [], ok: true });
  });
});
