// virtnet import-libvirt [--dir DIR] [--takeover]: libvirt's networks defined in virtnet unchanged (names, UUIDs,
// bridges, autostart); with --takeover each network libvirt runs is stopped there (virsh) and started by virtnet
// with the same bridge name, and libvirt's autostart is turned off so the two never fight over a bridge.

import { execFile } from 'node:child_process';
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { NetworkInfo } from '../../api/types.js';
import type { CommandContext, CommandTable } from '../command.js';
import { enc, readInputFile, str } from '../command-kit.js';
import { CliError } from '../errors.js';

interface LibvirtNetwork {
  /** libvirt names the file after the network. */
  name: string;
  file: string;
  autostart: boolean;
}

interface ImportReport {
  imported: Array<{ name: string; file: string; autostart: boolean }>;
  takenOver: string[];
  failed: Array<{ name: string; message: string }>;
}

/** NAME.xml files of libvirt's network directory; autostart is the presence of autostart/NAME.xml. */
function readLibvirtDir(dir: string): LibvirtNetwork[] {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch (e) {
    throw new CliError([`cannot read libvirt's network directory '${dir}': ${(e as Error).message}`]);
  }
  return files
    .filter((f) => f.endsWith('.xml') && !f.startsWith('.'))
    .sort()
    .map((f) => ({
      name: f.slice(0, -4),
      file: join(dir, f),
      autostart: present(join(dir, 'autostart', f)),
    }));
}

function present(path: string): boolean {
  try {
    // libvirt's links point at absolute paths of its own directory: only the link itself matters
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Runs virsh (argv, no shell); rejects with virsh's own error text. */
function virsh(uri: string, args: string[]): Promise<string> {
  const argv = uri ? ['-c', uri, ...args] : args;
  return new Promise((resolve, reject) => {
    execFile('virsh', argv, { encoding: 'utf8', timeout: 60000 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const text = stderr.replace(/^error: /gm, '').trim() || err.message;
      reject(new Error(`virsh ${args.join(' ')}: ${text.split('\n').join('; ')}`));
    });
  });
}

async function activeInLibvirt(uri: string): Promise<Set<string>> {
  const out = await virsh(uri, ['-q', 'net-list', '--name']);
  return new Set(
    out
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean),
  );
}

/** Stops libvirt's copy, starts virtnet's; gives the network back to libvirt when virtnet's start fails. */
async function takeOver(ctx: CommandContext, uri: string, name: string): Promise<void> {
  await virsh(uri, ['net-destroy', name]);
  try {
    await ctx.request(
      'POST',
      `/v1/networks/${enc(name)}/start`,
      undefined,
      `Failed to start network ${name}`,
    );
  } catch (e) {
    const back = await virsh(uri, ['net-start', name]).then(
      () => 'libvirt runs it again',
      (err: Error) => `and libvirt could not start it again: ${err.message}`,
    );
    const lines = e instanceof CliError ? e.lines : [(e as Error).message];
    throw new Error(`${lines.join(': ')} (${back})`);
  }
}

async function importLibvirt(ctx: CommandContext): Promise<void> {
  const a = ctx.args;
  const dir = str(a.dir) || '/etc/libvirt/qemu/networks';
  const uri = str(a['libvirt-uri']);
  const dry = !!a['dry-run'];
  const nets = readLibvirtDir(dir);
  const active = a.takeover ? await activeInLibvirt(uri) : new Set<string>();
  const report: ImportReport = { imported: [], takenOver: [], failed: [] };
  const say = (line: string) => {
    if (!a.json) ctx.extra(`${line}\n`);
  };
  for (const n of nets) {
    const auto = n.autostart ? ' (autostart)' : '';
    if (dry) {
      say(`would import network ${n.name} from ${n.file}${auto}`);
      if (a.takeover && n.autostart) say(`would turn off libvirt's autostart of ${n.name}`);
      if (active.has(n.name)) say(`would stop libvirt's network ${n.name} and start virtnet's`);
      continue;
    }
    try {
      const info = await ctx.request<NetworkInfo>(
        'POST',
        '/v1/networks',
        readInputFile(n.file),
        `Failed to import network from ${n.file}`,
      );
      if (n.autostart) {
        await ctx.request('PUT', `/v1/networks/${enc(info.name)}/autostart`, '{"autostart":true}');
      }
      report.imported.push({ name: info.name, file: n.file, autostart: n.autostart });
      say(`Network ${info.name} imported from ${n.file}${auto}`);
      if (!a.takeover) continue;
      if (n.autostart) await virsh(uri, ['net-autostart', '--disable', n.name]);
      if (active.has(n.name) && !info.active) {
        await takeOver(ctx, uri, info.name);
        report.takenOver.push(info.name);
        say(`Network ${info.name} taken over from libvirt${info.bridge ? ` (bridge ${info.bridge})` : ''}`);
      }
    } catch (e) {
      const lines = e instanceof CliError ? e.lines : [(e as Error).message];
      report.failed.push({ name: n.name, message: lines.join(': ') });
    }
  }
  if (a.json) ctx.out(`${JSON.stringify(report, null, 2)}\n`);
  else if (!dry) say(`${report.imported.length} network(s) imported, ${report.takenOver.length} taken over`);
  if (report.failed.length) throw new CliError(report.failed.map((f) => `network ${f.name}: ${f.message}`));
}

export const COMMANDS: CommandTable = { 'import-libvirt': { run: importLibvirt } };
