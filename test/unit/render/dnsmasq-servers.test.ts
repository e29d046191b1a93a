// The servers file in place of resolv.conf: a dnsmasq that reads resolv.conf takes an inotify instance (128 per
// user machine-wide), so it gets `no-resolv` + `servers-file` exactly when libvirt's would read resolv.conf.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseNetworkXml } from '../../../src/model/network-parse.js';
import { renderDnsmasqFiles, usesHostUpstream } from '../../../src/render/dnsmasq-conf.js';

const PATHS = {
  pidFile: '/run/virtnet/network/n.pid',
  hostsFile: '/var/lib/virtnet/dnsmasq/n.hostsfile',
  addnHostsFile: '/var/lib/virtnet/dnsmasq/n.addnhosts',
  serversFile: '/run/virtnet/network/n.servers',
};
const net = (inner: string) =>
  parseNetworkXml(
    `<network><name>n</name>${inner}<bridge name='vbr1'/><ip address='10.1.0.1' prefix='24'><dhcp><range start='10.1.0.2' end='10.1.0.9'/></dhcp></ip></network>`,
  );
const lines = (conf: string) => conf.split('\n').filter((l) => /resolv|^server/.test(l));

describe('dnsmasq upstream servers', () => {
  it('a NAT network without forwarders gets the host upstream through its servers file', () => {
    const def = net(`<forward mode='nat'/>`);
    assert.equal(usesHostUpstream(def), true);
    const f = renderDnsmasqFiles(def, PATHS, ['192.0.2.1', '2001:db8::53']);
    assert.deepEqual(lines(f.conf), ['no-resolv', 'servers-file=/run/virtnet/network/n.servers']);
    assert.equal(f.servers, 'server=192.0.2.1\nserver=2001:db8::53\n');
  });

  it('domain-only forwarders keep the host upstream for other names', () => {
    const def = net(`<forward mode='route'/><dns><forwarder domain='corp' addr='192.0.2.9'/></dns>`);
    const f = renderDnsmasqFiles(def, PATHS, ['192.0.2.1']);
    assert.deepEqual(lines(f.conf), [
      'server=/corp/192.0.2.9',
      'no-resolv',
      'servers-file=/run/virtnet/network/n.servers',
    ]);
    assert.equal(f.servers, 'server=192.0.2.1\n');
  });

  it('a forwarder address replaces the host upstream: no servers file, as libvirt', () => {
    const def = net(`<forward mode='nat'/><dns><forwarder addr='192.0.2.53'/></dns>`);
    assert.equal(usesHostUpstream(def), false);
    const f = renderDnsmasqFiles(def, PATHS, ['192.0.2.1']);
    assert.deepEqual(lines(f.conf), ['server=192.0.2.53', 'no-resolv']);
    assert.equal(f.servers, undefined);
  });

  it('isolated networks and networks without DNS forward nowhere: no servers file', () => {
    for (const def of [net(''), net(`<forward mode='nat'/><dns enable='no'/>`)]) {
      assert.equal(usesHostUpstream(def), false);
      const f = renderDnsmasqFiles(def, PATHS, ['192.0.2.1']);
      assert.equal(f.servers, undefined);
      assert.ok(!f.conf.includes('servers-file'), f.conf);
    }
  });

  it('without a servers file path the configuration is libvirt 9.0 word for word (reads resolv.conf)', () => {
    const { serversFile: _, ...libvirtPaths } = PATHS;
    const f = renderDnsmasqFiles(net(`<forward mode='nat'/>`), libvirtPaths, ['192.0.2.1']);
    assert.deepEqual(lines(f.conf), []);
    assert.equal(f.servers, undefined);
  });

  it('uses no option that takes an inotify instance (directories watched by dnsmasq)', () => {
    const f = renderDnsmasqFiles(net(`<forward mode='nat'/>`), PATHS, []);
    assert.doesNotMatch(f.conf, /^(hostsdir|dhcp-hostsdir|dhcp-optsdir|resolv-file)=/m);
  });
});
