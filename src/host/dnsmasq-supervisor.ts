// Keeps each network's dnsmasq alive (restart within a second of its death) and turns lease file changes into
// lease events. Owns one timer and one directory watcher, released together by dispose().

import { type FSWatcher, mkdirSync, readFileSync, statSync, watch } from 'node:fs';
import type { Lease } from '../api/types.js';
import type { RuntimeEvent } from '../daemon/runtime.js';
import { parseDnsmasqLeases } from '../model/dnsmasq-leases.js';
import type { NetworkDef } from '../model/network-def.js';
import { type DnsmasqFilesPaths, isOurDnsmasq, startDnsmasq, stopDnsmasq } from './dnsmasq-process.js';

interface Entry {
  def: NetworkDef;
  paths: DnsmasqFilesPaths;
  pid: number;
  leaseStamp: string;
  leaseKeys: Map<string, Lease>;
}

export interface SupervisorOptions {
  binary: string;
  /** Directory holding the lease files (watched). */
  leaseDir: string;
  intervalMs: number;
  emit: (e: RuntimeEvent) => void;
  log: (msg: string) => void;
}

/** Reads and parses a network's lease file; an absent file means no leases. */
export function readLeases(def: NetworkDef, leaseFile: string): Lease[] {
  try {
    return parseDnsmasqLeases(readFileSync(leaseFile, 'utf8'), def);
  } catch {
    return [];
  }
}

export class DnsmasqSupervisor {
  private readonly entries = new Map<string, Entry>();
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private ticking: Promise<void> | undefined;

  constructor(private readonly opts: SupervisorOptions) {}

  /** The PID of a supervised network's dnsmasq. */
  pid(network: string): number | undefined {
    return this.entries.get(network)?.pid;
  }

  add(def: NetworkDef, paths: DnsmasqFilesPaths, pid: number): void {
    const leases = readLeases(def, paths.leaseFile);
    this.entries.set(def.name, {
      def,
      paths,
      pid,
      leaseStamp: leaseStamp(paths.leaseFile),
      leaseKeys: new Map(leases.map((l) => [leaseKey(l), l])),
    });
    if (!this.timer) {
      this.timer = setInterval(() => void this.tick(), this.opts.intervalMs);
      this.timer.unref();
    }
    if (!this.watcher) {
      try {
        mkdirSync(this.opts.leaseDir, { recursive: true });
        // dnsmasq rewrites the lease file on every change; the poll in tick() covers missed watch events
        this.watcher = watch(this.opts.leaseDir, { persistent: false }, (_ev, file) => {
          // dnsmasq truncates the file, then rewrites it: read it once the rewrite is done
          if (file?.endsWith('.leases')) setTimeout(() => void this.tick(), 50).unref();
        });
      } catch {
        // polling alone still works
      }
    }
  }

  /** Stops supervising a network (waits for a restart in progress so it cannot outlive the stop). */
  async remove(network: string): Promise<void> {
    this.entries.delete(network);
    await this.ticking;
  }

  tick(): Promise<void> {
    this.ticking ??= this.runTick().finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  private async runTick(): Promise<void> {
    for (const [name, e] of this.entries) {
      if (!isOurDnsmasq(e.pid, e.paths.conf)) {
        try {
          const pid = await startDnsmasq(this.opts.binary, e.paths);
          if (this.entries.get(name) !== e) {
            await stopDnsmasq(pid, e.paths.conf);
            continue;
          }
          e.pid = pid;
          this.opts.log(`network '${name}': dnsmasq died, restarted as pid ${pid}`);
          this.opts.emit({ network: name, type: 'dnsmasq-restarted', detail: { pid } });
        } catch (err) {
          this.opts.emit({
            network: name,
            type: 'error',
            detail: { step: 'restart dnsmasq', message: (err as Error).message },
          });
        }
      }
      const stamp = leaseStamp(e.paths.leaseFile);
      if (stamp === e.leaseStamp) continue;
      e.leaseStamp = stamp;
      const now = readLeases(e.def, e.paths.leaseFile);
      const keys = new Map(now.map((l) => [leaseKey(l), l]));
      const changed = now.filter((l) => !e.leaseKeys.has(leaseKey(l)));
      const removed = [...e.leaseKeys].filter(([k]) => !keys.has(k)).map(([, l]) => l);
      e.leaseKeys = keys;
      if (changed.length || removed.length) {
        this.opts.emit({ network: name, type: 'lease', detail: { leases: changed, removed } });
      }
    }
  }

  /** Releases the timer and watcher; waits for a restart in progress. Running dnsmasq processes stay. */
  async dispose(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.watcher?.close();
    this.watcher = undefined;
    // a restart in progress completes and stays running (detach leaves networks up)
    await this.ticking;
    this.entries.clear();
  }
}

function leaseKey(l: Lease): string {
  return `${l.ipaddr}|${l.mac}|${l.iaid ?? ''}|${l.expiryTime}|${l.hostname ?? ''}`;
}

function leaseStamp(file: string): string {
  try {
    const s = statSync(file);
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return '';
  }
}
