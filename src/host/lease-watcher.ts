// Turns changes of dnsmasq's lease files into lease events: one directory watcher for all networks, and a poll
// that covers missed watch events. Both exist only while some network is watched.

import { type FSWatcher, mkdirSync, readFileSync, statSync, watch } from 'node:fs';
import { dirname } from 'node:path';
import type { Disposable } from '../base/lifecycle.js';
import { type Lease, parseDnsmasqLeases } from '../model/dnsmasq-leases.js';
import type { NetworkDef } from '../model/network-def.js';
import type { HostEvent } from '../plan/host-side.js';

interface Entry {
  def: NetworkDef;
  file: string;
  stamp: string;
  keys: Map<string, Lease>;
}

/** Reads and parses a network's lease file; an absent file means no leases. */
export function readLeases(def: NetworkDef, leaseFile: string): Lease[] {
  try {
    return parseDnsmasqLeases(readFileSync(leaseFile, 'utf8'), def);
  } catch {
    return [];
  }
}

export class LeaseWatcher {
  private readonly entries = new Map<string, Entry>();
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly emit: (e: HostEvent) => void,
    private readonly pollMs = 1000,
  ) {}

  watch(def: NetworkDef, file: string): Disposable {
    const leases = readLeases(def, file);
    const entry: Entry = { def, file, stamp: stampOf(file), keys: new Map(leases.map((l) => [keyOf(l), l])) };
    this.entries.set(def.name, entry);
    if (!this.timer) {
      this.timer = setInterval(() => this.scan(), this.pollMs);
      this.timer.unref();
    }
    if (!this.watcher) {
      try {
        mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
        this.watcher = watch(dirname(file), { persistent: false }, (_ev, name) => {
          // dnsmasq truncates the file, then rewrites it: read it once the rewrite is done
          if (name?.endsWith('.leases')) setTimeout(() => this.scan(), 50).unref();
        });
      } catch {
        // polling alone still works
      }
    }
    return {
      dispose: () => {
        if (this.entries.get(def.name) === entry) this.entries.delete(def.name);
        if (this.entries.size === 0) this.dispose();
      },
    };
  }

  /** The leases of a watched network as last read (no file read), or undefined when it is not watched. */
  current(network: string): Lease[] | undefined {
    const e = this.entries.get(network);
    return e ? [...e.keys.values()] : undefined;
  }

  private scan(): void {
    for (const [name, e] of this.entries) {
      const stamp = stampOf(e.file);
      if (stamp === e.stamp) continue;
      e.stamp = stamp;
      const now = readLeases(e.def, e.file);
      const keys = new Map(now.map((l) => [keyOf(l), l]));
      const changed = now.filter((l) => !e.keys.has(keyOf(l)));
      const removed = [...e.keys].filter(([k]) => !keys.has(k)).map(([, l]) => l);
      e.keys = keys;
      if (changed.length || removed.length)
        this.emit({ network: name, type: 'lease', detail: { leases: changed, removed } });
    }
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.watcher?.close();
    this.watcher = undefined;
  }
}

function keyOf(l: Lease): string {
  return `${l.ipaddr}|${l.mac}|${l.iaid ?? ''}|${l.expiryTime}|${l.hostname ?? ''}`;
}

function stampOf(file: string): string {
  try {
    const s = statSync(file);
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return '';
  }
}
