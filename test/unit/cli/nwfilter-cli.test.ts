// The nwfilter commands against a real (memory-runtime) daemon holding libvirt 9.0's standard filters with the
// UUIDs of the recorded virsh session: output, errors and exit status as virsh 9.0 printed them.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

const ROOT = join(import.meta.dirname, '../../../..');
const FIX = join(ROOT, 'test/fixtures/conformance');
const OUT = join(FIX, 'libvirt-9.0/virsh-output');
const recorded = (f: string) => readFileSync(join(OUT, f), 'utf8');

describe('virtnet nwfilter-* as virsh 9.0', () => {
  const dir = mkdtempSync(join(tmpdir(), 'virtnet-nwf-cli-'));
  const sock = join(dir, 'r', 'virtnet.sock');
  let daemon: ChildProcess;
  const run = (cwd: string, ...args: string[]) => runEnv(cwd, {}, '', ...args);
  const runEnv = (cwd: string, env: Record<string, string>, input: string, ...args: string[]) => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/virtnet'), '-c', `unix:${sock}`, ...args], {
      encoding: 'utf8',
      cwd,
      env: { ...process.env, ...env },
      input,
    });
    return { out: r.stdout, err: r.stderr, code: r.status };
  };
  const virtnet = (...args: string[]) => run(dir, ...args);

  before(async () => {
    // the filter directory as libvirt 9.0 left it (so no first-start install, and virsh's UUIDs)
    mkdirSync(join(dir, 'c', 'nwfilter'), { recursive: true });
    for (const f of readdirSync(join(FIX, 'libvirt/nwfilter-standard')))
      if (f.endsWith('.xml'))
        cpSync(join(FIX, 'libvirt/nwfilter-standard', f), join(dir, 'c', 'nwfilter', f));
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
    for (let i = 0; i < 400 && !(log.includes('listening on') && existsSync(sock)); i++) {
      if (daemon.exitCode !== null) throw new Error(`virtnetd exited: ${log}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.ok(existsSync(sock), log);
  });
  after(() => {
    if (daemon?.exitCode === null) daemon.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test('nwfilter-list prints the standard filters as virsh 9.0 did', () => {
    assert.deepEqual(virtnet('nwfilter-list'), { out: recorded('nwfilter-list.txt'), err: '', code: 0 });
  });

  test('nwfilter-dumpxml, by name and by UUID', () => {
    const r = virtnet('nwfilter-dumpxml', 'clean-traffic');
    assert.deepEqual(r, { out: recorded('nwfilter-dumpxml-clean-traffic.xml'), err: '', code: 0 });
    assert.equal(virtnet('nwfilter-dumpxml', 'cb4c2978-bb0d-491e-ae86-c79811e1e44f').out, r.out);
    assert.deepEqual(virtnet('nwfilter-dumpxml', 'nope'), {
      out: '\n',
      err: "error: failed to get nwfilter 'nope'\nerror: Network filter not found: no nwfilter with matching name 'nope'\n",
      code: 1,
    });
  });

  test("nwfilter-define refuses as libvirt 9.0, in virsh's words", () => {
    const base = 'libvirt/nwfilterxml2xmlin';
    for (const f of ['tcp-test-invalid', 'vlan-test-invalid', 'udp-ipv6-test-invalid']) {
      const r = run(FIX, 'nwfilter-define', `${base}/${f}.xml`);
      const want = readFileSync(join(FIX, 'libvirt-9.0/nwfilter-xml2xml', `${f}.err`), 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => `error: ${l}\n`)
        .join('');
      assert.deepEqual(r, { out: '\n', err: want, code: 1 }, f);
    }
  });

  test('nwfilter-define, undefine and their messages', () => {
    const r = run(FIX, 'nwfilter-define', 'libvirt/nwfilterxml2xmlin/example-1.xml');
    assert.deepEqual(r, {
      out: 'Network filter testcase defined from libvirt/nwfilterxml2xmlin/example-1.xml\n\n',
      err: '',
      code: 0,
    });
    assert.equal(
      virtnet('nwfilter-dumpxml', 'testcase').out,
      `${readFileSync(join(FIX, 'libvirt-9.0/nwfilter-xml2xml/example-1.xml'), 'utf8')}`,
    );
    assert.deepEqual(virtnet('nwfilter-undefine', 'testcase'), {
      out: 'Network filter testcase undefined\n\n',
      err: '',
      code: 0,
    });
    assert.equal(virtnet('-q', 'nwfilter-list').out.includes('testcase'), false);
  });

  test('nwfilter-binding-create, -list, -dumpxml and -delete as virsh 9.0', () => {
    const xml = join(dir, 'binding.xml');
    writeFileSync(xml, readFileSync(join(FIX, 'libvirt-9.0/nwfilter-behaviour/clean-traffic.binding.xml')));
    assert.deepEqual(virtnet('nwfilter-binding-create', xml), {
      out: `Network filter binding on nwfv1 created from ${xml}\n\n`,
      err: '',
      code: 0,
    });
    assert.deepEqual(virtnet('nwfilter-binding-list'), {
      out: recorded('nwfilter-binding-list.txt'),
      err: '',
      code: 0,
    });
    assert.deepEqual(virtnet('nwfilter-binding-dumpxml', 'nwfv1'), {
      out: recorded('nwfilter-binding-dumpxml.xml'),
      err: '',
      code: 0,
    });
    const inUse = virtnet('nwfilter-undefine', 'no-mac-spoofing');
    assert.deepEqual(inUse, {
      out: '\n',
      err: 'error: Failed to undefine network filter no-mac-spoofing\nerror: Requested operation is not valid: nwfilter is in use\n',
      code: 1,
    });
    assert.deepEqual(virtnet('nwfilter-binding-delete', 'nwfv1'), {
      out: 'Network filter binding on nwfv1 deleted\n\n',
      err: '',
      code: 0,
    });
    assert.deepEqual(virtnet('nwfilter-binding-delete', 'nwfv1'), {
      out: '\n',
      err: "error: failed to get nwfilter binding 'nwfv1'\nerror: Network filter binding not found: no nwfilter binding for port dev 'nwfv1'\n",
      code: 1,
    });
  });

  test('nwfilter-edit: unchanged, edited (and re-applied), refused then given up', () => {
    assert.deepEqual(runEnv(dir, { VISUAL: 'true' }, '', 'nwfilter-edit', 'allow-arp'), {
      out: 'Network filter allow-arp XML configuration not changed.\n\n',
      err: '',
      code: 0,
    });
    const edit = join(dir, 'edit.sh');
    writeFileSync(edit, `#!/bin/sh\nsed -i "s/priority='500'\\/>/priority='400'\\/>/" "$1"\n`);
    chmodSync(edit, 0o755);
    assert.deepEqual(runEnv(dir, { VISUAL: edit }, '', 'nwfilter-edit', 'allow-arp'), {
      out: 'Network filter allow-arp XML configuration edited.\n\n',
      err: '',
      code: 0,
    });
    assert.match(
      virtnet('nwfilter-dumpxml', 'allow-arp').out,
      /<rule action='accept' direction='inout' priority='400'\/>/,
    );
    const breakIt = join(dir, 'break.sh');
    writeFileSync(breakIt, `#!/bin/sh\nsed -i "s/direction='inout'/direction='up'/" "$1"\n`);
    chmodSync(breakIt, 0o755);
    const r = runEnv(dir, { VISUAL: breakIt }, 'n\n', 'nwfilter-edit', 'allow-arp');
    assert.equal(r.code, 1);
    assert.equal(r.err, 'error: unsupported configuration: unknown rule direction attribute value\n');
    assert.ok(r.out.endsWith('Failed. Try again? [y,n,f,?]:\n'));
  });

  test("help texts are virsh 9.0's", () => {
    const share = join(ROOT, 'share/virsh-help');
    assert.equal(
      virtnet('help', 'filter').out,
      `${readFileSync(join(share, '_filter.txt'), 'utf8').replace(/\n$/, '')}\n`,
    );
    assert.equal(
      virtnet('nwfilter-binding-create', '--help').out,
      `${readFileSync(join(share, 'nwfilter-binding-create.txt'), 'utf8').replace(/\n$/, '')}\n`,
    );
  });
});
