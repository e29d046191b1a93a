// The on-disk store: atomic writes, libvirt's layout with absolute autostart links, the status of active
// networks, reload giving the same state, and `virtnetd --import-libvirt` of a libvirt network directory.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, test } from 'node:test';
import { Daemon } from '../../src/daemon/daemon.js';
import { importLibvirtDir } from '../../src/daemon/import-libvirt.js';
import { MemoryRuntime } from '../../src/daemon/memory-runtime.js';
import { Store } from '../../src/daemon/store.js';
import { symlinkAtomic, writeFileAtomic } from '../../src/host/atomic-file.js';
import { parseCidr, type Subnet } from '../../src/model/addr.js';
import { parseNetworkXml } from '../../src/model/network-parse.js';

const ROOT = join(import.meta.dirname, '../../..');
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'virtnet-store-'));
  dirs.push(d);
  return d;
}

const net = (name: string, n: number, extra = '') =>
  `<network><name>${name}</name>${extra}<bridge name='vts${n}'/><ip address='10.77.${n}.1' prefix='24'/></network>`;

/** What libvirt leaves in /etc/libvirt/qemu/networks: a header comment and the canonical XML. */
const libvirtFile = (name: string, uuid: string, bridge: string, n: number) => `<!--
WARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE
OVERWRITTEN AND LOST. Changes to this xml configuration should be made using:
  virsh net-edit ${name}
or other application using the libvirt API.
-->

<network>
  <name>${name}</name>
  <uuid>${uuid}</uuid>
  <forward mode='nat'/>
  <bridge name='${bridge}' stp='on' delay='0'/>
  <mac address='52:54:00:12:34:0${n}'/>
  <ip address='192.168.${120 + n}.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.${120 + n}.2' end='192.168.${120 + n}.254'/>
    </dhcp>
  </ip>
</network>
`;

describe('atomic files', () => {
  test('writeFileAtomic replaces content with the given mode and leaves no temp file', () => {
    const d = tempDir();
    const f = join(d, 'x.xml');
    writeFileAtomic(f, 'one');
    writeFileAtomic(f, 'two', 0o644);
    assert.equal(readFileSync(f, 'utf8'), 'two');
    assert.deepEqual(readdirSync(d), ['x.xml']);
    writeFileAtomic(join(d, 'y'), 'three', 0o600);
    assert.equal(statSync(join(d, 'y')).mode & 0o777, 0o600);
  });

  test('symlinkAtomic replaces an existing link', () => {
    const d = tempDir();
    symlinkAtomic('/a', join(d, 'l'));
    symlinkAtomic('/b', join(d, 'l'));
    assert.equal(readlinkSync(join(d, 'l')), '/b');
    assert.deepEqual(readdirSync(d), ['l']);
  });
});

