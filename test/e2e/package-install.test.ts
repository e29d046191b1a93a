// The Debian package (`npm run package`) installed into a fresh directory tree with dpkg --root (maintainer scripts
// run chrootless with DPKG_ROOT), its unit checked by systemd-analyze verify, and virtnetd started from the tree as
// the unit starts it (same ExecStartPre/ExecStart/ExecStartPost, paths moved into the tree) in a namespace of ours:
// the installed CLI talks to it, a guest gets a DHCP lease, a daemon restart keeps the network, and a purge stops
// the networks and leaves nothing behind.

import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs';
import Module from 'node:module';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Script } from 'node:vm';
import { canRunE2e, sleep, Topology } from './harness/topology.js';

const ROOT = join(import.meta.dirname, '../../..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const UNIT = 'lib/systemd/system/virtnetd.service';

function missing(): string | undefined {
  const e2e = canRunE2e();
  if (e2e) return e2e;
  for (const bin of ['dpkg', 'dpkg-deb', 'systemd-analyze']) {
    if (spawnSync('which', [bin]).status !== 0) return `needs ${bin}`;
  }
  return undefined;
}
const skip = missing();
// CI (root, Debian) has every tool: a skip there would hide a broken installation
if (skip && process.env.CI) throw new Error(`package-install: ${skip}`);

/** The unit's [Service] settings (a key given twice keeps every value). */
function unitSettings(text: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  let section = '';
  for (const line of text.split('\n')) {
    const s = /^\[(\w+)\]$/.exec(line.trim());
    if (s) section = s[1] as string;
    const kv = /^(\w+)=(.*)$/.exec(line);
    if (section === 'Service' && kv)
      settings.set(kv[1] as string, [...(settings.get(kv[1] as string) ?? []), kv[2] as string]);
  }
  return settings;
}

/** A unit command line as argv: systemd's quoting ('...') and $VAR expansion (split on spaces), as it does. */
function commandLine(line: string, env: Record<string, string>): string[] {
  const argv: string[] = [];
  for (const m of line.matchAll(/'([^']*)'|(\S+)/g)) {
    if (m[1] !== undefined) argv.push(m[1]);
    else if (/^\$\w+$/.test(m[2] as string))
      argv.push(...(env[(m[2] as string).slice(1)] ?? '').split(/\s+/).filter(Boolean));
    else argv.push(m[2] as string);
  }
  return argv;
}

