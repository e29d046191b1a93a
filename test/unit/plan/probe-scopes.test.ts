// One probe for many networks keeps what each network's probe asked for: adoption at a daemon start supervises
// every dnsmasq it finds, so the processes (and the files compared) of each must be in the union.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseNetworkXml } from '../../../src/model/network-parse.js';
import type { DesiredNetwork } from '../../../src/plan/desired.js';
import { reconcileScope, unionScope } from '../../../src/plan/probe-scopes.js';

const desired = (i: number): DesiredNetwork => ({
  def: parseNetworkXml(
    `<network><name>n${i}</name><forward mode='nat'/><bridge name='vbr${i}'/><ip address='10.${i}.0.1' prefix='24'><dhcp><range start='10.${i}.0.2' end='10.${i}.0.9'/></dhcp></ip></network>`,
  ),
  ports: [],
  dnsmasq: {
    binary: 'dnsmasq',
    upstream: [],
    paths: {
      conf: `/s/n${i}.conf`,
      hostsFile: `/s/n${i}.hostsfile`,
      addnHostsFile: `/s/n${i}.addnhosts`,
      leaseFile: `/s/n${i}.leases`,
      pidFile: `/r/n${i}.pid`,
      serversFile: `/r/n${i}.servers`,
    },
  },
});

describe('unionScope', () => {
  it("keeps every network's links, processes and files", () => {
    const u = unionScope([1, 2].map((i) => reconcileScope(desired(i))));
    assert.deepEqual(u.links, ['vbr1', 'vbr2']);
    assert.deepEqual(
      u.processes?.map((p) => p.id),
      ['dnsmasq:n1', 'dnsmasq:n2'],
    );
    assert.ok(u.files?.includes('/r/n2.servers'));
    assert.equal(u.nft, 'full');
  });

  it('the heal scope stays without processes and files', () => {
    const u = unionScope([1, 2].map((i) => reconcileScope(desired(i), true)));
    assert.equal(u.processes, undefined);
    assert.equal(u.files, undefined);
  });
});