describe('store', () => {
  test('relative directories still give absolute autostart links, like libvirt', async () => {
    const d = tempDir();
    const store = new Store(relative(process.cwd(), join(d, 'c')), relative(process.cwd(), join(d, 's')));
    const daemon = new Daemon(store, new MemoryRuntime());
    await daemon.load();
    await daemon.define(net('a', 1));
    await daemon.setAutostart('a', true);
    assert.equal(readlinkSync(join(d, 'c/networks/autostart/a.xml')), join(d, 'c/networks/a.xml'));
    await daemon.undefine('a');
    assert.deepEqual(readdirSync(join(d, 'c/networks')), ['autostart']);
    assert.deepEqual(readdirSync(join(d, 'c/networks/autostart')), []);
  });

  test('active networks have a status file; reload gives the same state', async () => {
    const d = tempDir();
    const mk = () => new Daemon(new Store(join(d, 'c'), join(d, 's')), new MemoryRuntime());
    const first = mk();
    await first.load();
    await first.define(net('a', 1));
    await first.define(net('b', 2));
    await first.setAutostart('b', true);
    await first.start('b');
    await first.define(net('c', 3, "<forward mode='nat'/>"));
    await first.start('c');
    await first.create(net('t', 4));
    await first.define(net('u', 5));
    await first.start('u');
    await first.undefine('u');
    const status = JSON.parse(readFileSync(join(d, 's/networks/c.json'), 'utf8'));
    assert.equal(status.transient, false);
    assert.equal(status.runtime.bridge, 'vts3', 'the runtime state names the bridge');
    assert.equal(status.runtime.firewall, true);
    assert.equal(parseNetworkXml(status.xml).name, 'c');
    assert.match(status.xml, /<port start='1024' end='65535'\/>/);
    assert.equal(JSON.parse(readFileSync(join(d, 's/networks/u.json'), 'utf8')).transient, true);
    assert.deepEqual(readdirSync(join(d, 's/networks')).sort(), ['b.json', 'c.json', 't.json', 'u.json']);

    const second = mk();
    await second.load();
    assert.deepEqual(second.list({}), first.list({}));
    assert.equal(second.xml('c'), first.xml('c'));
    assert.equal(second.xml('a', true), first.xml('a', true));
  });

  test('autostart networks that are not running start when the daemon loads', async () => {
    const d = tempDir();
    const mk = () => new Daemon(new Store(join(d, 'c'), join(d, 's')), new MemoryRuntime());
    const first = mk();
    await first.load();
    await first.define(net('a', 1));
    await first.setAutostart('a', true);
    const second = mk();
    await second.load();
    assert.equal(second.info('a').active, true);
    assert.ok(existsSync(join(d, 's/networks/a.json')));
  });

  test('statuses from another boot or namespace describe nothing running: autostart starts, the rest stay down', async () => {
    const d = tempDir();
    const lines: string[] = [];
    const mk = (instance: string) =>
      new Daemon(new Store(join(d, 'c'), join(d, 's'), instance), new MemoryRuntime(), (m) => lines.push(m));
    const before = mk('boot-a/4026531840');
    await before.load();
    await before.define(net('auto', 1, "<forward mode='nat'/>"));
    await before.setAutostart('auto', true);
    await before.define(net('manual', 2, "<forward mode='nat'/>"));
    for (const n of ['auto', 'manual']) await before.start(n);
    await before.create(net('trans', 3, "<forward mode='nat'/>"));
    const saved = JSON.parse(readFileSync(join(d, 's', 'networks', 'manual.json'), 'utf8')) as {
      host?: string;
    };
    assert.equal(saved.host, 'boot-a/4026531840');
    await before.shutdown();

    // the same boot and namespace: all three are adopted
    const same = mk('boot-a/4026531840');
    await same.load();
    assert.deepEqual(
      same.list({}).map((i) => [i.name, i.active]),
      [
        ['auto', true],
        ['manual', true],
        ['trans', true],
      ],
    );
    await same.shutdown();

    lines.length = 0;
    const rebooted = mk('boot-b/4026531840');
    await rebooted.load();
    assert.deepEqual(
      rebooted.list({}).map((i) => [i.name, i.active]),
      [
        ['auto', true],
        ['manual', false],
      ],
    );
    assert.ok(
      lines.includes(
        "network 'manual' was running before a reboot (or in another namespace): not running now",
      ),
      lines.join('\n'),
    );
    assert.ok(lines.includes('autostart: starting 1 networks'), lines.join('\n'));
    assert.deepEqual(readdirSync(join(d, 's', 'networks')).sort(), ['auto.json']);
    await rebooted.shutdown();
  });

  test('many autostart networks start together; of two with one subnet only one starts; progress is logged', async () => {
    const d = tempDir();
    const lines: string[] = [];
    const mk = () =>
      new Daemon(new Store(join(d, 'c'), join(d, 's')), new MemoryRuntime(), (m) => lines.push(m));
    const first = mk();
    await first.load();
    for (let n = 0; n < 60; n++) {
      await first.define(net(`n${n}`, n, "<forward mode='nat'/>"));
      await first.setAutostart(`n${n}`, true);
    }
    // same subnet as n7, another bridge: fine to define, not to run beside n7 (libvirt's route check)
    await first.define(
      "<network><name>twin</name><bridge name='vtstwin'/><ip address='10.77.7.1' prefix='24'/></network>",
    );
    await first.setAutostart('twin', true);
    lines.length = 0;
    const rt = new MemoryRuntime();
    // what the host is asked to do, in the order it is asked (a step's title is announced before its actions run)
    const asked: string[] = [];
    const ex = rt.host.executor;
    const run = ex.run.bind(ex);
    ex.run = (a, step) => {
      if (a.kind === 'spawn') asked.push('spawn');
      if (a.kind === 'exec' && /type bridge/.test(a.stdin ?? '')) asked.push('bridge');
      return run(a, step);
    };
    // someone else's route over n20's subnet: the batch reads the routes once, and n20 still meets them
    rt.host.fake.routes.push({ dev: 'eth9', subnet: parseCidr('10.77.20.0/24') as Subnet });
    const observe = rt.host.probe.observe.bind(rt.host.probe);
    let routeReads = 0;
    rt.host.probe.observe = (scope) => {
      if (scope.routes) routeReads++;
      return observe(scope);
    };
    const second = new Daemon(new Store(join(d, 'c'), join(d, 's')), rt, (m) => lines.push(m));
    await second.load();
    assert.equal(second.info('n20').active, false);
    assert.ok(
      lines.some((l) => /^autostart of network 'n20' failed: .*already in use by interface eth9/.test(l)),
      lines.join('\n'),
    );
    // the first network (it starts alone, making the table), then one read for all the others
    assert.equal(routeReads, 2);
    // every bridge before any dnsmasq but the first network's (it started alone, making the table)
    const lastBridge = asked.lastIndexOf('bridge');
    assert.equal(asked.filter((t, k) => k < lastBridge && t === 'spawn').length, 1, asked.join(' '));
    assert.equal(asked.filter((t) => t === 'spawn').length, 59);
    assert.equal(asked.filter((t) => t === 'bridge').length, 59);
    const active = second.list({}).filter((i) => i.active);
    assert.equal(active.length, 59);
    const twinActive = second.info('twin').active;
    assert.equal(twinActive !== second.info('n7').active, true, 'exactly one of twin and n7 runs');
    assert.ok(
      lines.some((l) => /^autostart of network '(twin|n7)' failed: .*already in use/.test(l)),
      lines.join('\n'),
    );
    assert.ok(lines.includes('autostart: starting 61 networks'));
    assert.ok(
      lines.some((l) =>
        /^autostart: bridges and firewall rules of 60 networks made in \d+\.\d s; starting their dnsmasq$/.test(
          l,
        ),
      ),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) => /^autostart: 50 of 61 networks done \(\d+\.\d s\)$/.test(l)),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) => /^autostart: 59 of 61 networks started in \d+\.\d s$/.test(l)),
      lines.join('\n'),
    );
  });
});

