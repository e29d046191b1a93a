// Bandwidth in both directions with iperf3: a network's <bandwidth> on its bridge, a portgroup's and a port's own
// (attach-interface/port-add --inbound/--outbound) on the guest's device, each within 10% of its configured
// average, towards the guest (inbound) and from it (outbound); and libvirt's floor: two guests downloading at once
// on a network whose inbound is capped, the floored one gets at least its floor. This kernel has no act_police:
// what a device receives goes through an ifb device (made in the test's namespaces, never the machine's ifb0/1).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { canRunE2e, sleep, Topology, tryRun } from './harness/topology.js';

const NET = '192.168.175';
const FLOOR_NET = '192.168.176';
/** kB/s as configured (libvirt's unit: 1000 bytes/s) → bit/s. */
const bits = (kBps: number) => kBps * 8000;

function skipReason(): string | undefined {
  return (
    canRunE2e() ?? (tryRun(['which', 'iperf3']).code !== 0 ? 'needs iperf3 (scripts/setup.sh)' : undefined)
  );
}

interface Measured {
  bps: number;
}

describe('bandwidth', { skip: skipReason() }, () => {
  let t: Topology;
  const results: string[] = [];
  const ok = (args: string[]) => {
    const r = t.virtnet(args);
    assert.equal(r.code, 0, `virtnet ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const host = (...argv: string[]) => t.tryRun(['ip', 'netns', 'exec', t.hostNs, ...argv]);
  const guest = (network: string, name: string, extra: string[] = []) => {
    const ns = t.addNamespace(name);
    ok(['port-add', network, '--owner', name, '--netns', `/var/run/netns/${ns}`, ...extra]);
    assert.ok(t.dhcp(ns), `${name} got no lease`);
    return ns;
  };
  /** Receiver-side rate of an iperf3 run from `ns` to upstream (`reverse`: upstream sends to the guest). */
  const iperf = async (ns: string, port: number, reverse: boolean, seconds = 5): Promise<Measured> => {
    const args = ['-c', t.upAddr, '-p', String(port), '-t', String(seconds), '-O', '1', '-J'];
    const p = t.spawnIn(ns, ['iperf3', ...args, ...(reverse ? ['-R'] : [])]);
    let out = '';
    p.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
    });
    await new Promise((r) => p.once('close', r));
    const j = JSON.parse(out) as { end?: { sum_received?: { bits_per_second: number } }; error?: string };
    assert.ok(j.end?.sum_received, `iperf3 from ${ns}: ${j.error ?? out.slice(0, 300)}`);
    return { bps: j.end.sum_received.bits_per_second };
  };
  const within = (what: string, m: Measured, kBps: number) => {
    const ratio = m.bps / bits(kBps);
    results.push(
      `${what}: configured ${kBps} kB/s (${bits(kBps) / 1e6} Mbit/s), measured ${(m.bps / 1e6).toFixed(2)} Mbit/s (${(ratio * 100).toFixed(1)}%)`,
    );
    assert.ok(ratio > 0.9 && ratio < 1.1, results.at(-1));
  };

  before(async () => {
    t = new Topology();
    await t.startDaemon(['--heal-interval', '0']);
    await t.startNetwork(`<network>
  <name>bwnet</name>
  <forward mode='nat'/>
  <bridge name='vnbr-bw' stp='off'/>
  <bandwidth><inbound average='2000'/><outbound average='1000'/></bandwidth>
  <portgroup name='pg'><bandwidth><inbound average='750'/><outbound average='375'/></bandwidth></portgroup>
  <ip address='${NET}.1' prefix='24'><dhcp><range start='${NET}.100' end='${NET}.199'/></dhcp></ip>
</network>`);
    await t.startNetwork(`<network>
  <name>flnet</name>
  <forward mode='nat'/>
  <bridge name='vnbr-fl' stp='off'/>
  <bandwidth><inbound average='2000'/></bandwidth>
  <ip address='${FLOOR_NET}.1' prefix='24'><dhcp><range start='${FLOOR_NET}.100' end='${FLOOR_NET}.199'/></dhcp></ip>
</network>`);
    for (const port of [5201, 5202]) t.spawnIn(t.upNs, ['iperf3', '-s', '-p', String(port)]);
    await sleep(500);
  });
  after(() => {
    console.log(results.join('\n'));
    t?.destroy();
  });

  test('a network limit: inbound on its bridge, outbound through an ifb device', async () => {
    const ns = guest('bwnet', 'n1');
    within('network inbound', await iperf(ns, 5201, true), 2000);
    within('network outbound', await iperf(ns, 5201, false), 1000);
    assert.equal(host('ip', 'link', 'show', 'ifb-vnbr-bw').code, 0, 'the bridge has its ifb device');
    assert.match(host('tc', 'class', 'show', 'dev', 'vnbr-bw').out, /class htb 1:2 parent 1:1 .*rate 16Mbit/);
  });

  test('a portgroup limit on the guest device, both directions', async () => {
    const ns = guest('bwnet', 'g1', ['--portgroup', 'pg']);
    within('portgroup inbound', await iperf(ns, 5201, true), 750);
    within('portgroup outbound', await iperf(ns, 5201, false), 375);
  });

  test("a port's own limit (--inbound/--outbound), both directions", async () => {
    const ns = guest('bwnet', 'p1', ['--inbound', '500', '--outbound', '250']);
    within('port inbound', await iperf(ns, 5201, true), 500);
    within('port outbound', await iperf(ns, 5201, false), 250);
    const xml = ok(['net-port-dumpxml', 'bwnet', portOf('p1')]);
    assert.match(xml, /<inbound average='500'\/>\n {4}<outbound average='250'\/>/);
  });

  test('floor: with the network capped, the floored guest gets its floor while another competes', async () => {
    const a = guest('flnet', 'fa', ['--inbound', ',,,1500']);
    const b = guest('flnet', 'fb');
    assert.match(
      host('tc', 'class', 'show', 'dev', 'vnbr-fl').out,
      /class htb 1:3 parent 1:1 .*rate 12Mbit ceil 16Mbit/,
    );
    const [ra, rb] = await Promise.all([iperf(a, 5201, true, 6), iperf(b, 5202, true, 6)]);
    results.push(
      `floor: network inbound 2000 kB/s, floor 1500 kB/s for fa: fa ${(ra.bps / 1e6).toFixed(2)} Mbit/s, fb ${(rb.bps / 1e6).toFixed(2)} Mbit/s`,
    );
    assert.ok(ra.bps >= bits(1500) * 0.9, results.at(-1));
    assert.ok(ra.bps + rb.bps <= bits(2000) * 1.1, results.at(-1));
    // the floor taken from the non-guaranteed class comes back when the port goes
    ok(['net-port-delete', 'flnet', portOf('fa')]);
    assert.doesNotMatch(host('tc', 'class', 'show', 'dev', 'vnbr-fl').out, /1:3/);
    assert.match(host('tc', 'class', 'show', 'dev', 'vnbr-fl').out, /class htb 1:2 parent 1:1 .*rate 16Mbit/);
  });

  test('a floor above what the network has is refused in libvirt words; nothing is made', () => {
    const ns = t.addNamespace('fx');
    const r = t.virtnet([
      'port-add',
      'flnet',
      '--owner',
      'fx',
      '--netns',
      `/var/run/netns/${ns}`,
      '--inbound',
      ',,,2500',
    ]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /Requested operation is not valid: Cannot plug '[0-9a-f:]+' interface into 'vnbr-fl' because new combined inbound floor=2500 would overcommit average=2000 on network 'flnet'/,
    );
    assert.equal(t.sh(['ip', '-n', ns, '-br', 'link']).includes('eth0'), false);
  });

  test("a restart keeps the network's outbound limit on a kept guest (its redirect is made again)", async () => {
    ok(['net-destroy', 'bwnet']);
    ok(['net-start', 'bwnet']);
    within('network outbound after a restart', await iperf(`${t.prefix}-n1`, 5201, false), 1000);
  });

  test('stop removes the ifb devices with the network and its ports', () => {
    ok(['net-destroy', 'bwnet']);
    assert.notEqual(host('ip', 'link', 'show', 'ifb-vnbr-bw').code, 0);
  });

  function portOf(owner: string): string {
    const g = JSON.parse(ok(['domiflist', owner, '--json'])) as Array<{ uuid: string }>;
    return g[0]?.uuid as string;
  }
});
