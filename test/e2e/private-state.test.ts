// A --state-dir below a directory closed to others (mode 0700 is common): dnsmasq drops root and could not read
// its hosts files there, so reservations and DNS names would silently not work. Starting such a network is
// refused with what to change, `virtnet doctor` says it, and once the directory is opened a reservation and a DNS
// name work with packets.

import assert from 'node:assert/strict';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { canRunE2e, Topology } from './harness/topology.js';

const NET = '192.168.163';

describe('a private state directory', { skip: canRunE2e() }, () => {
  let t: Topology;
  let privateDir: string;

  before(async () => {
    t = new Topology();
    privateDir = join(t.dir, 'private');
    mkdirSync(privateDir, { mode: 0o700 });
    chmodSync(privateDir, 0o700);
    await t.startDaemon(['--state-dir', join(privateDir, 'state')]);
    const d = await t.api(
      'POST',
      '/v1/networks',
      `<network><name>priv</name><forward mode='nat'/><bridge name='vnbr-priv' stp='off'/>
  <dns><host ip='${NET}.9'><hostname>nas</hostname></host></dns>
  <ip address='${NET}.1' netmask='255.255.255.0'><dhcp><range start='${NET}.100' end='${NET}.199'/>
    <host mac='52:54:00:00:16:30' name='res' ip='${NET}.30'/></dhcp></ip></network>`,
    );
    assert.equal(d.status, 201, d.body);
  });
  after(() => t?.destroy());

  test('starting a network with DHCP and DNS is refused, saying which directory and what to do', async () => {
    const r = await t.api('POST', '/v1/networks/priv/start');
    assert.equal(r.status, 409, r.body);
    const msg = (r.json() as { error: { message: string } }).error.message;
    assert.match(
      msg,
      new RegExp(`runs as 'nobody', which cannot read \\S+: directory ${privateDir} is closed to it`),
    );
    assert.match(msg, new RegExp(`chmod o\\+x ${privateDir}`));
    assert.equal(t.tryRun(['ip', '-n', t.hostNs, 'link', 'show', 'vnbr-priv']).code, 1, 'nothing was made');
    assert.deepEqual(t.dnsmasqPids(), []);
  });

  test('virtnet doctor reports it', () => {
    const r = t.virtnet(['doctor', '--json']);
    const findings = (JSON.parse(r.stdout) as { findings: Array<{ id: string; fix?: string }> }).findings;
    const f = findings.find((x) => x.id === 'dnsmasq-cannot-read-state');
    assert.ok(f, r.stdout);
    assert.match(f.fix ?? '', new RegExp(`chmod o\\+x ${privateDir}`));
  });

  test('once the directory is open to others, the reservation and the DNS name work', async () => {
    chmodSync(privateDir, 0o711);
    const r = await t.api('POST', '/v1/networks/priv/start');
    assert.equal(r.status, 200, r.body);
    const g = t.addGuest('g', 'vnbr-priv');
    t.sh(['ip', '-n', g, 'link', 'set', 'eth0', 'address', '52:54:00:00:16:30']);
    assert.equal(t.dhcp(g), `${NET}.30`, 'the reservation');
    assert.deepEqual(t.resolve(g, 'nas', `${NET}.1`), [`${NET}.9`], 'the DNS name');
    assert.equal(
      t.virtnet(['doctor', '--json']).stdout.includes('dnsmasq-cannot-read-state'),
      false,
      'the doctor is content',
    );
  });
});
