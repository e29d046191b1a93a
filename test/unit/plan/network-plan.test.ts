// Golden tests of start plans (iproute2 batch, sysctls, nft transaction) per forward mode.
// Regenerate with UPDATE_GOLDEN=1 and review the diff like code.

import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseNetworkXml } from '../../../src/model/network-parse.js';
import { describeStart, planNetwork } from '../../../src/plan/network-plan.js';

const GOLDEN = join(import.meta.dirname, '../../../../test/unit/plan/golden');

const cases: Record<string, string> = {
  nat: `<network><name>default</name><forward mode='nat'><nat><port start='2000' end='3000'/></nat></forward>
  <bridge name='virbr0' stp='on' delay='0'/><mac address='52:54:00:0a:0b:0c'/><mtu size='9000'/>
  <ip address='192.168.122.1' netmask='255.255.255.0'><dhcp><range start='192.168.122.2' end='192.168.122.254'/></dhcp></ip>
  <ip family='ipv6' address='2001:db8:ca2:2::1' prefix='64'/>
  <route address='192.168.222.0' prefix='24' gateway='192.168.122.2'/></network>`,
  'nat-dev-snat': `<network><name>snat</name><forward mode='nat' dev='eth1'><nat ipv6='yes'><address start='198.51.100.10' end='198.51.100.20'/></nat></forward>
  <bridge name='virbr5' stp='off' delay='2'/>
  <ip address='10.5.0.1' prefix='24'/><ip family='ipv6' address='fd00:5::1' prefix='64'/></network>`,
  route: `<network><name>routed</name><forward mode='route' dev='eth1'/><bridge name='virbr1'/>
  <ip address='10.1.0.1' prefix='24'/></network>`,
  open: `<network><name>opened</name><forward mode='open'/><bridge name='virbr2'/>
  <ip address='10.2.0.1' prefix='24'/></network>`,
  isolated: `<network ipv6='yes'><name>iso</name><bridge name='virbr3'/>
  <ip address='10.3.0.1' prefix='24'/></network>`,
  'nat-forwards': `<network><name>web</name>
  <metadata><virtnet:forwards xmlns:virtnet="https://virtnet.dev/xmlns/network-forwards/1">
    <virtnet:forward proto="tcp" port="8080" target="10.6.0.10" targetPort="80" description="web"/>
    <virtnet:forward proto="both" address="198.51.100.7" port="5353" target="10.6.0.11" targetPort="53"/>
    <virtnet:forward proto="udp" port="9000" portEnd="9002" target="10.6.0.12" targetPort="7000"/>
    <virtnet:forward proto="tcp" port="2222" portEnd="2223" target="10.6.0.12"/>
  </virtnet:forwards></metadata>
  <forward mode='nat'/><bridge name='virbr6'/><ip address='10.6.0.1' prefix='24'/></network>`,
  bridge: `<network><name>host-bridge</name><forward mode='bridge'/><bridge name='br0'/></network>`,
};

describe('start plans (golden)', () => {
  for (const [name, xml] of Object.entries(cases)) {
    it(name, () => {
      const text = describeStart(parseNetworkXml(xml));
      const file = join(GOLDEN, `${name}.plan`);
      if (process.env.UPDATE_GOLDEN || !existsSync(file)) writeFileSync(file, text);
      assert.equal(text, readFileSync(file, 'utf8'));
    });
  }

  it('disables IPv6 on a bridge with no IPv6 address unless ipv6="yes"', () => {
    const plain = planNetwork(parseNetworkXml(cases.route as string));
    assert.deepEqual(plain.linkSysctls, [{ key: 'net/ipv6/conf/virbr1/disable_ipv6', value: '1' }]);
    const v6 = planNetwork(parseNetworkXml(cases.isolated as string));
    assert.deepEqual(v6.linkSysctls, [{ key: 'net/ipv6/conf/virbr3/accept_ra', value: '0' }]);
  });

  it('turns on forwarding only for modes that forward', () => {
    assert.deepEqual(planNetwork(parseNetworkXml(cases.isolated as string)).globalSysctls, []);
    assert.deepEqual(
      planNetwork(parseNetworkXml(cases.nat as string)).globalSysctls.map((s) => s.key),
      ['net/ipv4/ip_forward', 'net/ipv6/conf/all/forwarding'],
    );
    assert.equal(planNetwork(parseNetworkXml(cases.open as string)).firewall, undefined);
  });
});
