// The CLI against virsh 9.0's recorded formats, and end to end against a real (memory-runtime) daemon:
// stdout, stderr and exit status as virsh prints them.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { formatLeases, formatNetInfo, formatNetList } from '../../../src/cli/format.js';
import { parseCommandArgs, specsFromHelp } from '../../../src/cli/options.js';

const ROOT = join(import.meta.dirname, '../../../..');
const OUT = join(ROOT, 'test/fixtures/conformance/libvirt-9.0/virsh-output');
/** virsh prints a newline after every command; the recorded files include it. */
const recorded = (f: string) => readFileSync(join(OUT, f), 'utf8');

describe('virsh formats', () => {
  test('net-list table', () => {
    const text = formatNetList([
      { name: 'default', uuid: 'x', active: true, persistent: true, autostart: false, mode: 'nat' },
    ]);
    assert.equal(`${text}\n`, recorded('net-list-all.txt'));
  });

  test('net-info', () => {
    const text = formatNetInfo({
      name: 'default',
      uuid: 'dd8fe884-6c02-601e-7551-cca97df1c5df',
      active: true,
      persistent: true,
      autostart: false,
      bridge: 'virbr0',
      mode: 'nat',
    });
    assert.equal(`${text}\n`, recorded('net-info.txt'));
  });

  test('net-dhcp-leases', () => {
    process.env.TZ = 'UTC';
    const expiry = Date.UTC(2026, 10, 22, 13, 27, 6) / 1000;
    const text = formatLeases([
      {
        expiryTime: expiry,
        mac: '52:54:00:aa:bb:02',
        protocol: 'ipv4',
        ipaddr: '192.168.122.56',
        prefix: 24,
        clientid: '01:52:54:00:aa:bb:02',
      },
    ]);
    assert.equal(`${text}\n`, recorded('net-dhcp-leases.txt'));
  });

  test('options are read from virsh help texts: positional, valued and flags', () => {
    const specs = specsFromHelp(readFileSync(join(ROOT, 'share/virsh-help/net-dhcp-leases.txt'), 'utf8'));
    assert.deepEqual(parseCommandArgs('net-dhcp-leases', specs, ['default', '--mac', '52:54:00:00:00:01']), {
      network: 'default',
      mac: '52:54:00:00:00:01',
    });
    assert.deepEqual(parseCommandArgs('net-dhcp-leases', specs, ['--network=default']), {
      network: 'default',
    });
    assert.throws(
      () => parseCommandArgs('net-dhcp-leases', specs, []),
      /command 'net-dhcp-leases' requires <network> option/,
    );
    assert.throws(
      () => parseCommandArgs('net-dhcp-leases', specs, ['x', '--bogus']),
      /doesn't support option --bogus/,
    );
  });
});