describe('import of a libvirt network directory', () => {
  function libvirtDir(): { lv: string; d: string } {
    const d = tempDir();
    const lv = join(d, 'libvirt-networks');
    mkdirSync(join(lv, 'autostart'), { recursive: true });
    writeFileSync(
      join(lv, 'default.xml'),
      libvirtFile('default', 'a3b3f0c2-5d4e-4f6a-8b7c-9d0e1f2a3b4c', 'virbr0', 1),
    );
    writeFileSync(
      join(lv, 'lab.xml'),
      libvirtFile('lab', 'b3b3f0c2-5d4e-4f6a-8b7c-9d0e1f2a3b4c', 'virbr7', 2),
    );
    writeFileSync(join(lv, 'broken.xml'), '<network>\n  <name>broken</name>\n');
    // libvirt's autostart links are absolute paths into its own directory
    symlinkSync(join(lv, 'default.xml'), join(lv, 'autostart', 'default.xml'));
    return { lv, d };
  }

  test('defines every valid file, keeps uuids and autostart, reports failures per file', async () => {
    const { lv, d } = libvirtDir();
    const daemon = new Daemon(new Store(join(d, 'c'), join(d, 's')), new MemoryRuntime());
    await daemon.load({ definitionsOnly: true });
    const r = await importLibvirtDir(daemon, lv);
    assert.deepEqual(
      r.imported.map((n) => [n.name, n.autostart]),
      [
        ['default', true],
        ['lab', false],
      ],
    );
    assert.equal(r.failed.length, 1);
    assert.equal(r.failed[0]?.file, join(lv, 'broken.xml'));
    assert.match(r.failed[0]?.message ?? '', /^XML error: /);
    assert.equal(daemon.info('default').uuid, 'a3b3f0c2-5d4e-4f6a-8b7c-9d0e1f2a3b4c');
    assert.equal(daemon.info('default').autostart, true);
    assert.equal(daemon.info('default').active, false);
    assert.equal(
      readlinkSync(join(d, 'c/networks/autostart/default.xml')),
      join(d, 'c/networks/default.xml'),
    );
    const stored = parseNetworkXml(readFileSync(join(d, 'c/networks/lab.xml'), 'utf8'));
    assert.equal(stored.bridge?.name, 'virbr7');
    assert.equal(stored.mac, '52:54:00:12:34:02');
    // the source directory is only read
    assert.deepEqual(readdirSync(lv).sort(), ['autostart', 'broken.xml', 'default.xml', 'lab.xml']);
  });

  test('virtnetd --import-libvirt prints a summary, exits 1 on a failed file, starts nothing', () => {
    const { lv, d } = libvirtDir();
    const r = spawnSync(
      process.execPath,
      [
        join(ROOT, 'bin/virtnetd'),
        '--import-libvirt',
        lv,
        '--config-dir',
        join(d, 'c'),
        '--state-dir',
        join(d, 's'),
        '--run-dir',
        join(d, 'r'),
      ],
      { encoding: 'utf8', timeout: 20000 },
    );
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /^imported default from .*default\.xml \(autostart\)$/m);
    assert.match(r.stdout, /^imported lab from .*lab\.xml$/m);
    assert.match(r.stdout, /^2 network\(s\) imported, 1 failed$/m);
    assert.match(r.stderr, /broken\.xml: XML error: /);
    assert.deepEqual(readdirSync(join(d, 's/networks')), []);
    assert.ok(!existsSync(join(d, 'r/virtnet.sock')));
    assert.deepEqual(readdirSync(join(d, 'c/networks')).sort(), ['autostart', 'default.xml', 'lab.xml']);
  });
});
