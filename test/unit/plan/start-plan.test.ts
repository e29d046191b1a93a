// Goldens of what the engine runs: the recording executor's transcript of starts per mode, ports, forwards,
// DOCKER-USER, stop and repair — the very steps a real start runs (the e2e dry-run test compares the two).
// Regenerate with VIRTNET_UPDATE_GOLDEN=1 and review the diff like code; a missing golden fails.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MemoryRuntime } from '../../../src/daemon/memory-runtime.js';
import type { RecordingExecutor } from '../../../src/host/recording-executor.js';
import type { NetworkDef } from '../../../src/model/network-def.js';
import { liveNetworkDef } from '../../../src/model/network-defaults.js';
import { parseNetworkXml } from '../../../src/model/network-parse.js';
import { readForwards } from '../../../src/model/port-forward.js';
import type { PortDevice } from '../../../src/plan/desired.js';
import { formatTranscript } from '../../../src/plan/transcript.js';
import { assertGolden } from '../../helpers/golden.js';

const GOLDEN = join(import.meta.dirname, '../../../../test/unit/plan/golden');

export const CASES: Record<string, string> = {
  nat: `<network><name>default</name><forward mode='nat'><nat><port start='2000' end='3000'/></nat></forward>
  <bridge name='virbr0' stp='on' delay='0'/><mac address='52:54:00:0a:0b:0c'/><mtu size='9000'/>
  <ip address='192.168.122.1' netmask='255.255.255.0'><dhcp><range start='192.168.122.2' end='192.168.122.254'/>
  <host mac='52:54:00:00:00:07' name='web' ip='192.168.122.7'/></dhcp></ip>
  <route address='192.168.222.0' prefix='24' gateway='192.168.122.2'/></network>`,
  'nat-options': `<network><name>snat</name><forward mode='nat' dev='eth1'><nat ipv6='yes'><address start='198.51.100.10' end='198.51.100.20'/></nat></forward>
  <bridge name='virbr5' stp='off' delay='2'/>
  <ip address='10.5.0.1' prefix='24'/><ip family='ipv6' address='fd00:5::1' prefix='64'/></network>`,
  ipv6: `<network><name>six</name><forward mode='route'/><bridge name='virbr7'/>
  <dns><host ip='10.7.0.9'><hostname>nas</hostname></host></dns>
  <ip address='10.7.0.1' prefix='24'><dhcp><range start='10.7.0.100' end='10.7.0.200'/></dhcp></ip>
  <ip family='ipv6' address='2001:db8:7::1' prefix='64'><dhcp><range start='2001:db8:7::100' end='2001:db8:7::1ff'/></dhcp></ip></network>`,
  route: `<network><name>routed</name><forward mode='route' dev='eth1'/><bridge name='virbr1'/>
  <ip address='10.1.0.1' prefix='24'/></network>`,
  open: `<network><name>opened</name><forward mode='open'/><bridge name='virbr2'/>
  <ip address='10.2.0.1' prefix='24'/></network>`,
  isolated: `<network ipv6='yes'><name>iso</name><bridge name='virbr3'/>
  <ip address='10.3.0.1' prefix='24'/></network>`,
  forwards: `<network><name>web</name>
  <metadata><virtnet:forwards xmlns:virtnet="https://virtnet.dev/xmlns/network-forwards/1">
    <virtnet:forward proto="tcp" port="8080" target="10.6.0.10" targetPort="80" description="web"/>
    <virtnet:forward proto="both" address="198.51.100.7" port="5353" target="10.6.0.11" targetPort="53"/>
    <virtnet:forward proto="udp" port="9000" portEnd="9002" target="10.6.0.12" targetPort="7000"/>
    <virtnet:forward proto="tcp" port="2222" portEnd="2223" target="10.6.0.12"/>
  </virtnet:forwards></metadata>
  <forward mode='nat'/><bridge name='virbr6'/><ip address='10.6.0.1' prefix='24'/></network>`,
  bridge: `<network><name>host-bridge</name><forward mode='bridge'/><bridge name='br0'/></network>`,
};

export const PORTS: PortDevice[] = [
  {
    uuid: '11111111-1111-4111-8111-111111111111',
    owner: 'vm1',
    kind: 'tap',
    name: 'vnet0',
    mac: '52:54:00:00:00:01',
    uid: 1000,
  },
  {
    uuid: '22222222-2222-4222-8222-222222222222',
    owner: 'web1',
    kind: 'veth',
    name: 'vnv22222222',
    mac: '52:54:00:00:00:02',
    netns: '/var/run/netns/web1',
    isolated: true,
    bandwidth: { inbound: { average: 1000, peak: 2000, burst: 64 }, outbound: { average: 500 } },
  },
  {
    uuid: '33333333-3333-4333-8333-333333333333',
    owner: 'vm2',
    kind: 'tap',
    name: 'vm2-0',
    mac: '52:54:00:00:00:03',
    adopted: true,
  },
];

function runtime(): { rt: MemoryRuntime; rec: RecordingExecutor } {
  const rt = new MemoryRuntime({ stateDir: '/var/lib/virtnet', runDir: '/run/virtnet' });
  return { rt, rec: rt.host.executor as RecordingExecutor };
}

