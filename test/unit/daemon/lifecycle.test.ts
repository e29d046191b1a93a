// The daemon over the memory runtime (the real engine, recording executor, fake host): a degraded dnsmasq shows in
// NetworkInfo and check and is one event; a repair is one `repaired` event of one shape; ports of a persistent
// network survive its stop and are plugged again at its start; nothing leaks after starting and stopping many;
// heal rounds after starts look at the new networks only, and a lost table brings back every network's rules.

import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { NetworkEvent } from '../../../src/api/types.js';
import { Daemon } from '../../../src/daemon/daemon.js';
import { MemoryRuntime } from '../../../src/daemon/memory-runtime.js';
import { Store } from '../../../src/daemon/store.js';
import type { RecordingExecutor } from '../../../src/host/recording-executor.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function daemon(): Promise<{ d: Daemon; rt: MemoryRuntime; events: NetworkEvent[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'vnt-daemon-'));
  dirs.push(dir);
  const rt = new MemoryRuntime({ stateDir: join(dir, 's'), runDir: join(dir, 'r') });
  const d = new Daemon(new Store(join(dir, 'c'), join(dir, 's')), rt);
  const events: NetworkEvent[] = [];
  d.onEvent((e) => events.push(e));
  await d.load();
  return { d, rt, events };
}

const nat = (n: number) =>
  `<network><name>n${n}</name><forward mode='nat'/><bridge name='vbr${n}'/><ip address='10.${n}.0.1' prefix='24'><dhcp><range start='10.${n}.0.10' end='10.${n}.0.20'/></dhcp></ip></network>`;

