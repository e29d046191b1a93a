// A throwaway network namespace for runtime tests: runs the runtime driver and probes (ip -j, nft -j) inside it,
// and on dispose kills every process it started or that runs with its state directory, then deletes the namespace.

import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  constants,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DRIVER = join(import.meta.dirname, 'runtime-driver.js');

export const isRoot = process.getuid?.() === 0;

export interface DriverResult {
  code: number;
  stdout: string;
  stderr: string;
}

const live = new Set<RuntimeNs>();
// a test run that is interrupted or dies still removes its namespaces and processes
process.on('exit', () => {
  for (const ns of live) ns.dispose();
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    for (const ns of live) ns.dispose();
    process.exit(130);
  });
}

export class RuntimeNs {
  readonly name = `vnt-rt-${randomBytes(4).toString('hex')}`;
  readonly dir = mkdtempSync(join(tmpdir(), 'vnt-rt-'));
  private readonly children = new Set<ChildProcess>();

  constructor() {
    // dnsmasq drops root for `nobody`, which must still reach its hosts files under this directory
    chmodSync(this.dir, 0o755);
    execFileSync('ip', ['netns', 'add', this.name]);
    live.add(this);
    this.sh(['ip', 'link', 'set', 'lo', 'up']);
  }

  /** Runs a command inside the namespace and returns its stdout (throws on failure). */
  sh(argv: string[], env?: Record<string, string>): string {
    return execFileSync('ip', ['netns', 'exec', this.name, ...argv], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
  }

  /** Like sh but reports the exit status instead of throwing. */
  tryRun(argv: string[], env?: Record<string, string>): DriverResult {
    const r = spawnSync('ip', ['netns', 'exec', this.name, ...argv], {
      encoding: 'utf8',
      env: { ...process.env, ...env },
      timeout: 20000,
    });
    return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  /** Writes network XML to a file of this namespace's directory and returns its path. */
  writeXml(name: string, xml: string): string {
    const p = join(this.dir, `${name}.xml`);
    writeFileSync(p, xml);
    return p;
  }

  get stateDir(): string {
    return join(this.dir, 'state');
  }

  driver(cmd: string, xmlFile: string, env?: Record<string, string>): DriverResult {
    return this.tryRun([process.execPath, DRIVER, cmd, this.stateDir, xmlFile], env);
  }

  /** Starts `driver supervise` in the background; `lines` receives its stdout JSON lines. */
  supervise(
    xmlFile: string,
    env?: Record<string, string>,
  ): {
    child: ChildProcess;
    lines: unknown[];
    stderr: () => string;
    waitFor: (pred: (l: unknown) => boolean, ms: number) => Promise<unknown>;
  } {
    const child = spawn(
      'ip',
      ['netns', 'exec', this.name, process.execPath, DRIVER, 'supervise', this.stateDir, xmlFile],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...env },
      },
    );
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    const lines: unknown[] = [];
    let buf = '';
    const waiters: Array<() => void> = [];
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      let i = buf.indexOf('\n');
      while (i >= 0) {
        lines.push(JSON.parse(buf.slice(0, i)));
        buf = buf.slice(i + 1);
        i = buf.indexOf('\n');
      }
      for (const w of waiters) w();
    });
    const waitFor = (pred: (l: unknown) => boolean, ms: number) =>
      new Promise<unknown>((resolve, reject) => {
        const check = () => {
          const hit = lines.find(pred);
          if (hit !== undefined) {
            clearTimeout(t);
            resolve(hit);
          }
        };
        const t = setTimeout(() => reject(new Error(`timeout; got ${JSON.stringify(lines)}`)), ms);
        waiters.push(check);
        check();
      });
    return { child, lines, stderr: () => stderr, waitFor };
  }

  links(): Array<{
    ifname: string;
    mtu: number;
    address: string;
    flags: string[];
    linkinfo?: { info_kind?: string };
  }> {
    return JSON.parse(this.sh(['ip', '-j', '-d', 'link', 'show']));
  }

  addrs(dev: string): string[] {
    const j = JSON.parse(this.sh(['ip', '-j', 'addr', 'show', 'dev', dev])) as Array<{
      addr_info: Array<{ local: string; prefixlen: number }>;
    }>;
    return (j[0]?.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`);
  }

  /** Chain names of the virtnet table (JSON of `list chains`: nft 1.0.6 breaks the JSON of an owned table). */
  chains(): string[] {
    const r = this.tryRun(['nft', '-j', 'list', 'chains', 'inet']);
    if (r.code !== 0) return [];
    const objs = (JSON.parse(r.stdout) as { nftables: Array<Record<string, Record<string, unknown>>> })
      .nftables;
    return objs.filter((o) => o.chain && o.chain.table === 'virtnet').map((o) => o.chain?.name as string);
  }

  /** Rules of one chain of the virtnet table as nft JSON rule objects. */
  chainRules(chain: string): Array<Record<string, unknown>> {
    const r = this.tryRun(['nft', '-j', 'list', 'chain', 'inet', 'virtnet', chain]);
    if (r.code !== 0) return [];
    const objs = (JSON.parse(r.stdout) as { nftables: Array<Record<string, Record<string, unknown>>> })
      .nftables;
    return objs.flatMap((o) => (o.rule ? [o.rule] : []));
  }

  /** Whether the virtnet table exists. */
  hasTable(): boolean {
    return this.tryRun(['nft', 'list', 'tables']).stdout.split('\n').includes('table inet virtnet');
  }

  /** Keys of a verdict map (interface names). */
  mapKeys(map: string): string[] {
    const r = this.tryRun(['nft', '-j', 'list', 'map', 'inet', 'virtnet', map]);
    if (r.code !== 0) return [];
    const objs = (JSON.parse(r.stdout) as { nftables: Array<Record<string, Record<string, unknown>>> })
      .nftables;
    const elems = (objs.find((o) => o.map)?.map?.elem as Array<[string, unknown]> | undefined) ?? [];
    return elems.map((e) => e[0]);
  }

  /**
   * Runs nft statements as the owner of virtnet's table, through the session's FIFO (nobody else may change the
   * table: `flags owner`). Drift for tests: what a bug of virtnet's own could leave behind.
   */
  nftAsOwner(statement: string): void {
    const fifo = join(this.stateDir, 'run', 'nft-session.in');
    const fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    try {
      writeSync(fd, `${statement}\n`);
    } finally {
      closeSync(fd);
    }
    execFileSync('sleep', ['0.2']);
  }

  /** Ends the nft session that owns the table (the kernel then deletes the table), as a crash would. */
  killNftSession(): void {
    for (const pid of this.nftSessionPids()) process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 50 && this.hasTable(); i++) execFileSync('sleep', ['0.05']);
  }

  /** PIDs of dnsmasq processes started with a configuration file under this namespace's directory. */
  dnsmasqPids(): number[] {
    const out: number[] = [];
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
        if (cmd.startsWith('dnsmasq') || cmd.includes('/dnsmasq\0')) {
          if (cmd.includes(this.dir)) out.push(Number(d));
        }
      } catch {
        // gone meanwhile
      }
    }
    return out;
  }

  /** PIDs of the nft sessions owning a table in this namespace (their `-I` names our directory). */
  nftSessionPids(): number[] {
    const out: number[] = [];
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
        if (/(^|\/)nft$/.test(argv[0] ?? '') && argv.some((a) => a.startsWith(this.dir))) out.push(Number(d));
      } catch {
        // gone meanwhile
      }
    }
    return out;
  }

  /** UDP sockets bound in the namespace, as "addr:port". */
  udpListeners(): string[] {
    return this.sh(['ss', '-lnuH'])
      .split('\n')
      .filter(Boolean)
      .map((l) => l.trim().split(/\s+/)[3] as string);
  }

  dispose(): void {
    live.delete(this);
    for (const c of this.children) c.kill('SIGKILL');
    for (const pid of [...this.dnsmasqPids(), ...this.nftSessionPids()]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    spawnSync('ip', ['netns', 'del', this.name]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
