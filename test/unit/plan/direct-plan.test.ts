// Direct (macvtap) plans, as goldens of what runs: a start that plugs kept ports in again (a VM's macvtap, a
// container's macvlan), passthrough taking the pool device's MAC and giving it back, a stop that keeps the
// guests' devices; reconciles that find a macvtap gone or on another device, and a container namespace gone.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MemoryRuntime } from '../../../src/daemon/memory-runtime.js';
import type { RecordingExecutor } from '../../../src/host/recording-executor.js';
import { parseNetworkXml } from '../../../src/model/network-parse.js';
import type { PortDevice } from '../../../src/plan/desired.js';
import { formatTranscript } from '../../../src/plan/transcript.js';
import { assertGolden } from '../../helpers/golden.js';

const GOLDEN = join(import.meta.dirname, '../../../../test/unit/plan/golden');

const net = (mode: string) =>
  parseNetworkXml(
    `<network><name>lan</name><uuid>7d1ad1a5-0d7c-4a1d-9c3e-4a8b2f0e6c11</uuid><forward mode='${mode}'><interface dev='eth1'/><interface dev='eth2'/></forward></network>`,
  );

const VM: PortDevice = {
  uuid: '11111111-1111-4111-8111-111111111111',
  owner: 'vm1',
  kind: 'macvtap',
  name: 'macvtap0',
  mac: '52:54:00:00:00:01',
  link: 'eth1',
  mode: 'bridge',
};
const CTR: PortDevice = {
  uuid: '22222222-2222-4222-8222-222222222222',
  owner: 'web1',
  kind: 'macvlan',
  name: 'vnm22222222',
  mac: '52:54:00:00:00:02',
  netns: '/var/run/netns/web1',
  link: 'eth2',
  mode: 'bridge',
};

function runtime() {
  const rt = new MemoryRuntime({ stateDir: '/var/lib/virtnet', runDir: '/run/virtnet' });
  for (const [dev, mac] of [
    ['eth1', '02:00:00:00:01:01'],
    ['eth2', '02:00:00:00:01:02'],
  ] as const)
    rt.host.fake.links.set(dev, { name: dev, type: 'device', up: true, mac });
  rt.host.fake.namespaces.add('/var/run/netns/web1');
  return { rt, rec: rt.host.executor as RecordingExecutor };
}

describe('direct plans (golden)', () => {
  it('start plugs the kept ports in again; a stop keeps them; a restart finds them there', async () => {
    const { rt, rec } = runtime();
    const def = net('bridge');
    await rt.start(def, [VM, CTR]);
    assertGolden(join(GOLDEN, 'direct-start.transcript'), formatTranscript(rec.transcript));
    rec.reset();
    await rt.stop(def, {}, { ports: [VM, CTR] });
    assert.deepEqual(rec.transcript, [], 'the guests keep their devices (a VM holds its macvtap)');
    await rt.start(def, [VM, CTR]);
    assert.deepEqual(rec.transcript, [], 'nothing to make again');
    assert.deepEqual(await rt.check(def, {}, [VM, CTR]), []);
  });

  it("passthrough: the macvtap takes the pool device's MAC, the removal gives it back", async () => {
    const { rt, rec } = runtime();
    const def = net('passthrough');
    await rt.start(def, []);
    const vm = { ...VM, mode: 'passthru' as const };
    const r = await rt.plugPort(def, vm);
    assert.equal(r.lowerMac, '02:00:00:00:01:01');
    assert.match(r.tapPath ?? '', /^\/dev\/tap\d+$/);
    await rt.unplugPort({ ...vm, lowerMac: r.lowerMac as string });
    assertGolden(join(GOLDEN, 'direct-passthrough.transcript'), formatTranscript(rec.transcript));
  });

  it('reconcile: a macvtap gone or on another device is made again; a gone namespace is reported', async () => {
    const { rt, rec } = runtime();
    const def = net('vepa');
    await rt.start(def, [VM, CTR]);
    rt.host.fake.deleteLink('macvtap0');
    rt.host.fake.namespaces.delete('/var/run/netns/web1');
    rec.reset();
    assert.deepEqual(
      (await rt.check(def, {}, [VM, CTR])).map((p) => p.what),
      [
        `device macvtap macvtap0 of vm1 (port ${VM.uuid}) is missing`,
        `port ${CTR.uuid} (web1): network namespace /var/run/netns/web1 no longer exists`,
      ],
    );
    const outcome = await rt.repair(def, {}, [VM, CTR]);
    assert.deepEqual(outcome.steps, ['create macvtap macvtap0 of vm1 on eth1 (mode bridge)']);
    assert.equal(rt.host.fake.links.get('macvtap0')?.lower, 'eth1');
  });

  it('a daemon restart adopts a direct network as it runs: nothing to do', async () => {
    const { rt } = runtime();
    const def = net('private');
    await rt.start(def, [VM]);
    const outcome = await rt.adopt(def, {}, [VM]);
    assert.deepEqual(outcome.steps, []);
    assert.deepEqual(outcome.state, { direct: true });
  });
});