describe('daemon lifecycle on the engine', () => {
  it('a degraded dnsmasq is visible in the network info and check, and is one event', async () => {
    const { d, rt, events } = await daemon();
    await d.define(nat(1));
    await d.start('n1');
    rt.emit({ network: 'n1', type: 'degraded', detail: { reason: 'dnsmasq: port 53 taken' } });
    assert.equal(d.info('n1').degraded, 'dnsmasq: port 53 taken');
    assert.deepEqual(
      (await d.check('n1')).map((p) => p.what),
      ['dnsmasq keeps failing: dnsmasq: port 53 taken'],
    );
    assert.equal(events.filter((e) => e.detail?.runtimeEvent === 'degraded').length, 1);
    rt.emit({ network: 'n1', type: 'recovered' });
    assert.equal(d.info('n1').degraded, undefined);
    assert.deepEqual(await d.check('n1'), []);
    await d.shutdown();
  });

  it('a repair emits one repaired event with trigger, problems and steps', async () => {
    const { d, rt, events } = await daemon();
    await d.define(nat(2));
    await d.start('n2');
    rt.host.fake.deleteLink('vbr2');
    const r = await d.repair('n2');
    assert.deepEqual(
      r.repaired.map((p) => p.what),
      ['bridge vbr2 is missing'],
    );
    const repaired = events.filter((e) => e.type === 'repaired');
    assert.equal(repaired.length, 1);
    assert.deepEqual(Object.keys(repaired[0]?.detail ?? {}).sort(), ['problems', 'steps', 'trigger']);
    assert.equal(repaired[0]?.detail?.trigger, 'request');
    assert.ok(((repaired[0]?.detail?.steps ?? []) as string[]).includes('create bridge vbr2'));
    rt.host.fake.deleteLink('vbr2');
    assert.deepEqual(await d.heal(), ['n2']);
    const healed = events.filter((e) => e.type === 'repaired');
    assert.equal(healed.length, 2);
    assert.deepEqual(Object.keys(healed[1]?.detail ?? {}).sort(), ['problems', 'steps', 'trigger']);
    assert.equal(healed[1]?.detail?.trigger, 'heal');
    await d.shutdown();
  });

  it('a round after starts looks at the started networks alone; a round without a list at all; a lost table brings every network its rules again', async () => {
    const { d, rt } = await daemon();
    for (const n of [11, 12, 13]) {
      await d.define(nat(n));
      await d.start(`n${n}`);
    }
    rt.host.fake.deleteLink('vbr11');
    rt.host.fake.deleteLink('vbr13');
    assert.deepEqual(await d.heal(new Set(['n13'])), ['n13']);
    assert.equal(rt.host.fake.links.has('vbr11'), false, 'n11 was not looked at');
    assert.deepEqual(await d.heal(), ['n11']);
    rt.host.fake.flushRuleset();
    assert.deepEqual((await d.heal(new Set(['n12']))).sort(), ['n11', 'n12', 'n13']);
    assert.deepEqual(await d.check('n13'), []);
    await d.shutdown();
  });

  it('a change of the host upstream servers rewrites each servers file and reloads dnsmasq, restarting nothing', async () => {
    const { d, rt, events } = await daemon();
    await d.define(nat(3));
    await d.define(
      nat(4).replace(
        "<forward mode='nat'/>",
        "<forward mode='nat'/><dns><forwarder addr='192.0.2.99'/></dns>",
      ),
    );
    await d.start('n3');
    await d.start('n4');
    const servers = rt.host.dnsmasq.paths('n3').serversFile;
    assert.equal(rt.host.fake.files.get(servers), '');
    const ex = rt.host.executor as RecordingExecutor;
    ex.reset();
    rt.host.setUpstream(['192.0.2.1', '2001:db8::53']);
    // the daemon's heal round (queued behind mutations) follows the event
    await d.heal();
    assert.equal(rt.host.fake.files.get(servers), 'server=192.0.2.1\nserver=2001:db8::53\n');
    assert.equal(rt.host.fake.files.has(rt.host.dnsmasq.paths('n4').serversFile), false);
    assert.deepEqual(
      ex.transcript.map((t) => t.title),
      ['write upstream DNS servers of n3', 'reload DHCP and DNS hosts of n3'],
    );
    assert.deepEqual(
      events.filter((e) => e.type === 'repaired').map((e) => e.name),
      ['n3'],
    );
    // the next round reads no files and changes nothing
    ex.reset();
    assert.deepEqual(await d.heal(), []);
    assert.deepEqual(ex.transcript, []);
    await d.shutdown();
  });

  it('ports of a persistent network survive its stop, keep their reservation, and are plugged again at its start', async () => {
    const { d, rt } = await daemon();
    await d.define(nat(3));
    await d.start('n3');
    rt.host.fake.namespaces.add('/var/run/netns/c1');
    const port = await d.ports.create('n3', { owner: 'c1', netns: '/var/run/netns/c1', ip: '10.3.0.15' });
    await d.destroy('n3');
    assert.equal(d.ports.list('n3').length, 1, 'listed while the network is stopped');
    assert.equal(rt.host.fake.links.get(port.device?.name as string)?.master, undefined);
    await d.start('n3');
    assert.equal(rt.host.fake.links.get(port.device?.name as string)?.master, 'vbr3');
    assert.match(
      d.xml('n3'),
      /<host mac='[0-9a-f:]+' name='c1' ip='10\.3\.0\.15'\/>/,
      'the reservation is back',
    );
    await d.destroy('n3');
    await d.undefine('n3');
    assert.equal(d.ports.list().length, 0);
    assert.equal(rt.host.fake.links.has(port.device?.name as string), false, 'undefine removed the device');
    await d.shutdown();
  });

  it('a forward on a port another network holds is refused naming that network; a listen address not on the host too', async () => {
    const { d } = await daemon();
    await d.define(nat(4));
    await d.define(nat(5));
    await d.start('n4');
    await d.start('n5');
    await d.forwards.add('n4', { listenPort: 8080, targetAddress: '10.4.0.10' });
    await assert.rejects(
      d.forwards.add('n5', { listenPort: 8080, targetAddress: '10.5.0.10' }),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, 'OPERATION_INVALID');
        assert.match(e.message, /clashes with forward tcp 0\.0\.0\.0:8080 of network 'n4'/);
        return true;
      },
    );
    await assert.rejects(
      d.forwards.add('n5', { listenPort: 9090, listenAddress: '198.51.100.99', targetAddress: '10.5.0.10' }),
      /listen address 198\.51\.100\.99 is not an address of this host/,
    );
    await d.shutdown();
  });

  it('starting and stopping 20 networks with the heal loop on leaves no timer, watcher or process behind', async () => {
    // unref'd timers do not show in process.getActiveResourcesInfo(): follow every resource made meanwhile instead
    const live = new Map<number, string>();
    const hook = createHook({
      init: (id, type) => {
        if (/^(Timeout|FSEVENTWRAP|STATWATCHER|PROCESSWRAP|PIPEWRAP|TCPWRAP|UDPWRAP)$/.test(type))
          live.set(id, type);
      },
      destroy: (id) => void live.delete(id),
    }).enable();
    try {
      const { d } = await daemon();
      d.startHealing(50);
      for (let i = 10; i < 30; i++) {
        await d.define(nat(i));
        await d.start(`n${i}`);
      }
      await new Promise((r) => setTimeout(r, 120));
      for (let i = 10; i < 30; i++) await d.destroy(`n${i}`);
      await d.shutdown();
      // the test's own timer above is gone by now; give destroy hooks a turn
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
    } finally {
      hook.disable();
    }
    assert.deepEqual([...live.values()], [], 'resources left behind');
  });
});
