// virtnetd's log with packets, in both formats: a DHCP lease is one line in words (text) or one object (json),
// and a start refused by the host is logged once, with the step that failed and what to do about it.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { canRunE2e, sleep, Topology } from './harness/topology.js';

const NET = '192.168.177';
const XML = `<network><name>lognet</name><forward mode='nat'/><bridge name='vnbr-log' stp='off'/>
  <ip address='${NET}.1' netmask='255.255.255.0'><dhcp><range start='${NET}.100' end='${NET}.149'/></dhcp></ip>
</network>`;
const TAKEN = `<network><name>taken</name><bridge name='vnbr-taken'/><ip address='10.177.0.1' prefix='24'/></network>`;

/** A daemon in the given format, a guest that takes a lease, a start the host refuses; returns the log. */
async function run(t: Topology, format: 'text' | 'json'): Promise<{ log: string; mac: string; ip: string }> {
  const d = await t.startDaemon(['--log-format', format, '--heal-interval', '0']);
  let log = '';
  d.stderr?.on('data', (b: Buffer) => {
    log += b.toString();
  });
  await t.startNetwork(XML);
  const g = t.addGuest('g', 'vnbr-log');
  const mac = (
    JSON.parse(t.sh(['ip', '-n', g, '-j', 'link', 'show', 'eth0'])) as Array<{ address: string }>
  )[0]?.address as string;
  const ip = t.dhcp(g) ?? '';
  assert.ok(ip, 'the guest has a lease');
  t.sh(['ip', '-n', t.hostNs, 'link', 'add', 'vnbr-taken', 'type', 'veth', 'peer', 'name', 'vnbr-takenp']);
  assert.equal((await t.api('POST', '/v1/networks', TAKEN)).status, 201);
  const r = await t.api('POST', '/v1/networks/taken/start');
  assert.equal(r.status, 409, r.body);
  // the lease watcher reads the file within a second
  for (let i = 0; i < 40 && !log.includes(ip); i++) await sleep(100);
  return { log, mac, ip };
}

describe('daemon logs', { skip: canRunE2e() }, () => {
  const tops: Topology[] = [];
  after(async () => {
    for (const t of tops) await t.destroy();
  });

  test('text: one line in words per lease, a refused start once with its step and hint', async () => {
    const t = new Topology();
    tops.push(t);
    const { log, mac, ip } = await run(t, 'text');
    const lines = log.split('\n').filter(Boolean);
    for (const l of lines) assert.match(l, /^virtnetd: /, l);
    const lease = lines.filter((l) => l.includes(ip));
    assert.equal(lease.length, 1, log);
    assert.match(
      lease[0] as string,
      new RegExp(`^virtnetd: network 'lognet': ${mac} ${ip.replace(/\./g, '\\.')}.* leased$`),
    );
    assert.doesNotMatch(log, /[{}]/, 'no raw JSON');
    const failed = lines.filter((l) => l.includes("network 'taken'"));
    assert.equal(failed.length, 1, log);
    assert.match(failed[0] as string, /vnbr-taken/);
    assert.match(failed[0] as string, /\(what to do: choose another bridge name/);
  });

  test('json: one object per line; the lease and the failure carry their network, step and hint', async () => {
    const t = new Topology();
    tops.push(t);
    const { log, ip } = await run(t, 'json');
    const entries = log
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, string>);
    for (const e of entries) {
      assert.ok(!Number.isNaN(Date.parse(e.time ?? '')), JSON.stringify(e));
      assert.match(e.level ?? '', /^(info|warn|error)$/);
      assert.equal(typeof e.msg, 'string');
    }
    const lease = entries.filter((e) => e.msg?.includes(ip));
    assert.equal(lease.length, 1, log);
    assert.equal(lease[0]?.network, 'lognet');
    assert.equal(lease[0]?.event, 'lease');
    const failed = entries.filter((e) => e.msg?.includes("network 'taken'"));
    assert.equal(failed.length, 1, log);
    assert.equal(failed[0]?.level, 'error');
    assert.equal(failed[0]?.code, 'HOST_CONFLICT');
    assert.ok(failed[0]?.step, JSON.stringify(failed[0]));
    assert.match(failed[0]?.hint ?? '', /choose another bridge name/);
    assert.equal(entries.filter((e) => e.level === 'error').length, 1, 'nothing else failed');
  });
});
