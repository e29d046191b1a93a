// LinuxRuntime after the daemon is gone: adopt without duplicates, dnsmasq restarted within a second, drift found
// by check() and fixed by repair().

import assert from 'node:assert/strict';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { routeGroups } from '../helpers/netlink-groups.js';
import { isRoot, RuntimeNs } from './helpers/runtime-ns.js';
import { natXml } from './helpers/runtime-xml.js';

describe('LinuxRuntime adopt, supervision, check and repair', { skip: !isRoot && 'needs root' }, () => {
  let ns: RuntimeNs;
  before(() => {
    ns = new RuntimeNs();
  });
  after(() => ns?.dispose());

  it('adopts a running network without restarting or duplicating dnsmasq', () => {
    const xml = ns.writeXml('adopt', natXml(61));
    const started = ns.driver('start', xml);
    assert.equal(started.code, 0, started.stderr);
    const pid = JSON.parse(started.stdout).dnsmasqPid as number;
    // the driver process has exited: this is the daemon dying with the network up
    const adopted = ns.driver('adopt', xml);
    assert.equal(adopted.code, 0, adopted.stderr);
    assert.equal(JSON.parse(adopted.stdout).dnsmasqPid, pid);
    assert.deepEqual(ns.dnsmasqPids(), [pid]);
    assert.deepEqual(ns.mapKeys('fwd_if'), ['vrt61']);
    assert.equal(ns.driver('stop', xml).code, 0);
  });

  it('takes an IPv4 dnsmasq that binds once off address and route changes; one serving IPv6 keeps them', () => {
    // every dnsmasq joins these groups (0x550: IPv4 and IPv6 addresses and routes) and wakes on each change
    const v4 = ns.writeXml('mute4', natXml(67));
    const started = ns.driver('start', v4);
    assert.equal(started.code, 0, started.stderr);
    assert.deepEqual(routeGroups(JSON.parse(started.stdout).dnsmasqPid), [0]);
    const v6 = ns.writeXml('mute6', natXml(68, { v6: true }));
    const started6 = ns.driver('start', v6);
    assert.equal(started6.code, 0, started6.stderr);
    // RA and DHCPv6 follow the bridge's addresses: this one must hear of them
    assert.deepEqual(routeGroups(JSON.parse(started6.stdout).dnsmasqPid), [0x550]);
    assert.equal(ns.driver('stop', v4).code, 0);
    assert.equal(ns.driver('stop', v6).code, 0);
  });

  it('restarts a killed dnsmasq within one second and reports it', async () => {
    const xml = ns.writeXml('sup', natXml(62));
    const started = ns.driver('start', xml);
    assert.equal(started.code, 0, started.stderr);
    const pid = JSON.parse(started.stdout).dnsmasqPid as number;
    assert.deepEqual(routeGroups(pid), [0]);
    const sup = ns.supervise(xml);
    await sup.waitFor((l) => (l as { adopted?: unknown }).adopted !== undefined, 5000);
    const t0 = Date.now();
    process.kill(pid, 'SIGKILL');
    const ev = (await sup.waitFor((l) => (l as { type?: string }).type === 'dnsmasq-restarted', 3000)) as {
      network: string;
      detail: { pid: number };
    };
    const elapsed = Date.now() - t0;
    assert.ok(elapsed < 1000, `restarted after ${elapsed} ms`);
    assert.equal(ev.network, 'rt62');
    assert.notEqual(ev.detail.pid, pid);
    assert.deepEqual(ns.dnsmasqPids(), [ev.detail.pid]);
    // restarted by an adopting daemon: off route events again
    assert.deepEqual(routeGroups(ev.detail.pid), [0]);
    assert.ok(ns.udpListeners().includes('10.62.0.1:53'));
    sup.child.kill('SIGTERM');
    await new Promise((r) => sup.child.once('exit', r));
    assert.deepEqual(ns.dnsmasqPids(), [ev.detail.pid], 'detach leaves dnsmasq running');
    assert.equal(ns.driver('stop', xml).code, 0);
    assert.deepEqual(ns.dnsmasqPids(), []);
  });

  it('a dnsmasq that keeps failing is retried with backoff, reported degraded once, its reason logged once', async () => {
    // a dnsmasq that refuses to start while the flag file exists, counting its invocations
    const flag = join(ns.dir, 'refuse');
    const count = join(ns.dir, 'invocations');
    const wrapper = join(ns.dir, 'flaky-dnsmasq');
    writeFileSync(
      wrapper,
      `#!/bin/sh\necho x >> ${count}\nif [ -e ${flag} ]; then echo "dnsmasq: port 53 taken (test)" >&2; exit 2; fi\nexec dnsmasq "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
    const xml = ns.writeXml('flaky', natXml(66));
    assert.equal(ns.driver('start', xml, { VIRTNET_TEST_DNSMASQ: wrapper }).code, 0);
    const sup = ns.supervise(xml, { VIRTNET_TEST_DNSMASQ: wrapper });
    await sup.waitFor((l) => (l as { adopted?: unknown }).adopted !== undefined, 5000);
    writeFileSync(flag, '');
    writeFileSync(count, '');
    for (const pid of ns.dnsmasqPids()) process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 6000));
    const attempts = readFileSync(count, 'utf8').split('\n').filter(Boolean).length;
    // without backoff: 4 polls a second, 24 attempts in 6 s
    assert.ok(attempts >= 2 && attempts <= 6, `attempts in 6 s: ${attempts}`);
    const degraded = sup.lines.filter((l) => (l as { type?: string }).type === 'degraded') as Array<{
      detail: { reason: string };
    }>;
    assert.equal(degraded.length, 1, JSON.stringify(sup.lines));
    assert.match(degraded[0]?.detail.reason ?? '', /port 53 taken \(test\)/);
    assert.equal(
      sup
        .stderr()
        .split('\n')
        .filter((l) => /cannot be kept running/.test(l)).length,
      1,
      sup.stderr(),
    );
    rmSync(flag);
    await sup.waitFor((l) => (l as { type?: string }).type === 'dnsmasq-restarted', 10000);
    assert.equal(ns.dnsmasqPids().length, 1);
    sup.child.kill('SIGTERM');
    await new Promise((r) => sup.child.once('exit', r));
    assert.equal(ns.driver('stop', xml).code, 0);
    assert.deepEqual(ns.dnsmasqPids(), []);
  });

  it('turns lease file changes into lease events and leases()', async () => {
    const xml = ns.writeXml('lease', natXml(65));
    assert.equal(ns.driver('start', xml).code, 0);
    const sup = ns.supervise(xml);
    await sup.waitFor((l) => (l as { adopted?: unknown }).adopted !== undefined, 5000);
    const expiry = Math.floor(Date.now() / 1000) + 3600;
    // what dnsmasq writes after a DHCP exchange; written directly so no guest is needed
    writeFileSync(
      join(ns.stateDir, 'dnsmasq', 'rt65.leases'),
      `${expiry} 52:54:00:12:34:56 10.65.0.77 guest1 *\n`,
    );
    const ev = (await sup.waitFor((l) => (l as { type?: string }).type === 'lease', 3000)) as {
      detail: { leases: Array<{ ipaddr: string; mac: string; hostname?: string }> };
    };
    assert.deepEqual(
      ev.detail.leases.map((l) => [l.ipaddr, l.mac, l.hostname]),
      [['10.65.0.77', '52:54:00:12:34:56', 'guest1']],
    );
    const leases = JSON.parse(ns.driver('leases', xml).stdout) as Array<{
      ipaddr: string;
      expiryTime: number;
    }>;
    assert.deepEqual(
      leases.map((l) => [l.ipaddr, l.expiryTime]),
      [['10.65.0.77', expiry]],
    );
    sup.child.kill('SIGTERM');
    await new Promise((r) => sup.child.once('exit', r));
    assert.equal(ns.driver('stop', xml).code, 0);
  });

  it('check() reports drift and repair() fixes exactly that', () => {
    const xml = ns.writeXml('drift', natXml(63));
    assert.equal(ns.driver('start', xml).code, 0);
    ns.sh(['ip', 'addr', 'flush', 'dev', 'vrt63']);
    // nobody but the table's owner can change it (flags owner): the drift goes in through its session
    ns.nftAsOwner('delete element inet virtnet fwd_if { "vrt63" }');
    for (const pid of ns.dnsmasqPids()) process.kill(pid, 'SIGKILL');
    const problems = JSON.parse(ns.driver('check', xml).stdout) as Array<{ what: string }>;
    // exactly the three changes made, nothing else (an ipv6 link-local address may have gone with the flush)
    assert.deepEqual(
      problems.map((p) => p.what).filter((w) => !/fe80:/.test(w)),
      [
        'address 10.63.0.1/24 missing on vrt63',
        'nft map fwd_if has no entry for vrt63',
        'dnsmasq is not running',
      ],
    );
    const repaired = ns.driver('repair', xml);
    assert.equal(repaired.code, 0, repaired.stderr);
    assert.deepEqual(JSON.parse(ns.driver('check', xml).stdout), []);
    assert.equal(ns.dnsmasqPids().length, 1);
    assert.equal(ns.driver('stop', xml).code, 0);
  });

  it('check() notices a deleted bridge and a flushed ruleset; repair() rebuilds both', () => {
    const xml = ns.writeXml('gone', natXml(64));
    assert.equal(ns.driver('start', xml).code, 0);
    ns.sh(['ip', 'link', 'del', 'vrt64']);
    // others cannot delete an owned table; it goes when its owner (the nft session) dies
    assert.notEqual(
      ns.tryRun(['nft', 'delete', 'table', 'inet', 'virtnet']).code,
      0,
      'the table is protected',
    );
    ns.killNftSession();
    assert.equal(ns.hasTable(), false);
    const whats = (JSON.parse(ns.driver('check', xml).stdout) as Array<{ what: string }>)
      .map((p) => p.what)
      .join('\n');
    assert.match(whats, /bridge vrt64 is missing/);
    assert.match(whats, /virtnet table/);
    const repaired = ns.driver('repair', xml);
    assert.equal(repaired.code, 0, repaired.stderr);
    assert.deepEqual(JSON.parse(ns.driver('check', xml).stdout), []);
    assert.ok(ns.udpListeners().includes('10.64.0.1:53'), 'dnsmasq serves the new bridge');
    assert.equal(ns.driver('stop', xml).code, 0);
    assert.deepEqual(ns.dnsmasqPids(), []);
  });
});
