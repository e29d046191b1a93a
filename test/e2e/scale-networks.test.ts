// More networks than there are inotify instances: 140 NAT networks with DHCP and DNS, started one by one through
// the API, all running (fs.inotify.max_user_instances is 128 machine-wide; no dnsmasq of ours takes one), a sample
// serving a lease and names to a guest, and a change of the host's resolv.conf reaching a network's dnsmasq.

import assert from 'node:assert/strict';
import { readdirSync, readlinkSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { vethBetween } from '../../src/sandbox/netns.js';
import { canRunE2e, sleep, Topology } from './harness/topology.js';

const skip = canRunE2e();
const COUNT = 140;
const SAMPLE = [0, 70, COUNT - 1];
const UP2 = { host: '10.250.0.1', server: '10.250.0.2' };

const nat = (i: number) => `<network><name>s${i}</name><forward mode='nat'/><bridge name='vsc${i}'/>
  <dns><host ip='10.77.${i}.50'><hostname>files${i}</hostname></host></dns>
  <ip address='10.77.${i}.1' prefix='24'><dhcp><range start='10.77.${i}.100' end='10.77.${i}.199'/></dhcp></ip>
</network>`;

/** inotify instances a process holds (anon_inode:inotify among its descriptors). */
function inotifyInstances(pid: number): number {
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) === 'anon_inode:inotify') n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

describe(`${COUNT} NAT networks with DHCP and DNS`, { skip }, () => {
  let t: Topology;
  let resolv: string;
  let startMs = 0;

  /** An upstream DNS server that answers probe.test with `answer` (dnsmasq reading no resolv.conf: no inotify). */
  function upstreamDns(ns: string, listen: string, answer: string): void {
    t.spawnIn(ns, [
      'dnsmasq',
      '-k',
      '-C',
      '/dev/null',
      '--no-resolv',
      '--no-hosts',
      '--pid-file=',
      '--bind-interfaces',
      `--listen-address=${listen}`,
      `--address=/probe.test/${answer}`,
    ]);
  }

  function writeResolv(server: string): void {
    writeFileSync(`${resolv}.tmp`, `# test resolver\nnameserver ${server}\n`);
    renameSync(`${resolv}.tmp`, resolv);
  }

  before(async () => {
    t = new Topology();
    resolv = join(t.dir, 'resolv.conf');
    writeResolv(t.upAddr);
    upstreamDns(t.upNs, t.upAddr, '198.51.100.1');
    const up2 = t.addNamespace('up2');
    t.sh(vethBetween(t.hostNs, 'uplink1', up2, 'eth0'));
    t.sh(['ip', '-n', t.hostNs, 'addr', 'add', `${UP2.host}/24`, 'dev', 'uplink1']);
    t.sh(['ip', '-n', t.hostNs, 'link', 'set', 'uplink1', 'up']);
    t.sh(['ip', '-n', up2, 'addr', 'add', `${UP2.server}/24`, 'dev', 'eth0']);
    t.sh(['ip', '-n', up2, 'link', 'set', 'eth0', 'up']);
    upstreamDns(up2, UP2.server, '198.51.100.2');
    await t.startDaemon(['--resolv-conf', resolv]);
    const t0 = performance.now();
    for (let i = 0; i < COUNT; i++) await t.startNetwork(nat(i));
    startMs = performance.now() - t0;
  });
  after(() => t?.destroy());

  test(`all ${COUNT} are active, each with its own dnsmasq, none holding an inotify instance`, async () => {
    console.log(`started ${COUNT} networks one by one in ${(startMs / 1000).toFixed(1)} s`);
    const list = (await t.api('GET', '/v1/networks')).json() as { networks: Array<{ active: boolean }> };
    assert.equal(list.networks.filter((n) => n.active).length, COUNT);
    const pids = t.dnsmasqPids();
    // ours: the networks' dnsmasq (the two upstream servers run from /dev/null, not from our directory)
    assert.equal(pids.length, COUNT);
    assert.deepEqual(
      pids.filter((p) => inotifyInstances(p) > 0),
      [],
    );
  });

  for (const i of SAMPLE) {
    test(`network s${i}: a guest gets a lease and resolves a local and an upstream name`, () => {
      const g = t.addGuest(`g${i}`, `vsc${i}`);
      assert.match(t.dhcp(g) ?? 'no lease', new RegExp(`^10\\.77\\.${i}\\.1\\d\\d$`));
      assert.deepEqual(t.resolve(g, `files${i}`, `10.77.${i}.1`), [`10.77.${i}.50`]);
      assert.deepEqual(t.resolve(g, 'probe.test', `10.77.${i}.1`), ['198.51.100.1']);
    });
  }

  /** What a guest's network answers for probe.test, once it is `want` (or the last answer after 15 s). */
  async function answerOnceIs(guest: string, server: string, want: string): Promise<string[]> {
    let got: string[] = [];
    for (let k = 0; k < 75 && got[0] !== want; k++) {
      if (k) await sleep(200);
      got = t.resolve(guest, 'probe.test', server);
    }
    return got;
  }

  test('a new upstream in resolv.conf reaches the networks: the name now comes from the new server', async () => {
    const pidsBefore = t.dnsmasqPids().sort();
    writeResolv(UP2.server);
    for (const i of [SAMPLE[0] as number, COUNT - 1]) {
      assert.deepEqual(await answerOnceIs(`${t.prefix}-g${i}`, `10.77.${i}.1`, '198.51.100.2'), [
        '198.51.100.2',
      ]);
    }
    // reloaded (SIGHUP), not restarted
    assert.deepEqual(t.dnsmasqPids().sort(), pidsBefore);
  });
});