const live = (xml: string): NetworkDef => liveNetworkDef(parseNetworkXml(xml));
const golden = (name: string) => join(GOLDEN, `${name}.transcript`);

describe('start transcripts (golden)', () => {
  for (const [name, xml] of Object.entries(CASES)) {
    it(name, async () => {
      const { rt, rec } = runtime();
      if (name === 'bridge') rt.host.fake.links.set('br0', { name: 'br0', type: 'bridge', up: true });
      await rt.start(live(xml));
      assertGolden(golden(`start-${name}`), formatTranscript(rec.transcript));
    });
  }

  it('a second network finds the base table and does not make it again', async () => {
    const { rt, rec } = runtime();
    await rt.start(live(CASES.route as string));
    rec.reset();
    await rt.start(live(CASES.isolated as string));
    assert.equal(
      rec.transcript.some((s) => s.id === 'nft:table'),
      false,
    );
    assert.equal(
      rec.transcript.some((s) => s.id === 'nft:net:virbr3'),
      true,
    );
  });

  it('ports: a new tap, a veth with bandwidth and isolation, an adopted tap; kept devices are only attached', async () => {
    const { rt, rec } = runtime();
    rt.host.fake.namespaces.add('/var/run/netns/web1');
    rt.host.fake.links.set('vm2-0', { name: 'vm2-0', type: 'tun', up: true });
    const def = live(CASES.nat as string);
    await rt.start(def, PORTS);
    assertGolden(golden('start-ports'), formatTranscript(rec.transcript));
    rec.reset();
    await rt.stop(def, {}, { ports: PORTS });
    assertGolden(golden('stop-keeps-ports'), formatTranscript(rec.transcript));
    rec.reset();
    await rt.start(def, PORTS);
    assertGolden(golden('restart-ports'), formatTranscript(rec.transcript));
    rec.reset();
    await rt.stop(def, {}, { ports: PORTS, dropPorts: true });
    assertGolden(golden('stop-drops-ports'), formatTranscript(rec.transcript));
  });

  it('stop of each mode', async () => {
    for (const name of ['nat', 'forwards', 'open'] as const) {
      const { rt, rec } = runtime();
      const def = live(CASES[name] as string);
      await rt.start(def);
      rec.reset();
      await rt.stop(def, {});
      assertGolden(golden(`stop-${name}`), formatTranscript(rec.transcript));
    }
  });

  it('repair after the bridge was deleted: the bridge, its dnsmasq (old one stopped first), its ports', async () => {
    const { rt, rec } = runtime();
    rt.host.fake.namespaces.add('/var/run/netns/web1');
    const ports = PORTS.slice(0, 2);
    const def = live(CASES.nat as string);
    await rt.start(def, ports);
    rt.host.fake.deleteLink('virbr0');
    rec.reset();
    const drift = await rt.check(def, {}, ports);
    assert.deepEqual(
      drift.map((d) => d.what),
      ['bridge virbr0 is missing'],
    );
    const outcome = await rt.repair(def, {}, ports);
    assertGolden(golden('repair-bridge-deleted'), formatTranscript(rec.transcript));
    assert.deepEqual(outcome.steps.slice(0, 2), ['stop the old dnsmasq of default', 'create bridge virbr0']);
    assert.deepEqual(await rt.check(def, {}, ports), []);
  });

  it('repair after the ruleset was flushed, and after a port fell off its bridge', async () => {
    const { rt, rec } = runtime();
    const ports = PORTS.slice(0, 1);
    const def = live(CASES.forwards as string);
    await rt.start(def, ports);
    rt.host.fake.flushRuleset();
    const link = rt.host.fake.links.get('vnet0');
    if (link) delete link.master;
    rec.reset();
    const drift = (await rt.check(def, {}, ports)).map((d) => d.what);
    assert.ok(drift.includes('nft inet virtnet table is missing'), drift.join('\n'));
    assert.ok(
      drift.some((d) => /device vnet0 of port .* is on no bridge, expected virbr6/.test(d)),
      drift.join('\n'),
    );
    await rt.repair(def, {}, ports);
    assertGolden(golden('repair-flushed'), formatTranscript(rec.transcript));
    assert.deepEqual(await rt.check(def, {}, ports), []);
  });

  it('live forward changes: one transaction, the reverse one as undo', async () => {
    const { rt, rec } = runtime();
    const def = live(CASES.forwards as string);
    const state = await rt.start(def);
    rec.reset();
    const [a, b] = readForwards(def);
    await rt.changeForwards(def, state, a ? [a] : [], b ? [b] : []);
    assertGolden(golden('forward-change'), formatTranscript(rec.transcript));
  });

  it("DOCKER-USER: accepts for the active bridges, stale ones removed, in Docker's own table", async () => {
    const { rt, rec } = runtime();
    const def = live(CASES.nat as string);
    await rt.start(def);
    rt.host.fake.dockerUser.set('ip filter', new Map([['gone0', [7, 8]]]));
    rt.host.fake.foreignDrops = ['ip filter FORWARD'];
    rec.reset();
    await rt.heal([{ def, state: {}, ports: [] }]);
    assertGolden(golden('docker-user'), formatTranscript(rec.transcript));
    assert.deepEqual(
      await rt.check(def, {}),
      [],
      "Docker's drop is no drift while DOCKER-USER lets us through",
    );
  });
});
