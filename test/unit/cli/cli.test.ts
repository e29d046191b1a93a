// virtnet end to end against a real (memory-runtime) daemon: stdout, stderr and exit status as virsh
// 9.0 prints them.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type MemoryDaemon, startMemoryDaemon } from '../../helpers/memory-daemon.js';

const ROOT = join(import.meta.dirname, '../../../..');
const OUT = join(ROOT, 'test/fixtures/conformance/libvirt-9.0/virsh-output');
/** virsh prints a newline after every command; the recorded files include it. */
const recorded = (f: string) => readFileSync(join(OUT, f), 'utf8');
const EXPECTED = join(ROOT, 'test/unit/cli/expected');
/** Goldens derived from virsh 9.0's formats (vsh-table.c, virsh-network.c). */
const expected = (f: string) => readFileSync(join(EXPECTED, f), 'utf8');

describe('virtnet against a daemon', () => {
  const dir = mkdtempSync(join(tmpdir(), 'virtnet-cli-'));
  let d: MemoryDaemon;
  let sock = '';
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
  const run = (env: Record<string, string>, input: string, ...args: string[]) => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/virtnet'), '-c', `unix:${sock}`, ...args], {
      encoding: 'utf8',
      env: { ...process.env, ...env },
      input,
    });
    return { out: r.stdout, err: r.stderr, code: r.status };
  };
  const virtnet = (...args: string[]) => run({}, '', ...args);
  /** Runs virtnet in the background (for net-event), collecting its output. */
  const background = (...args: string[]) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/virtnet'), '-c', `unix:${sock}`, ...args]);
    let out = '';
    child.stdout.on('data', (b) => {
      out += b;
    });
    return new Promise<{ out: string; code: number | null }>((resolve) =>
      child.on('close', (code) => resolve({ out, code })),
    );
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  before(async () => {
    d = await startMemoryDaemon('virtnet-cli-');
    sock = d.socket;
  });
  after(() => {
    d?.stop();
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
    // parse errors: nothing on stdout (virsh fails before running the command)
    assert.deepEqual(virtnet('net-frobnicate'), {
      out: '',
      err: "error: unknown command: 'net-frobnicate'\n",
      code: 1,
    });
    assert.deepEqual(virtnet('net-start'), {
      out: '',
      err: "error: command 'net-start' requires <network> option\n",
      code: 1,
    });
    assert.deepEqual(virtnet('net-list', '--bogus'), {
      out: '',
      err: "error: command 'net-list' doesn't support option --bogus\n",
      code: 1,
    });
    assert.deepEqual(virtnet('net-list', '--name', '--uuid'), {
      out: '\n',
      err: 'error: Only one argument from --table, --name and --uuid may be specified.\n',
      code: 1,
    });
    const missing = join(dir, 'missing.xml');
    assert.deepEqual(virtnet('net-define', missing), {
      out: '\n',
      err: `error: Failed to open file '${missing}': No such file or directory\n`,
      code: 1,
    });
    assert.deepEqual(virtnet('net-uuid', 'nope'), {
      out: '\n',
      err: "error: failed to get network 'nope'\nerror: Network not found: no network with matching name 'nope'\n",
      code: 1,
    });
  });

  test('net-create makes a transient running network that net-destroy removes', () => {
    assert.deepEqual(virtnet('net-create', xmlFile), {
      out: `Network default created from ${xmlFile}\n\n`,
      err: '',
      code: 0,
    });
    assert.equal(
      virtnet('net-list', '--transient').out,
      ' Name      State    Autostart   Persistent\n--------------------------------------------\n default   active   no          no\n\n',
    );
    assert.equal(virtnet('net-destroy', 'default').out, 'Network default destroyed\n\n');
    assert.equal(virtnet('net-list', '--all', '--name').out, '\n');
  });

  test('net-name takes UUIDs only, net-uuid names only', () => {
    virtnet('net-define', xmlFile);
    assert.deepEqual(virtnet('net-name', 'default'), {
      out: '\n',
      err: "error: failed to get network 'default'\n",
      code: 1,
    });
    const u = 'dd8fe884-6c02-601e-7551-cca97df1c5df';
    assert.deepEqual(virtnet('net-uuid', u), {
      out: '\n',
      err: `error: failed to get network '${u}'\nerror: Network not found: no network with matching name '${u}'\n`,
      code: 1,
    });
    assert.equal(virtnet('net-info', u).out.split('\n')[0], 'Name:           default');
    virtnet('net-undefine', 'default');
  });

  test('start/destroy state errors carry virsh first lines', () => {
    virtnet('net-define', xmlFile);
    const r = virtnet('net-destroy', 'default');
    assert.equal(r.code, 1);
    assert.match(r.err, /^error: Failed to destroy network default\nerror: .+\n$/);
    virtnet('net-start', 'default');
    const s = virtnet('net-start', 'default');
    assert.equal(s.code, 1);
    assert.match(s.err, /^error: Failed to start network default\nerror: .+\n$/);
    virtnet('net-destroy', 'default');
    virtnet('net-undefine', 'default');
  });

  test('-q drops informational lines, table headers and the trailing empty line', () => {
    assert.deepEqual(virtnet('-q', 'net-define', xmlFile), { out: '', err: '', code: 0 });
    assert.equal(virtnet('-q', 'net-list', '--all').out, ' default   inactive   no   yes\n');
    assert.equal(virtnet('-q', 'net-uuid', 'default').out, 'dd8fe884-6c02-601e-7551-cca97df1c5df\n');
    assert.equal(virtnet('-q', 'net-autostart', 'default').out, '');
    assert.equal(virtnet('-q', 'net-undefine', 'default').out, '');
  });

  test('net-list filters and --uuid', () => {
    virtnet('net-define', xmlFile);
    assert.equal(virtnet('net-list').out, expected('net-list-empty.txt'));
    assert.equal(virtnet('net-list', '--inactive', '--uuid').out, 'dd8fe884-6c02-601e-7551-cca97df1c5df\n\n');
    assert.equal(virtnet('net-list', '--all', '--autostart', '--name').out, '\n');
    assert.equal(virtnet('net-list', '--all', '--no-autostart', '--name').out, 'default\n\n');
    assert.equal(virtnet('net-list', '--all', '--transient', '--name').out, '\n');
    virtnet('net-undefine', 'default');
  });

  test('net-event prints lifecycle events, then the count', async () => {
    const once = background('net-event', '--event', 'lifecycle', '--timeout', '10');
    const looped = background(
      'net-event',
      '--event',
      'lifecycle',
      '--loop',
      '--timeout',
      '2',
      '--network',
      'x',
    );
    await sleep(1200);
    virtnet('net-define', xmlFile);
    virtnet('net-start', 'default');
    assert.deepEqual(await once, {
      out: "event 'lifecycle' for network default: Defined\nevents received: 1\n\n",
      code: 0,
    });
    // --network of an unknown network fails like every lookup
    assert.equal((await looped).code, 1);
    const loop = background(
      'net-event',
      '--event',
      'lifecycle',
      '--loop',
      '--timeout',
      '4',
      '--network',
      'default',
    );
    await sleep(1200);
    virtnet('net-destroy', 'default');
    virtnet('net-start', 'default');
    assert.deepEqual(await loop, {
      out: "event 'lifecycle' for network default: Stopped\nevent 'lifecycle' for network default: Started\nevent loop timed out\nevents received: 2\n\n",
      code: 0,
    });
    assert.deepEqual(await background('net-event', '--event', 'lifecycle', '--timeout', '1'), {
      out: 'event loop timed out\nevents received: 0\n\n',
      code: 1,
    });
    assert.equal(virtnet('net-event').err, 'error: either --list or --event <type> is required\n');
    assert.equal(virtnet('net-event', '--list').out, 'lifecycle\nlease\nupdated\nrepaired\nfailed\n\n');
    virtnet('net-destroy', 'default');
    virtnet('net-undefine', 'default');
  });

  test('net-edit: unchanged, edited, failed then given up', () => {
    virtnet('net-define', xmlFile);
    assert.deepEqual(run({ VISUAL: 'true' }, '', 'net-edit', 'default'), {
      out: 'Network default XML configuration not changed.\n\n',
      err: '',
      code: 0,
    });
    const edit = join(dir, 'edit.sh');
    writeFileSync(edit, '#!/bin/sh\nsed -i "s/virbr0/virbr9/" "$1"\n');
    chmodSync(edit, 0o755);
    assert.deepEqual(run({ VISUAL: edit }, '', 'net-edit', 'default'), {
      out: 'Network default XML configuration edited.\n\n',
      err: '',
      code: 0,
    });
    assert.match(virtnet('net-dumpxml', '--inactive', 'default').out, /<bridge name='virbr9'/);
    const breakIt = join(dir, 'break.sh');
    writeFileSync(breakIt, '#!/bin/sh\nsed -i "s/<name>/<nam>/" "$1"\n');
    chmodSync(breakIt, 0o755);
    const r = run({ VISUAL: breakIt }, '?\nn\n', 'net-edit', 'default');
    assert.equal(r.code, 1);
    assert.match(r.err, /^error: XML error: /);
    assert.match(r.out, /^Failed\. Try again\? \[y,n,f,\?\]:y - yes, start editor again\n/);
    assert.ok(r.out.endsWith('Failed. Try again? [y,n,f,?]:\n'));
    virtnet('net-undefine', 'default');
  });

  test('net-dhcp-leases on a network without leases prints the header', () => {
    virtnet('net-define', xmlFile);
    virtnet('net-start', 'default');
    assert.deepEqual(virtnet('net-dhcp-leases', 'default'), {
      out: `${' Expiry Time   MAC address   Protocol   IP address   Hostname   Client ID or DUID'}\n${'-'.repeat(83)}\n\n`,
      err: '',
      code: 0,
    });
    assert.deepEqual(JSON.parse(virtnet('net-dhcp-leases', 'default', '--json').out), []);
    virtnet('net-destroy', 'default');
    virtnet('net-undefine', 'default');
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
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      `error: failed to connect to the hypervisor\nerror: Failed to connect socket to '${dir}/none.sock': No such file or directory\n`,
    );
  });
});