describe('virtnet against a daemon', () => {
  const dir = mkdtempSync(join(tmpdir(), 'virtnet-cli-'));
  const sock = join(dir, 'r', 'virtnet.sock');
  let daemon: ChildProcess;
  const xmlFile = join(dir, 'default.xml');
  writeFileSync(
    xmlFile,
    `<network>
  <name>default</name>
  <uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>
  <forward mode='nat'/>
  <bridge name='virbr0'/>
  <mac address='52:54:00:0a:0b:0c'/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
    </dhcp>
  </ip>
</network>
`,
  );
  const virtnet = (...args: string[]) => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/virtnet'), '-c', `unix:${sock}`, ...args], {
      encoding: 'utf8',
    });
    return { out: r.stdout, err: r.stderr, code: r.status };
  };

  before(async () => {
    daemon = spawn(
      process.execPath,
      [
        join(ROOT, 'bin/virtnetd'),
        '--runtime',
        'memory',
        '--config-dir',
        join(dir, 'c'),
        '--state-dir',
        join(dir, 's'),
        '--run-dir',
        join(dir, 'r'),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    daemon.stderr?.on('data', (b) => {
      log += b;
    });
    for (let i = 0; i < 200 && !log.includes('listening on'); i++)
      await new Promise((r) => setTimeout(r, 25));
  });
  after(() => {
    daemon.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test('net-define, net-list, net-info, net-start, net-autostart, net-destroy, net-undefine', () => {
    assert.deepEqual(virtnet('net-define', xmlFile), {
      out: `Network default defined from ${xmlFile}\n\n`,
      err: '',
      code: 0,
    });
    assert.equal(
      virtnet('net-list', '--all').out,
      ' Name      State      Autostart   Persistent\n----------------------------------------------\n default   inactive   no          yes\n\n',
    );
    assert.equal(virtnet('net-start', 'default').out, 'Network default started\n\n');
    assert.equal(virtnet('net-list').out, recorded('net-list-all.txt'));
    assert.equal(virtnet('net-info', 'default').out, recorded('net-info.txt'));
    assert.equal(virtnet('net-autostart', 'default').out, 'Network default marked as autostarted\n\n');
    assert.equal(
      virtnet('net-autostart', '--disable', 'default').out,
      'Network default unmarked as autostarted\n\n',
    );
    assert.equal(virtnet('net-uuid', 'default').out, 'dd8fe884-6c02-601e-7551-cca97df1c5df\n\n');
    assert.equal(virtnet('net-name', 'dd8fe884-6c02-601e-7551-cca97df1c5df').out, 'default\n\n');
    assert.equal(virtnet('net-list', '--name').out, 'default\n\n');
    assert.equal(virtnet('net-destroy', 'default').out, 'Network default destroyed\n\n');
    assert.equal(virtnet('net-undefine', 'default').out, 'Network default has been undefined\n\n');
  });

  test('net-dumpxml --inactive prints the canonical document', () => {
    virtnet('net-define', xmlFile);
    const out = virtnet('net-dumpxml', '--inactive', 'default').out;
    assert.match(out, /^<network>\n {2}<name>default<\/name>\n/);
    assert.match(out, /<bridge name='virbr0' stp='on' delay='0'\/>/);
    assert.ok(out.endsWith('</network>\n\n'));
    virtnet('net-undefine', 'default');
  });

  test('errors: virsh lines on stderr, exit status 1', () => {
    assert.deepEqual(virtnet('net-info', 'nope'), {
      out: '\n',
      err: "error: failed to get network 'nope'\nerror: Network not found: no network with matching name 'nope'\n",
      code: 1,
    });
    const bad = join(dir, 'bad.xml');
    writeFileSync(
      bad,
      '<network>\n  <name>x</name>\n  <forward mode="open" dev="eth0"/>\n  <ip address="10.0.0.1" prefix="24"/>\n</network>\n',
    );
    const r = virtnet('net-define', bad);
    assert.equal(r.code, 1);
    assert.equal(
      r.err,
      `error: Failed to define network from ${bad}\nerror: XML error: forward dev not allowed for network 'x' with forward mode='open'\n`,
    );
    assert.equal(virtnet('net-frobnicate').err, "error: unknown command: 'net-frobnicate'\n");
    assert.equal(virtnet('net-start').err, "error: command 'net-start' requires <network> option\n");
  });

  test('--json on read commands', () => {
    virtnet('net-define', xmlFile);
    const list = JSON.parse(virtnet('net-list', '--all', '--json').out);
    assert.equal(list[0].name, 'default');
    assert.equal(JSON.parse(virtnet('net-info', 'default', '--json').out).bridge, 'virbr0');
    virtnet('net-undefine', 'default');
  });

  test('help prints virsh help texts', () => {
    assert.equal(
      virtnet('help', 'net-list').out,
      readFileSync(join(ROOT, 'share/virsh-help/net-list.txt'), 'utf8'),
    );
  });

  test('an unreachable daemon is reported', () => {
    const r = spawnSync(
      process.execPath,
      [join(ROOT, 'bin/virtnet'), '-c', `unix:${dir}/none.sock`, 'net-list'],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^error: failed to connect to the hypervisor\n/);
  });
});
