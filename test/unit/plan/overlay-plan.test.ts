// Goldens of what the engine runs for overlay networks: the first start (filter table, VXLAN device, FRR), a second
// overlay network (FRR found running), stops (FRR kept while another overlay is active, stopped with the last),
// the repair of a deleted VXLAN device and a dead FRR, and the refusals that change nothing.
// Regenerate with VIRTNET_UPDATE_GOLDEN=1 and review the diff like code; a missing golden fails.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MemoryRuntime } from '../../../src/daemon/memory-runtime.js';
import type { MemoryOverlay } from '../../../src/host/memory-overlay.js';
import type { RecordingExecutor } from '../../../src/host/recording-executor.js';
import type { NetworkDef } from '../../../src/model/network-def.js';
import { applyDefineDefaults, liveNetworkDef } from '../../../src/model/network-defaults.js';
import { parseNetworkXml } from '../../../src/model/network-parse.js';
import type { PortDevice } from '../../../src/plan/desired.js';
import { formatTranscript } from '../../../src/plan/transcript.js';
import { assertGolden } from '../../helpers/golden.js';

const GOLDEN = join(import.meta.dirname, '../../../../test/unit/plan/golden');
const golden = (name: string) => join(GOLDEN, `${name}.transcript`);
const OVERLAY = { address: '10.99.0.2', peers: ['10.99.0.1', '10.99.0.3'], asn: 65000 };

const xml = (name: string, vni: number, net: string, extra = '') => `<network><name>${name}</name>
  <metadata><virtnet:overlay xmlns:virtnet='https://virtnet.dev/xmlns/network-overlay/1' vni='${vni}'/></metadata>
  <forward mode='nat'/><bridge name='vb-${name}'/>${extra}
  <ip address='${net}.1' prefix='24'><dhcp><range start='${net}.10' end='${net}.99'/></dhcp></ip></network>`;
const def = (x: string): NetworkDef =>
  liveNetworkDef(
    applyDefineDefaults(parseNetworkXml(x), { bridgeInUse: () => false, random: (n) => new Uint8Array(n) }),
  );

const RED = def(xml('red', 100, '10.50.0'));
const BLUE = def(xml('blue', 101, '10.51.0'));
const PORT: PortDevice = {
  uuid: '44444444-4444-4444-8444-444444444444',
  owner: 'c1',
  kind: 'veth',
  name: 'vnv44444444',
  mac: '52:54:00:0b:00:01',
  netns: '/var/run/netns/c1',
};

function runtime(overlay: typeof OVERLAY | null = OVERLAY) {
  const rt = new MemoryRuntime({
    stateDir: '/var/lib/virtnet',
    runDir: '/run/virtnet',
    ...(overlay ? { overlay } : {}),
  });
  rt.host.fake.namespaces.add('/var/run/netns/c1');
  return { rt, rec: rt.host.executor as RecordingExecutor, ov: rt.host.overlay as MemoryOverlay };
}

