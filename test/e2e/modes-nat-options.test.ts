// NAT options with packets: <forward dev> limits forwarding to that interface; <nat><address> and <port> set the
// translated source address and port range.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { canRunE2e, Topology } from './harness/topology.js';

const skip = canRunE2e();

describe('NAT with forward dev, address and port range', { skip }, () => {
  let t: Topology;
  let g1: string;
  let g2: string;
  let snatAddr: string;

  before(async () => {
    t = new Topology();
    // a second uplink address, so the SNAT address differs from what masquerade would pick
    snatAddr = t.hostUplinkAddr.replace(/\.2$/, '.3');
    t.sh(['ip', '-n', t.hostNs, 'addr', 'add', `${snatAddr}/24`, 'dev', 'uplink0']);
    await t.startDaemon();
    await t.startNetwork(`<network>
  <name>natopts</name>
  <forward mode='nat' dev='uplink0'>
    <nat>
      <address start='${snatAddr}' end='${snatAddr}'/>
      <port start='30000' end='30100'/>
    </nat>
  </forward>
  <bridge name='vnbr-opt'/>
  <ip address='192.168.143.1' netmask='255.255.255.0'>
    <dhcp><range start='192.168.143.10' end='192.168.143.20'/></dhcp>
  </ip>
</network>`);
    await t.startNetwork(`<network>
  <name>natelsewhere</name>
  <forward mode='nat' dev='lan9'/>
  <bridge name='vnbr-else'/>
  <ip address='192.168.144.1' netmask='255.255.255.0'>
    <dhcp><range start='192.168.144.10' end='192.168.144.20'/></dhcp>
  </ip>
</network>`);
    await t.echoServer(t.upNs, 8080, true);
    g1 = t.addGuest('g1', 'vnbr-opt');
    g2 = t.addGuest('g2', 'vnbr-else');
    assert.ok(t.dhcp(g1));
    assert.ok(t.dhcp(g2));
  });
  after(() => t?.destroy());

  test('traffic leaving through the forward dev is translated to the address and port range', () => {
    const seen = t.tcp(g1, t.upAddr, 8080);
    const [addr, port] = (seen ?? ':').split(':');
    assert.equal(addr, snatAddr);
    assert.ok(Number(port) >= 30000 && Number(port) <= 30100, `source port ${port}`);
  });

  test('a network whose forward dev is another interface is not forwarded out of the uplink', () => {
    assert.equal(t.tcp(g2, t.upAddr, 8080), undefined);
  });
});
