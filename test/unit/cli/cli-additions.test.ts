// virtnet's additions to virsh's behaviour, through the real CLI against a (memory-runtime) daemon: --version and
// the daemon's version, help for virtnet's own commands, -q, every kind of net-event, port-add on a bridged network.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { commandHelp } from '../../../src/cli/help-texts.js';
import { COMMANDS } from '../../../src/cli/registry.js';
import { optionTable } from '../../../src/cli/run-command.js';
import { type MemoryDaemon, startMemoryDaemon } from '../../helpers/memory-daemon.js';

const ROOT = join(import.meta.dirname, '../../../..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function cli(sock: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/virtnet'), '-c', `unix:${sock}`, ...args], {
    encoding: 'utf8',
  });
  return { out: r.stdout, err: r.stderr, code: r.status };
}

describe('virtnet --version and help', () => {
  test('--version and -v print package.json version; virtnetd --version too', () => {
    assert.deepEqual(cli('/nonexistent', '--version'), { out: `${VERSION}\n`, err: '', code: 0 });
    assert.equal(cli('/nonexistent', '-v').out, `${VERSION}\n`);
    const d = spawnSync(process.execPath, [join(ROOT, 'bin/virtnetd'), '--version'], { encoding: 'utf8' });
    assert.deepEqual([d.stdout, d.status], [`${VERSION}\n`, 0]);
  });

  test("help COMMAND prints virtnet's own commands in virsh's format, and their options are what they take", () => {
    const r = cli('/nonexistent', 'help', 'port-add');
    assert.equal(r.code, 0);
    assert.match(r.out, /^ {2}NAME\n {4}port-add - plug a guest into a network/);
    assert.match(r.out, /\n {2}SYNOPSIS\n {4}port-add <network> --owner <string> \[--tap <string>\]/);
    assert.match(r.out, /\n {4}--uid <number> {3}user that may open the tap/);
    // the same text answers `port-add --help`
    assert.equal(cli('/nonexistent', 'port-add', '--help').out, r.out);
    assert.deepEqual(cli('/nonexistent', 'port-add', 'default'), {
      out: '',
      err: "error: command 'port-add' requires <owner> option\n",
      code: 1,
    });
    assert.deepEqual(cli('/nonexistent', 'help', 'nosuch'), {
      out: '\n',
      err: "error: command or command group 'nosuch' doesn't exist\n",
      code: 1,
    });
  });

  test('every command has a help text whose NAME and option table parse', () => {
    for (const name of Object.keys(COMMANDS)) {
      const help = commandHelp(name);
      assert.ok(help, `no help text for ${name}`);
      assert.match(help, new RegExp(`^ {2}NAME\\n {4}${name} - \\S`), name);
      const specs = optionTable(name, help);
      assert.equal(new Set(specs.map((s) => s.name)).size, specs.length, `${name}: an option twice`);
    }
  });

  test('help lists every group and every command once; help GROUP lists one group', () => {
    const all = cli('/nonexistent', 'help').out;
    assert.match(all, /^Grouped commands:\n\n Networking \(help keyword 'network'\):\n/);
    for (const name of Object.keys(COMMANDS)) {
      assert.equal(all.split('\n').filter((l) => l.startsWith(`    ${name} `)).length, 1, name);
    }
    const own = cli('/nonexistent', 'help', 'virtnet').out;
    assert.match(own, /^ virtnet \(help keyword 'virtnet'\):\n {4}port-add {23}plug a guest/);
    assert.ok(!own.includes('net-list'));
    assert.equal(
      cli('/nonexistent', 'help', 'network').out,
      readFileSync(join(ROOT, 'share/virsh-help/_network.txt'), 'utf8'),
    );
  });
});

