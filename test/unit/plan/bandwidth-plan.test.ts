// Bandwidth plans (goldens of what a start runs): a network's inbound hierarchy with floors and its outbound, on a
// kernel as libvirt assumes it (police, u32, sfq) and on this test machine's (no police: ifb devices fed by
// mirred); floors brought to the ports as they come and go; drift when a qdisc or the ifb goes; the pieces libvirt
// defines (quantum, floor admission, class IDs, virsh's --inbound/--outbound).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MemoryRuntime } from '../../../src/daemon/memory-runtime.js';
import { parseTcRate } from '../../../src/host/host-probe.js';
import type { RecordingExecutor } from '../../../src/host/recording-executor.js';
import { featuresFromConfig, featuresFromModules } from '../../../src/host/tc-features.js';
import {
  checkBandwidthRequest,
  checkFloor,
  nextClassId,
  nonGuaranteedRate,
  parseRateOption,
} from '../../../src/model/bandwidth-floor.js';
import { liveNetworkDef } from '../../../src/model/network-defaults.js';
import { parseNetworkXml } from '../../../src/model/network-parse.js';
import type { PortDevice } from '../../../src/plan/desired.js';
import { bpfBytecode, ifbName, quantum } from '../../../src/plan/tc-commands.js';
import { ALL_TC_FEATURES, type TcFeatures } from '../../../src/plan/tc-features.js';
import { formatTranscript } from '../../../src/plan/transcript.js';
import { assertGolden } from '../../helpers/golden.js';

const GOLDEN = join(import.meta.dirname, '../../../../test/unit/plan/golden');
/** This machine's kernel: htb, tbf, ingress, u32, bpf, mirred, ifb — no police, no sfq, no fq_codel. */
const NO_POLICE: TcFeatures = { ...ALL_TC_FEATURES, police: false, sfq: false, fqCodel: false };

const NET = liveNetworkDef(
  parseNetworkXml(`<network><name>bw</name><forward mode='nat'/><bridge name='vbw0'/>
  <mac address='52:54:00:0b:0b:0b'/>
  <bandwidth><inbound average='2000' peak='3000'/><outbound average='1000' burst='100'/></bandwidth>
  <ip address='10.8.0.1' prefix='24'/></network>`),
);

const port = (n: number, extra: Partial<PortDevice> = {}): PortDevice => ({
  uuid: `${n}${n}${n}${n}${n}${n}${n}${n}-1111-4111-8111-111111111111`,
  owner: `g${n}`,
  kind: 'veth',
  name: `vnv${n}`,
  mac: `52:54:00:00:00:0${n}`,
  netns: `/var/run/netns/g${n}`,
  ...extra,
});

const FLOORED = port(1, { classId: 3, bandwidth: { inbound: { floor: 1500, average: 0 } } });
const LIMITED = port(2, { bandwidth: { inbound: { average: 500 }, outbound: { average: 250 } } });
const PLAIN = port(3);

function runtime(tc: TcFeatures) {
  const rt = new MemoryRuntime({ stateDir: '/var/lib/virtnet', runDir: '/run/virtnet' });
  rt.host.fake.tc = tc;
  for (const n of ['g1', 'g2', 'g3']) rt.host.fake.namespaces.add(`/var/run/netns/${n}`);
  return { rt, rec: rt.host.executor as RecordingExecutor };
}

