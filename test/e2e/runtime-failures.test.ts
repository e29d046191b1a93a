// LinuxRuntime refusals and rollback in a namespace of our own: every failed start leaves nothing behind.

import assert from 'node:assert/strict';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isRoot, RuntimeNs } from './helpers/runtime-ns.js';
import { natXml } from './helpers/runtime-xml.js';

describe('LinuxRuntime failed starts', { skip: !isRoot && 'needs root' }, () => {
  let ns: RuntimeNs;
  before(() => {
    ns = new RuntimeNs();
  });
  after(() => ns?.dispose());

  function assertNothingLeft(bridge: string, name: string): void {
    assert.equal(ns.chains().filter((c) => c.startsWith(`br_${bridge}`)).length, 0, 'no chains');
    assert.equal(ns.mapKeys('fwd_if').includes(bridge), false, 'no map element');
    assert.equal(ns.mapKeys('nat_out').includes(bridge), false, 'no map element');
    assert.deepEqual(ns.dnsmasqPids(), [], 'no dnsmasq');
    assert.equal(existsSync(join(ns.stateDir, 'dnsmasq', `${name}.conf`)), false, 'no dnsmasq config');
  }

  it('a dnsmasq that refuses its options rolls the whole start back and reports its message', () => {
    const wrapper = join(ns.dir, 'bad-dnsmasq');
    writeFileSync(wrapper, '#!/bin/sh\nexec dnsmasq --dhcp-range=nonsense "$@"\n');
    chmodSync(wrapper, 0o755);
    const xml = ns.writeXml('bad', natXml(51));
    const r = ns.driver('start', xml, { VIRTNET_TEST_DNSMASQ: wrapper });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /failed to start network 'rt51': step "start dnsmasq for rt51" failed: \S*dnsmasq --conf-file=\S+ .*dhcp-range/,
    );
    assert.equal(
      ns.links().find((l) => l.ifname === 'vrt51'),
      undefined,
      'bridge removed',
    );
    assertNothingLeft('vrt51', 'rt51');
  });

  it('a dnsmasq that started but whose start is reported failed is stopped by the unwinding', () => {
    // the real dnsmasq daemonizes and writes its pid file, then the wrapper says it failed
    const wrapper = join(ns.dir, 'late-dnsmasq');
    writeFileSync(wrapper, '#!/bin/sh\ndnsmasq "$@" || exit 2\necho "refused after the fact" >&2\nexit 1\n');
    chmodSync(wrapper, 0o755);
    const xml = ns.writeXml('late', natXml(56));
    const r = ns.driver('start', xml, { VIRTNET_TEST_DNSMASQ: wrapper });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /step "start dnsmasq for rt56" failed: .*refused after the fact/);
    assert.equal(
      ns.links().find((l) => l.ifname === 'vrt56'),
      undefined,
      'bridge removed',
    );
    assertNothingLeft('vrt56', 'rt56');
  });

  it('a port that cannot be plugged unwinds the whole start, its dnsmasq included', () => {
    const notANamespace = join(ns.dir, 'not-a-netns');
    writeFileSync(notANamespace, '');
    const ports = [
      {
        uuid: 'p1',
        owner: 'c1',
        kind: 'veth',
        name: 'vrt57p',
        mac: '52:54:00:00:57:01',
        netns: notANamespace,
      },
    ];
    const xml = ns.writeXml('badport', natXml(57));
    const r = ns.driver('start', xml, { VIRTNET_TEST_PORTS: JSON.stringify(ports) });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /step "create veth vrt57p of c1 in \S+ on vrt57" failed: ip link add vrt57p/);
    assert.equal(
      ns.links().find((l) => l.ifname === 'vrt57' || l.ifname === 'vrt57p'),
      undefined,
      'bridge and port device removed',
    );
    assertNothingLeft('vrt57', 'rt57');
  });

  it('refuses a bridge name already used by another device and leaves that device alone', () => {
    ns.sh(['ip', 'link', 'add', 'vrt52', 'type', 'veth', 'peer', 'name', 'vrt52p']);
    const xml = ns.writeXml('taken', natXml(52));
    const r = ns.driver('start', xml);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /step "create bridge vrt52" failed: a device named 'vrt52' already exists/);
    const dev = ns.links().find((l) => l.ifname === 'vrt52');
    assert.equal(dev?.linkinfo?.info_kind, 'veth', 'the foreign device is untouched');
    assertNothingLeft('vrt52', 'rt52');
    ns.sh(['ip', 'link', 'del', 'vrt52']);
  });

  it('refuses a subnet overlapping an existing route, naming the interface', () => {
    ns.sh(['ip', 'link', 'add', 'lan0', 'type', 'veth', 'peer', 'name', 'lan0p']);
    ns.sh(['ip', 'addr', 'add', '10.53.0.0/16', 'dev', 'lan0']);
    ns.sh(['ip', 'link', 'set', 'lan0', 'up']);
    const xml = ns.writeXml('overlap', natXml(53));
    const r = ns.driver('start', xml);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Network is already in use by interface lan0/);
    assert.equal(
      ns.links().find((l) => l.ifname === 'vrt53'),
      undefined,
    );
    assertNothingLeft('vrt53', 'rt53');
  });

  it('refuses a second network on the subnet of an active one', () => {
    const a = ns.writeXml('first', natXml(54));
    assert.equal(ns.driver('start', a).code, 0);
    const clash = ns.writeXml(
      'clash',
      natXml(54).replace('<name>rt54</name>', '<name>other</name>').replace("name='vrt54'", "name='vrt99'"),
    );
    const r = ns.driver('start', clash);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /already in use by interface vrt54/);
    assert.equal(ns.driver('stop', a).code, 0);
  });

  it('refuses a direct pool whose device does not exist and checks that a host bridge exists', () => {
    const vepa = ns.writeXml(
      'vepa',
      "<network><name>v</name><forward mode='vepa'><interface dev='eth7'/></forward></network>\n",
    );
    const r = ns.driver('start', vepa);
    assert.equal(r.code, 1);
    // vepa is a direct (macvtap) pool now: its start checks the pool device (test/e2e/direct-macvtap.test.ts)
    assert.match(r.stderr, /pool device 'eth7' of network 'v' does not exist/);
    const br = ns.writeXml(
      'hostbr',
      "<network><name>hb</name><forward mode='bridge'/><bridge name='br7'/></network>\n",
    );
    const missing = ns.driver('start', br);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /host bridge 'br7' does not exist/);
    ns.sh(['ip', 'link', 'add', 'br7', 'type', 'bridge']);
    const ok = ns.driver('start', br);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ns.driver('stop', br).code, 0);
    assert.ok(
      ns.links().some((l) => l.ifname === 'br7'),
      'stop leaves the host bridge alone',
    );
  });
});
