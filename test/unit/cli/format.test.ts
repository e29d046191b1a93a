// The CLI's pure pieces against virsh 9.0's recorded formats and goldens: tables, net-info, leases,
// option parsing from virsh help texts, bash completion.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  formatLeases,
  formatNetInfo,
  formatNetList,
  formatTable,
  rawTimestamp,
} from '../../../src/cli/format.js';
import { parseCommandArgs, specsFromHelp } from '../../../src/cli/options.js';

const ROOT = join(import.meta.dirname, '../../../..');
const OUT = join(ROOT, 'test/fixtures/conformance/libvirt-9.0/virsh-output');
/** virsh prints a newline after every command; the recorded files include it. */
const recorded = (f: string) => readFileSync(join(OUT, f), 'utf8');
const EXPECTED = join(ROOT, 'test/unit/cli/expected');
/** Goldens derived from virsh 9.0's formats (vsh-table.c, virsh-network.c). */
const expected = (f: string) => readFileSync(join(EXPECTED, f), 'utf8');
const net = (name: string, active: boolean, persistent = true, autostart = false) => ({
  name,
  uuid: `00000000-0000-0000-0000-${String(name.length).padStart(12, '0')}`,
  active,
  persistent,
  autostart,
  mode: 'nat',
});

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

  test('net-list: widths follow the longest cell, rows sorted case-insensitively, empty list', () => {
    assert.equal(
      `${formatNetList([net('isolated1', false), net('default', true)])}\n`,
      expected('net-list-two.txt'),
    );
    assert.equal(
      `${formatNetList([net('b', true), net('A', true), net('c', true)])}`.split('\n')[2],
      ' A      active   no          yes',
    );
    assert.equal(`${formatNetList([])}\n`, expected('net-list-empty.txt'));
  });

  test('quiet tables drop header and dashes and size columns by the rows', () => {
    assert.equal(formatNetList([net('default', true)], true), ' default   active   no   yes\n');
    assert.equal(formatNetList([], true), '');
    assert.equal(
      formatTable(['A', 'Long header'], [['x', 'y']]),
      ' A   Long header\n------------------\n x   y\n',
    );
  });

  test('net-info without a bridge omits the Bridge line', () => {
    const text = formatNetInfo({ ...net('hostdev', false), bridge: undefined });
    assert.equal(text.split('\n').length, 6);
    assert.ok(!text.includes('Bridge:'));
    assert.match(text, /^Name: {11}hostdev\nUUID: {11}/);
  });

  test('leases: sorted by MAC, ipv6, missing values as -', () => {
    process.env.TZ = 'UTC';
    const text = formatLeases([
      {
        expiryTime: 1800000000,
        mac: '52:54:00:bb:00:01',
        protocol: 'ipv6',
        ipaddr: 'fd00::10',
        prefix: 64,
        hostname: 'vm2',
        clientid: '00:04:aa',
      },
      { expiryTime: 1800000000, mac: '52:54:00:AA:00:01', protocol: 'ipv4', ipaddr: '10.0.0.5', prefix: 24 },
    ]);
    assert.equal(`${text}\n`, expected('net-dhcp-leases-two.txt'));
  });

  test('event timestamps as virTimeStringNowRaw prints them', () => {
    assert.equal(rawTimestamp(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 67))), '2026-01-02 03:04:05.067+0000');
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
    const event = specsFromHelp(readFileSync(join(ROOT, 'share/virsh-help/net-event.txt'), 'utf8'));
    assert.throws(
      () => parseCommandArgs('net-event', event, ['--timeout']),
      /^Error: expected syntax: --timeout <number>$/,
    );
    assert.deepEqual(
      parseCommandArgs('net-event', event, ['--loop', '--timeout=3', '--event', 'lifecycle']),
      {
        loop: true,
        timeout: '3',
        event: 'lifecycle',
      },
    );
    assert.throws(
      () =>
        parseCommandArgs(
          'net-info',
          specsFromHelp(readFileSync(join(ROOT, 'share/virsh-help/net-info.txt'), 'utf8')),
          ['a', 'b'],
        ),
      /unexpected data 'b'/,
    );
    assert.throws(
      () => parseCommandArgs('net-dhcp-leases', specs, ['x', '--bogus']),
      /doesn't support option --bogus/,
    );
  });
});

describe('bash completion', () => {
  const complete = (line: string) => {
    const words = line.split(' ');
    const script = `source ${join(ROOT, 'completions/virtnet.bash')}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}
_virtnet; printf '%s\\n' "\${COMPREPLY[@]}"`;
    return spawnSync('bash', ['-c', script], { encoding: 'utf8' }).stdout.trim().split('\n');
  };
  test('commands and per-command options', () => {
    assert.deepEqual(complete('virtnet net-d'), [
      'net-define',
      'net-destroy',
      'net-dhcp-leases',
      'net-dumpxml',
    ]);
    assert.deepEqual(complete('virtnet net-dumpxml --i'), ['--inactive']);
    assert.deepEqual(complete('virtnet -q net-event --event l'), ['lifecycle', 'lease']);
    assert.deepEqual(complete('virtnet net-forward-add x --proto u'), ['udp']);
  });

  test('every command is completed, and nothing that is not one', async () => {
    const { COMMANDS } = await import('../../../src/cli/registry.js');
    assert.deepEqual(complete('virtnet '), Object.keys(COMMANDS).sort());
  });

  test("each command's options are completed: exactly the ones it accepts", async () => {
    const { COMMANDS } = await import('../../../src/cli/registry.js');
    const { commandHelp } = await import('../../../src/cli/help-texts.js');
    const { optionTable } = await import('../../../src/cli/run-command.js');
    for (const name of Object.keys(COMMANDS)) {
      if (name === 'help') continue;
      const accepted = optionTable(name, commandHelp(name) ?? '').map((o) => `--${o.name}`);
      assert.deepEqual(complete(`virtnet ${name} --`).sort(), accepted.sort(), name);
    }
    assert.deepEqual(complete('virtnet help virt'), ['virtnet']);
  });
});