describe('virtnet additions against a daemon', () => {
  const dir = mkdtempSync(join(tmpdir(), 'virtnet-cli-add-'));
  let d: MemoryDaemon;
  const nat = join(dir, 'nat.xml');
  const bridged = join(dir, 'lan.xml');
  const noDhcp = join(dir, 'plain.xml');
  writeFileSync(
    nat,
    `<network><name>nat1</name><forward mode='nat'/><bridge name='vnadd0'/>
  <ip address='192.168.160.1' netmask='255.255.255.0'><dhcp><range start='192.168.160.2' end='192.168.160.99'/></dhcp></ip>
</network>`,
  );
  writeFileSync(bridged, "<network><name>lan</name><forward mode='bridge'/><bridge name='br0'/></network>");
  writeFileSync(
    noDhcp,
    "<network><name>plain</name><bridge name='vnadd1'/><ip address='192.168.161.1' prefix='24'/></network>",
  );
  const virtnet = (...args: string[]) => cli(d.socket, ...args);
  const background = (...args: string[]) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/virtnet'), '-c', `unix:${d.socket}`, ...args]);
    let out = '';
    child.stdout.on('data', (b) => {
      out += b;
    });
    return new Promise<{ out: string; code: number | null }>((resolve) =>
      child.on('close', (code) => resolve({ out, code })),
    );
  };

  before(async () => {
    // the bridged network below needs its host bridge on the pretend host
    d = await startMemoryDaemon('virtnet-cli-add-', ['--memory-host-bridge', 'br0']);
  });
  after(() => {
    d?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('port-add on a bridged network does not promise DHCP from virtnet', () => {
    virtnet('net-create', bridged);
    const r = virtnet('port-add', 'lan', '--owner', 'g1');
    assert.equal(r.code, 0, r.err);
    assert.match(
      r.out,
      /\n {2}address: from the LAN's DHCP server through host bridge br0 \(virtnet serves no DHCP on this network\)\n/,
    );
    virtnet('net-create', noDhcp);
    assert.match(
      virtnet('port-add', 'plain', '--owner', 'g2').out,
      /address: none from virtnet \(the network has no DHCP range\)/,
    );
    virtnet('net-create', nat);
    assert.match(virtnet('port-add', 'nat1', '--owner', 'g3').out, /address: assigned by DHCP/);
    for (const n of ['lan', 'plain', 'nat1']) virtnet('net-destroy', n);
  });

  test('-q drops informational lines of every kind of command, results stay', () => {
    assert.deepEqual(virtnet('-q', 'net-create', nat), { out: '', err: '', code: 0 });
    assert.deepEqual(virtnet('-q', 'port-add', 'nat1', '--owner', 'q1'), { out: '', err: '', code: 0 });
    assert.deepEqual(virtnet('-q', 'net-start', '--repair', 'nat1'), { out: '', err: '', code: 0 });
    const fwd = ['--listen-port', '8080', '--target', '192.168.160.50:80'];
    virtnet('net-destroy', 'nat1');
    virtnet('net-define', nat);
    virtnet('net-start', 'nat1');
    assert.deepEqual(virtnet('-q', 'net-forward-add', 'nat1', ...fwd), { out: '', err: '', code: 0 });
    assert.match(
      virtnet('-q', 'net-forward-list', 'nat1').out,
      /^ tcp +0\.0\.0\.0 +8080 +192\.168\.160\.50:80/,
    );
    assert.deepEqual(virtnet('-q', 'net-forward-delete', 'nat1', '--listen-port', '8080'), {
      out: '',
      err: '',
      code: 0,
    });
    assert.equal(virtnet('-q', 'help', 'net-list').out.endsWith('\n\n'), true);
    assert.equal(virtnet('-q', 'net-uuid', 'nat1').out.split('\n').length, 2);
    virtnet('net-destroy', 'nat1');
    virtnet('net-undefine', 'nat1');
  });

  test('net-event --event updated, and --all --json with every event as it arrives', async () => {
    virtnet('net-define', nat);
    const updated = background('net-event', '--event', 'updated', '--timeout', '10');
    const all = background('net-event', '--all', '--loop', '--json', '--timeout', '4');
    await new Promise((r) => setTimeout(r, 1200));
    virtnet('net-start', 'nat1');
    virtnet('net-autostart', 'nat1');
    virtnet('net-destroy', 'nat1');
    assert.deepEqual(await updated, {
      out: "event 'updated' for network nat1: autostart enabled\nevents received: 1\n\n",
      code: 0,
    });
    const r = await all;
    assert.equal(r.code, 0);
    const events = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; name: string; detail?: Record<string, unknown> });
    assert.deepEqual(
      events.map((e) => [e.type, e.name]),
      [
        ['started', 'nat1'],
        ['updated', 'nat1'],
        ['stopped', 'nat1'],
      ],
    );
    assert.deepEqual(events[1]?.detail, { autostart: true });
    virtnet('net-undefine', 'nat1');
  });

  test('net-event refuses kinds it does not know, as virsh does', () => {
    assert.deepEqual(virtnet('net-event', '--event', 'metadata-change'), {
      out: '\n',
      err: 'error: unknown event type metadata-change\n',
      code: 1,
    });
  });
});

describe('a daemon of another version', () => {
  test('the CLI warns once on stderr and still does its work', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'virtnet-cli-ver-'));
    const sock = join(dir, 'old.sock');
    const server = createServer((req, res) => {
      res.setHeader('x-virtnet-version', '0.0.1-old');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(req.url?.startsWith('/v1/networks') ? { networks: [] } : {}));
    });
    await new Promise<void>((r) => server.listen(sock, r));
    try {
      const r = await new Promise<{ out: string; err: string; code: number | null }>((resolve) => {
        const c = spawn(process.execPath, [join(ROOT, 'bin/virtnet'), '-c', `unix:${sock}`, 'net-list']);
        let out = '';
        let err = '';
        c.stdout.on('data', (b) => {
          out += b;
        });
        c.stderr.on('data', (b) => {
          err += b;
        });
        c.on('close', (code) => resolve({ out, err, code }));
      });
      assert.equal(r.code, 0);
      assert.equal(r.err, `warning: virtnetd at ${sock} is version 0.0.1-old, this virtnet is ${VERSION}\n`);
      assert.match(r.out, /^ Name {3}State {3}Autostart {3}Persistent\n/);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('no warning from a daemon of the same version (every API response names it)', async () => {
    const d = await startMemoryDaemon('virtnet-cli-same-');
    try {
      const r = cli(d.socket, 'net-list', '--all');
      assert.deepEqual([r.err, r.code], ['', 0]);
      for (const path of ['/v1/networks', '/v1/networks/nosuch', '/v1/nosuch']) {
        const version = await new Promise<unknown>((resolve, reject) =>
          request({ socketPath: d.socket, path }, (res) => {
            res.resume();
            resolve(res.headers['x-virtnet-version']);
          })
            .on('error', reject)
            .end(),
        );
        assert.equal(version, VERSION, path);
      }
    } finally {
      d.stop();
    }
  });
});