describe('bandwidth plans (golden)', () => {
  for (const [name, tc] of [
    ['libvirt-kernel', ALL_TC_FEATURES],
    ['no-police', NO_POLICE],
  ] as const) {
    it(`start with a floored, a limited and a plain port: ${name}`, async () => {
      const { rt, rec } = runtime(tc);
      await rt.start(NET, [FLOORED, LIMITED, PLAIN]);
      assertGolden(join(GOLDEN, `bandwidth-start-${name}.transcript`), formatTranscript(rec.transcript));
      rec.reset();
      await rt.stop(NET, {}, { ports: [FLOORED, LIMITED, PLAIN], dropPorts: true });
      assertGolden(join(GOLDEN, `bandwidth-stop-${name}.transcript`), formatTranscript(rec.transcript));
    });
  }

  it('floors follow the ports: a class added, another removed, 1:2 set to what is left', async () => {
    const { rt, rec } = runtime(NO_POLICE);
    await rt.start(NET, [FLOORED, PLAIN]);
    assert.deepEqual(await rt.check(NET, {}, [FLOORED, PLAIN]), []);
    const second = port(4, { classId: 4, bandwidth: { inbound: { floor: 500 } } });
    rec.reset();
    await rt.setFloors(NET, [PLAIN, second]);
    assertGolden(join(GOLDEN, 'bandwidth-floors-change.transcript'), formatTranscript(rec.transcript));
    const classes = rt.host.fake.qdiscs.get('vbw0')?.classes;
    assert.deepEqual([...(classes?.keys() ?? [])].sort(), ['1:2', '1:4']);
    // 1:2 gets the peak less the floors (libvirt): 3000 - 500 kB/s
    assert.equal(classes?.get('1:2'), 2500 * 8000);
    rec.reset();
    await rt.setFloors(NET, [PLAIN, second]);
    assert.deepEqual(rec.transcript, [], 'nothing to do when the classes are as the floors say');
  });

  it("drift: the bridge's qdisc or the ifb device gone is found, and repaired as a whole", async () => {
    const { rt, rec } = runtime(NO_POLICE);
    await rt.start(NET, [PLAIN]);
    rt.host.fake.deleteLink('ifb-vbw0');
    rt.host.fake.qdiscs.delete('vbw0');
    assert.deepEqual(
      (await rt.check(NET, {}, [PLAIN])).map((p) => p.what),
      [
        'inbound bandwidth of vbw0 is not set (no htb root qdisc)',
        'ifb device ifb-vbw0 (outbound bandwidth of vbw0) is missing',
      ],
    );
    rec.reset();
    await rt.repair(NET, {}, [PLAIN]);
    assert.deepEqual(
      rec.transcript.map((s) => s.id),
      ['bandwidth:vbw0'],
    );
    assert.deepEqual(await rt.check(NET, {}, [PLAIN]), []);
  });
});

describe('against libvirt 9.0 (test/fixtures/libvirt-9.0/bandwidth, scripts/conformance/record-bandwidth.sh)', () => {
  const FIX = join(import.meta.dirname, '../../../../test/fixtures/libvirt-9.0/bandwidth');
  /** The command libvirt's start failed at on this machine's kernel. */
  const failedAt = (name: string) =>
    /Child process \((tc [^)]*)\)/.exec(readFileSync(join(FIX, `${name}.err`), 'utf8'))?.[1] as string;
  const plan = async (name: string, tc: TcFeatures) => {
    const bw = readFileSync(join(FIX, `${name}.bandwidth`), 'utf8').trim();
    const def = liveNetworkDef(
      parseNetworkXml(
        `<network><name>bw</name><forward mode='nat'/><bridge name='vbw0'/><mac address='52:54:00:0b:0b:0c'/><bandwidth>${bw}</bandwidth><ip address='10.99.0.1' prefix='24'/></network>`,
      ),
    );
    const { rt, rec } = runtime(tc);
    await rt.start(def, []);
    // the commands of the bandwidth step, one per line (tc -batch lines as `tc LINE`)
    const step = rec.transcript.find((x) => x.id === 'bandwidth:vbw0');
    return (step?.actions ?? []).flatMap((a) =>
      a.kind === 'exec'
        ? a.stdin
          ? a.stdin
              .trim()
              .split('\n')
              .map((l) => `tc ${l}`)
          : [a.argv.join(' ')]
        : [],
    );
  };

  it('on a kernel as libvirt assumes it, virtnet runs the command libvirt ran (and failed at here)', async () => {
    assert.ok((await plan('inbound', ALL_TC_FEATURES)).includes(failedAt('inbound')), failedAt('inbound'));
    assert.ok((await plan('outbound', ALL_TC_FEATURES)).includes(failedAt('outbound')), failedAt('outbound'));
  });

  it('on this kernel, virtnet avoids what libvirt failed at (no sfq, no police)', async () => {
    const inbound = await plan('inbound', NO_POLICE);
    assert.equal(
      inbound.some((c) => /\bsfq\b/.test(c)),
      false,
      inbound.join('\n'),
    );
    assert.ok(
      inbound.includes(
        'tc class add dev vbw0 parent 1:1 classid 1:2 htb rate 1000kbps ceil 2000kbps quantum 85',
      ),
    );
    const outbound = await plan('outbound', NO_POLICE);
    assert.equal(
      outbound.some((c) => /\bpolice\b/.test(c)),
      false,
      outbound.join('\n'),
    );
    assert.ok(outbound.includes('tc class add dev ifb-vbw0 parent 1: classid 1:1 htb rate 500kbps'));
  });
});