describe('the Debian package', { skip }, () => {
  let t: Topology;
  let tree = '';
  let deb = '';
  let daemon: ChildProcess | undefined;
  let daemonLog = '';
  const inTree = (p: string) => join(tree, p);
  /** Unit paths moved into the tree: /etc/virtnet, /var/lib/virtnet, /run/virtnet, /usr/sbin/virtnetd. */
  const moved = (s: string) =>
    s.replace(
      /(^|[\s'"])\/(etc\/virtnet|var\/lib\/virtnet|run\/virtnet|usr\/sbin\/virtnetd)/g,
      `$1${tree}/$2`,
    );
  const socket = () => inTree('run/virtnet/virtnet.sock');
  const virtnet = (...args: string[]) => {
    const r = spawnSync(inTree('usr/bin/virtnet'), ['-c', `unix:${socket()}`, ...args], { encoding: 'utf8' });
    return { out: r.stdout, err: r.stderr, code: r.status };
  };
  const dpkg = (...args: string[]) =>
    spawnSync(
      'dpkg',
      [`--root=${tree}`, '--force-script-chrootless', '--force-depends', '--log=/dev/null', ...args],
      { encoding: 'utf8' },
    );
  const unit = () => unitSettings(readFileSync(inTree(UNIT), 'utf8'));
  const env = () => {
    const text = readFileSync(inTree('etc/default/virtnetd'), 'utf8');
    return Object.fromEntries([...text.matchAll(/^(\w+)="([^"]*)"$/gm)].map((m) => [m[1], m[2]])) as Record<
      string,
      string
    >;
  };

  /** ExecStartPre, then ExecStart in the host namespace, then ExecStartPost: the unit's start, in the tree. */
  async function startAsUnit(): Promise<void> {
    const u = unit();
    for (const pre of u.get('ExecStartPre') ?? [])
      execFileSync(commandLine(moved(pre), env())[0] as string, commandLine(moved(pre), env()).slice(1));
    const argv = commandLine(moved(u.get('ExecStart')?.[0] ?? ''), env());
    assert.equal(argv[0], inTree('usr/sbin/virtnetd'));
    daemonLog = '';
    daemon = t.spawnIn(t.hostNs, argv);
    daemon.stderr?.on('data', (b: Buffer) => {
      daemonLog += b.toString();
    });
    const post = commandLine(moved(u.get('ExecStartPost')?.[0] ?? ''), env());
    const r = spawnSync('timeout', ['30', ...post], { encoding: 'utf8' });
    assert.equal(r.status, 0, `ExecStartPost did not see the daemon ready: ${daemonLog}`);
  }

  async function stopAsUnit(): Promise<void> {
    // KillMode=process: SIGTERM to the daemon only (ip netns exec became it); its dnsmasq children stay
    if (daemon?.pid && daemon.exitCode === null) {
      process.kill(daemon.pid, 'SIGTERM');
      for (let i = 0; i < 100 && daemon.exitCode === null; i++) await sleep(50);
    }
  }

  before(() => {
    t = new Topology();
    tree = join(t.dir, 'root');
    const out = join(t.dir, 'out');
    const r = spawnSync('bash', [join(ROOT, 'scripts/package.sh'), out], {
      encoding: 'utf8',
      env: { ...process.env, VIRTNET_PACKAGE_NO_BUILD: '1' },
    });
    assert.equal(r.status, 0, r.stderr);
    deb = join(out, `virtnet_${VERSION}_all.deb`);
    for (const d of ['var/lib/dpkg/info', 'var/lib/dpkg/updates', 'var/lib/dpkg/triggers'])
      mkdirSync(join(tree, d), { recursive: true });
    execFileSync('touch', [join(tree, 'var/lib/dpkg/status')]);
  });
  after(async () => {
    await stopAsUnit().catch(() => undefined);
    await t?.destroy();
  });

  test('depends on Debian packages only and ships no node_modules', () => {
    const field = (f: string) => execFileSync('dpkg-deb', ['-f', deb, f], { encoding: 'utf8' }).trim();
    assert.equal(field('Package'), 'virtnet');
    assert.equal(field('Version'), VERSION);
    assert.equal(field('Architecture'), 'all');
    assert.equal(field('Depends'), 'nodejs (>= 20), dnsmasq-base, nftables, iproute2, ethtool');
    const files = execFileSync('dpkg-deb', ['-c', deb], { encoding: 'utf8' });
    assert.ok(!files.includes('node_modules'), 'node_modules in the package');
    for (const f of [
      './usr/lib/virtnet/dist/virtnet.cjs',
      './usr/lib/virtnet/dist/virtnetd.cjs',
      './usr/lib/virtnet/web/dist/index.html',
      './usr/lib/virtnet/share/nwfilter/clean-traffic.xml',
      './usr/share/bash-completion/completions/virtnet',
      `./${UNIT}`,
      './etc/default/virtnetd',
    ])
      assert.ok(files.includes(` ${f}`), `${f} missing`);
  });

  test('dpkg --root installs it: commands on the PATH, completion, code cache made by postinst', () => {
    const r = dpkg('-i', deb);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readlinkSync(inTree('usr/bin/virtnet')), '../lib/virtnet/bin/virtnet');
    assert.equal(readlinkSync(inTree('usr/sbin/virtnetd')), '../lib/virtnet/bin/virtnetd');
    assert.equal(
      readFileSync(inTree('usr/lib/virtnet/bin/virtnet'), 'utf8').split('\n')[0],
      '#!/usr/bin/node',
    );
    assert.deepEqual(virtnet('--version'), { out: `${VERSION}\n`, err: '', code: 0 });
    const v = spawnSync(inTree('usr/sbin/virtnetd'), ['--version'], { encoding: 'utf8' });
    assert.equal(v.stdout, `${VERSION}\n`);
    const completion = spawnSync(
      'bash',
      ['-c', `source ${inTree('usr/share/bash-completion/completions/virtnet')}; complete -p virtnet`],
      { encoding: 'utf8' },
    );
    assert.equal(completion.stdout.trim(), 'complete -F _virtnet virtnet');
    // the cache postinst made is the one bin/virtnet reads (through the package's link) and this node takes it
    const cache = readFileSync(inTree('usr/lib/virtnet/dist/virtnet.cache'));
    assert.ok(lstatSync(inTree('usr/lib/virtnet/dist/virtnet.cache')).isSymbolicLink());
    const source = readFileSync(inTree('usr/lib/virtnet/dist/virtnet.cjs'), 'utf8');
    const id = /^\/\/ build (\w+)$/m.exec(source)?.[1] ?? '';
    const script = new Script(Module.wrap(source), {
      filename: 'x',
      cachedData: cache.subarray(id.length + 1),
    });
    assert.equal(script.cachedDataRejected, false);
  });

  test('systemd-analyze verify accepts the unit, silently', () => {
    // a root with the host's own units (targets) and what ExecStartPre/Post run, besides the package
    const verify = join(t.dir, 'verify');
    cpSync(tree, verify, { recursive: true, verbatimSymlinks: true });
    cpSync('/lib/systemd/system', join(verify, 'lib/systemd/system'), { recursive: true, force: false });
    mkdirSync(join(verify, 'bin'), { recursive: true });
    for (const b of ['sh', 'rm']) cpSync(join('/bin', b), join(verify, 'bin', b), { dereference: true });
    const r = spawnSync('systemd-analyze', ['verify', `--root=${verify}`, 'virtnetd.service'], {
      encoding: 'utf8',
    });
    assert.deepEqual([r.status, r.stderr, r.stdout], [0, '', '']);
    const u = unit();
    assert.deepEqual(u.get('KillMode'), ['process']);
    assert.deepEqual(u.get('RuntimeDirectoryPreserve'), ['yes']);
  });

  test('virtnetd runs as the unit starts it; the installed CLI drives it and a guest gets a lease', async () => {
    // what an administrator would put in the package's conffile: the web UI on the host's loopback
    writeFileSync(inTree('etc/default/virtnetd'), 'VIRTNETD_OPTS="--http 127.0.0.1:18471"\n');
    await startAsUnit();
    const page = t.tryRun([
      'ip',
      'netns',
      'exec',
      t.hostNs,
      process.execPath,
      '-e',
      "fetch('http://127.0.0.1:18471/').then(async (r) => console.log(r.status, await r.text()))",
    ]);
    assert.match(page.out, /^200 <!doctype html>/i, 'the web UI from /usr/lib/virtnet/web/dist');
    const empty = readFileSync(join(ROOT, 'test/unit/cli/expected/net-list-empty.txt'), 'utf8');
    assert.deepEqual(virtnet('net-list'), { out: empty, err: '', code: 0 });
    const xml = join(t.dir, 'pkgnet.xml');
    execFileSync('sh', [
      '-c',
      `cat > ${xml} <<'EOF'
<network>
  <name>pkgnet</name>
  <forward mode='nat'/>
  <bridge name='vnpkg0'/>
  <ip address='192.168.171.1' netmask='255.255.255.0'>
    <dhcp><range start='192.168.171.100' end='192.168.171.199'/></dhcp>
  </ip>
</network>
EOF`,
    ]);
    assert.equal(virtnet('net-define', xml).code, 0);
    assert.equal(virtnet('net-start', 'pkgnet').code, 0);
    assert.equal(virtnet('net-autostart', 'pkgnet').code, 0);
    // definitions in the unit's --config-dir, as libvirt keeps them
    assert.ok(existsSync(inTree('etc/virtnet/networks/pkgnet.xml')));
    assert.ok(existsSync(inTree('etc/virtnet/networks/autostart/pkgnet.xml')));
    const g = t.addGuest('g1', 'vnpkg0');
    const ip = t.dhcp(g);
    assert.match(ip ?? '', /^192\.168\.171\.1\d\d$/);
    assert.match(virtnet('net-dhcp-leases', 'pkgnet').out, new RegExp(`${ip?.replaceAll('.', '\\.')}/24`));
  });

  test('a stop and start of the service keeps the network running and adopts it', async () => {
    const running = t.dnsmasqPids();
    assert.equal(running.length, 1, 'no dnsmasq for pkgnet');
    await stopAsUnit();
    assert.equal(daemon?.exitCode, 0, daemonLog);
    assert.deepEqual(t.dnsmasqPids(), running, 'dnsmasq died with the daemon');
    await startAsUnit();
    assert.match(virtnet('net-list').out, /\n pkgnet +active +yes +yes\n/);
    assert.deepEqual(t.dnsmasqPids(), running);
  });

  test('purge stops the networks, then removes every file of the package and what it kept', () => {
    const r = dpkg('--purge', 'virtnet');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(t.dnsmasqPids(), []);
    assert.equal(t.tryRun(['ip', '-n', t.hostNs, 'link', 'show', 'vnpkg0']).code, 1, 'bridge still there');
    const left = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? left(join(dir, e.name)) : [join(dir, e.name).slice(tree.length)],
      );
    assert.deepEqual(
      left(tree).filter((f) => !f.startsWith('/var/lib/dpkg/')),
      [],
    );
  });
});