describe('overlay transcripts (golden)', () => {
  it('first start: filter table, VXLAN device, FRR files and daemons; the port and dnsmasq get MTU 1450', async () => {
    const { rt, rec } = runtime();
    const state = await rt.start(RED, [PORT]);
    assertGolden(golden('start-overlay'), formatTranscript(rec.transcript));
    assert.equal(state.overlayMtu, 1450);
    const text = formatTranscript(rec.transcript);
    assert.match(
      text,
      /dhcp-range=10\.50\.0\.40,10\.50\.0\.69,255\.255\.255\.0/,
      'the middle slice of three',
    );
    assert.match(text, /dhcp-option=option:mtu,1450/);
    assert.match(text, /ip link add vnv44444444 mtu 1450 type veth/);
  });

  it('the dry run of a start is the recording of that start', async () => {
    const { rt, rec } = runtime();
    const plan = await rt.planChange('start', RED, undefined, { ports: [PORT] });
    await rt.start(RED, [PORT]);
    const { toChangePlan } = await import('../../../src/daemon/change-plan.js');
    assert.deepEqual(plan.commands, toChangePlan(rec.transcript).commands);
  });

  it('a second overlay network finds FRR and the filter table there; stops keep FRR until the last', async () => {
    const { rt, rec } = runtime();
    await rt.start(RED);
    rec.reset();
    await rt.start(BLUE);
    assertGolden(golden('start-overlay-second'), formatTranscript(rec.transcript));
    assert.equal(
      rec.transcript.some((s) => s.id.startsWith('frr')),
      false,
    );
    rec.reset();
    await rt.stop(RED, {});
    assertGolden(golden('stop-overlay-keeps-frr'), formatTranscript(rec.transcript));
    rec.reset();
    await rt.stop(BLUE, {});
    assertGolden(golden('stop-overlay-last'), formatTranscript(rec.transcript));
    assert.ok(
      rec.transcript.some((s) => s.id === 'frr:zebra'),
      'the last stop ends zebra',
    );
  });

  it('repair: a deleted VXLAN device and a dead FRR are drift, and made again', async () => {
    const { rt, rec } = runtime();
    await rt.start(RED);
    rt.host.fake.deleteLink('vxlan100');
    rt.host.fake.processes.delete('frr:bgpd');
    rec.reset();
    const drift = (await rt.check(RED, {})).map((d) => d.what);
    assert.deepEqual(drift, ['VXLAN device vxlan100 is missing', 'bgpd is not running']);
    await rt.repair(RED, {});
    assertGolden(golden('repair-overlay'), formatTranscript(rec.transcript));
    assert.deepEqual(await rt.check(RED, {}), []);
  });

  it('a VXLAN device with the wrong flags is fixed in place; one with another VNI is made again', async () => {
    const { rt } = runtime();
    await rt.start(RED);
    const v = rt.host.fake.vxlans.get('vxlan100');
    assert.ok(v);
    v.neighSuppress = false;
    assert.deepEqual(
      (await rt.check(RED, {})).map((d) => d.what),
      ['bridge port vxlan100 does not suppress ARP/ND'],
    );
    let out = await rt.repair(RED, {});
    assert.deepEqual(out.steps, ['attach VXLAN device vxlan100 to vb-red']);
    (rt.host.fake.vxlans.get('vxlan100') as { vni: number }).vni = 7;
    out = await rt.repair(RED, {});
    assert.deepEqual(out.steps, ['create VXLAN device vxlan100 (VNI 100) on vb-red']);
    assert.deepEqual(await rt.check(RED, {}), []);
  });
});

describe('overlay refusals: a clear error, nothing changed', () => {
  const refused = async (rt: MemoryRuntime, d: NetworkDef, re: RegExp) => {
    const before = formatTranscript((rt.host.executor as RecordingExecutor).transcript);
    await assert.rejects(rt.start(d), (e: Error) => re.test(e.message));
    assert.equal(
      formatTranscript((rt.host.executor as RecordingExecutor).transcript),
      before,
      'something ran',
    );
    assert.deepEqual([...rt.host.fake.links.keys()], ['lo'], 'a device was made');
  };

  it('virtnetd without --overlay-address', async () => {
    const { rt } = runtime(null);
    await refused(rt, RED, /spans hosts \(VNI 100\), but virtnetd runs without --overlay-address/);
  });

  it('FRR not installed: the message names the package', async () => {
    const { rt, ov } = runtime();
    ov.frrInstalled = () => false;
    await refused(rt, RED, /FRR is not installed .*install Debian's package 'frr' \(apt-get install frr\)/);
  });

  it("an underlay too small for the network's MTU plus 50", async () => {
    const { rt, ov } = runtime();
    ov.underlay = () => ({ device: 'eth0', mtu: 1400 });
    await refused(
      rt,
      def(xml('big', 102, '10.52.0', "<mtu size='1400'/>")),
      /MTU 1400, but VXLAN needs 50 bytes more .*MTU is 1400: lower <mtu size> to 1350 .*underlay device eth0/,
    );
  });

  it('the overlay address gone, a leftover device with the VXLAN name, a range smaller than the members', async () => {
    let { rt, ov } = runtime();
    ov.underlay = () => undefined;
    await refused(rt, RED, /overlay address 10\.99\.0\.2 is no longer an address of this host/);
    ({ rt, ov } = runtime());
    rt.host.fake.links.set('vxlan100', { name: 'vxlan100', type: 'device', up: true });
    await assert.rejects(rt.start(RED), /a device named 'vxlan100' already exists/);
    ({ rt } = runtime({ ...OVERLAY, peers: Array.from({ length: 10 }, (_, i) => `10.99.1.${i + 1}`) }));
    const tiny =
      def(`<network><name>t</name><metadata><virtnet:overlay xmlns:virtnet='https://virtnet.dev/xmlns/network-overlay/1' vni='5'/></metadata>
      <bridge name='vb-t'/><ip address='10.53.0.1' prefix='24'><dhcp><range start='10.53.0.10' end='10.53.0.14'/></dhcp></ip></network>`);
    await refused(rt, tiny, /has 5 address\(es\), fewer than the overlay's 11 members/);
  });
});
