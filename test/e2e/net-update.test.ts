// net-update on a running network: a DHCP reservation and a DNS name take effect live (dnsmasq re-reads its
// hosts files on SIGHUP: same process, leases kept), and --config keeps them in the persistent definition.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { canRunE2e, Topology } from './harness/topology.js';

const skip = canRunE2e();
const NET = 'updnet';
const GW = '192.168.141.1';
const RESERVED = '192.168.141.42';

describe('net-update', { skip }, () => {
  let t: Topology;
  let guest: string;
  let mac: string;
  let firstLease: string | undefined;
  let pids: number[];

  before(async () => {
    t = new Topology();
    await t.startDaemon();
    await t.startNetwork(`<network>
  <name>${NET}</name>
  <forward mode='nat'/>
  <bridge name='vnbr-upd'/>
  <ip address='${GW}' netmask='255.255.255.0'>
    <dhcp><range start='192.168.141.100' end='192.168.141.199'/></dhcp>
  </ip>
</network>`);
    guest = t.addGuest('g1', 'vnbr-upd');
    const link = JSON.parse(
      execFileSync('ip', ['-n', guest, '-j', 'link', 'show', 'eth0'], { encoding: 'utf8' }),
    );
    mac = (link as Array<{ address: string }>)[0]?.address as string;
    firstLease = t.dhcp(guest);
    pids = t.dnsmasqPids();
  });
  after(() => t?.destroy());

  test('the guest first gets a dynamic lease', () => {
    assert.match(firstLease ?? 'none', /^192\.168\.141\.1\d\d$/);
    assert.equal(pids.length, 1);
  });

  test('add ip-dhcp-host --live --config: same dnsmasq, the next DHCP request gets the reserved address', () => {
    const r = t.virtnet([
      'net-update',
      NET,
      'add',
      'ip-dhcp-host',
      `<host mac='${mac}' ip='${RESERVED}'/>`,
      '--live',
      '--config',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), `Updated network ${NET} persistent config and live state`);
    assert.deepEqual(t.dnsmasqPids(), pids);
    assert.equal(t.dhcp(guest), RESERVED);
  });

  test('net-dumpxml and net-dumpxml --inactive show the host', () => {
    const host = `<host mac='${mac}' ip='${RESERVED}'/>`;
    assert.ok(t.virtnet(['net-dumpxml', NET]).stdout.includes(host));
    assert.ok(t.virtnet(['net-dumpxml', NET, '--inactive']).stdout.includes(host));
  });

  test('adding it again is refused with libvirt words', () => {
    const r = t.virtnet([
      'net-update',
      NET,
      'add',
      'ip-dhcp-host',
      `<host mac='${mac}' ip='192.168.141.43'/>`,
    ]);
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      new RegExp(`there is an existing dhcp host entry in network '${NET}' that matches`),
    );
  });

  test('delete it again (live only, then config only)', () => {
    const xml = `<host mac='${mac}'/>`;
    const live = t.virtnet(['net-update', NET, 'delete', 'ip-dhcp-host', xml]);
    assert.equal(live.code, 0, live.stderr);
    assert.equal(live.stdout.trim(), `Updated network ${NET} live state`);
    assert.ok(!t.virtnet(['net-dumpxml', NET]).stdout.includes(RESERVED));
    assert.ok(t.virtnet(['net-dumpxml', NET, '--inactive']).stdout.includes(RESERVED));
    const config = t.virtnet(['net-update', NET, 'delete', 'ip-dhcp-host', xml, '--config']);
    assert.equal(config.code, 0, config.stderr);
    assert.equal(config.stdout.trim(), `Updated network ${NET} persistent config`);
    assert.ok(!t.virtnet(['net-dumpxml', NET, '--inactive']).stdout.includes(RESERVED));
    assert.deepEqual(t.dnsmasqPids(), pids);
  });

  test('add dns-host live: the name resolves through the gateway, dnsmasq unchanged', () => {
    const r = t.virtnet([
      'net-update',
      NET,
      'add-last',
      'dns-host',
      "<host ip='192.168.141.77'><hostname>updated-name</hostname></host>",
      '--live',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(t.resolve(guest, 'updated-name', GW), ['192.168.141.77']);
    assert.deepEqual(t.dnsmasqPids(), pids);
  });

  test('a section dnsmasq reads only at start is refused live, allowed in the config', () => {
    const txt = "<txt name='example' value='v'/>";
    const live = t.virtnet(['net-update', NET, 'add', 'dns-txt', txt, '--live']);
    assert.notEqual(live.code, 0);
    assert.match(live.stderr, /without restarting it/);
    const config = t.virtnet(['net-update', NET, 'add', 'dns-txt', txt, '--config']);
    assert.equal(config.code, 0, config.stderr);
    assert.ok(
      t.virtnet(['net-dumpxml', NET, '--inactive']).stdout.includes("<txt name='example' value='v'/>"),
    );
  });
});