describe("libvirt's bandwidth rules", () => {
  it('quantum, ifb names, a BPF match of a MAC', () => {
    assert.equal(quantum(2000), 170);
    assert.equal(quantum(undefined), 1);
    assert.equal(ifbName('virbr0'), 'ifb-virbr0');
    assert.match(ifbName('a-very-long-tap'), /^ifb-[0-9a-f]{8}$/);
    assert.ok(ifbName('a-very-long-tap').length <= 15);
    // 52:54:00:ab:cd:ef: the first four bytes as one word, the last two as a half word
    assert.equal(
      bpfBytecode('52:54:00:ab:cd:ef'),
      '6,32 0 0 0,21 0 3 1381236907,40 0 0 4,21 0 1 52719,6 0 0 4294967295,6 0 0 0',
    );
    assert.equal(bpfBytecode(), '1,6 0 0 4294967295');
  });

  it("floor admission with libvirt's messages; class IDs from 3; what is left for the rest", () => {
    const plain = parseNetworkXml(
      "<network><name>p</name><bridge name='vb'/><ip address='10.0.0.1' prefix='24'/></network>",
    );
    assert.throws(
      () => checkFloor(plain, '52:54:00:00:00:01', { inbound: { floor: 10 } }, 0),
      /^VirtError: Operation not supported: Invalid use of 'floor' on interface with MAC address 52:54:00:00:00:01 - network 'p' has no inbound QoS set$/,
    );
    assert.throws(
      () => checkFloor(NET, '52:54:00:00:00:01', { inbound: { floor: 1001 } }, 2000),
      /Cannot plug '52:54:00:00:00:01' interface into 'vbw0' because new combined inbound floor=3001 would overcommit peak=3000 on network 'bw'/,
    );
    checkFloor(NET, '52:54:00:00:00:01', { inbound: { floor: 1000 } }, 2000);
    const bridged = parseNetworkXml(
      "<network><name>b</name><forward mode='bridge'/><bridge name='br0'/></network>",
    );
    assert.throws(
      () => checkFloor(bridged, 'm', { inbound: { floor: 1 } }, 0),
      /'floor' is only supported for interface type 'network' with forward type 'nat', 'route', 'open' or none/,
    );
    assert.equal(nextClassId([]), 3);
    assert.equal(nextClassId([3, 5]), 4);
    assert.equal(nonGuaranteedRate(NET, 500), 2500);
    assert.equal(nonGuaranteedRate(NET, 3000), 1);
  });

  it("virsh's --inbound and --outbound, and the same as JSON", () => {
    assert.deepEqual(parseRateOption('1000,2000,64,500', 'inbound'), {
      average: 1000,
      peak: 2000,
      burst: 64,
      floor: 500,
    });
    assert.deepEqual(parseRateOption(',,,1500', 'inbound'), { floor: 1500 });
    assert.throws(() => parseRateOption(',,,1500', 'outbound'), /outbound format is incorrect/);
    assert.throws(() => parseRateOption('0', 'outbound'), /outbound average is mandatory/);
    assert.throws(() => parseRateOption('1e3', 'inbound'), /inbound format is incorrect/);
    assert.deepEqual(checkBandwidthRequest({ outbound: { average: 250 } }), { outbound: { average: 250 } });
    assert.throws(() => checkBandwidthRequest({ outbound: { floor: 1 } }), /outbound format is incorrect/);
  });

  it("the kernel's parts from its config or module lists; tc's rates", () => {
    const f = featuresFromConfig(
      'CONFIG_NET_SCH_HTB=y\nCONFIG_NET_CLS_U32=m\nCONFIG_IFB=y\n# CONFIG_NET_ACT_POLICE is not set\n',
    );
    assert.equal(f.htb && f.u32 && f.ifb, true);
    assert.equal(f.police || f.sfq, false);
    const m = featuresFromModules(
      'kernel/net/sched/act_police.ko.zst:\nkernel/net/sched/cls_u32.ko: kernel/net/sched/cls_foo.ko\nkernel/drivers/net/ifb.ko\n',
    );
    assert.equal(m.police && m.u32 && m.ifb, true);
    assert.equal(m.htb, false);
    assert.equal(parseTcRate('16Mbit'), 16_000_000);
    assert.equal(parseTcRate('9872Kbit'), 9_872_000);
    assert.equal(parseTcRate('8bit'), 8);
  });
});
