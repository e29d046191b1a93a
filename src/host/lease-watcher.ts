// Turns changes of dnsmasq's lease files into lease events: one directory watcher for all networks, which names
// the file that changed (only that one is read), and a slow poll that covers missed watch events (every second
// when the directory cannot be watched). Both exist only while some network is watched.

import { type FSWatcher, mkdirSync, readFileSync, statSync, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Disposable } from '../base/lifecycle.js';
import { type Lease, parseDnsmasqLeases } from '../model/dnsmasq-leases.js';
import type { NetworkDef } from '../model/network-def.js';
import type { HostEvent } from '../plan/host-side.js';

interface Entry {
  def: NetworkDef;
  file: string;
  mtimeMs: number;
  size: number;
  keys: Map<string, Lease>;
}

/** How long after a watch event the file is read: dnsmasq truncates the file, then rewrites it. */
const SETTLE_MS = 50;
/** The poll behind a working directory watcher only catches what inotify dropped. */
const BACKSTOP_POLL_MS = 10_000;

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
  /** Lease file names (in the watched directory) to the network each belongs to. */
  private readonly byFile = new Map<string, string>();
  /** Files named by watch events since the last read. */
  private readonly changed = new Set<string>();
  private settle: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly emit: (e: HostEvent) => void,
    private readonly pollMs = 1000,
  ) {}

  watch(def: NetworkDef, file: string): Disposable {
    const leases = readLeases(def, file);
    const s = statOf(file);
    const entry: Entry = { def, file, ...s, keys: new Map(leases.map((l) => [keyOf(l), l])) };
    this.entries.set(def.name, entry);
    this.byFile.set(basename(file), def.name);
    if (!this.watcher) {
      try {
        mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
        this.watcher = watch(dirname(file), { persistent: false }, (_ev, name) => {
          if (!name?.endsWith('.leases')) return;
          this.changed.add(name);
          if (this.settle) return;
          this.settle = setTimeout(() => this.readChanged(), SETTLE_MS);
          this.settle.unref();
        });
      } catch {
        // polling alone still works
      }
    }
    if (!this.timer) {
      this.timer = setInterval(() => this.scan(), this.watcher ? BACKSTOP_POLL_MS : this.pollMs);
      this.timer.unref();
    }
    return {
      dispose: () => {
        if (this.entries.get(def.name) !== entry) return;
        this.entries.delete(def.name);
        if (this.byFile.get(basename(file)) === def.name) this.byFile.delete(basename(file));
        if (this.entries.size === 0) this.dispose();
      },
    };
  }

  /** The leases of a watched network as last read (no file read), or undefined when it is not watched. */
  current(network: string): Lease[] | undefined {
    const e = this.entries.get(network);
    return e ? [...e.keys.values()] : undefined;
  }

  private readChanged(): void {
    this.settle = undefined;
    for (const file of this.changed) {
      const name = this.byFile.get(file);
      const e = name === undefined ? undefined : this.entries.get(name);
      if (name !== undefined && e) this.look(name, e);
    }
    this.changed.clear();
  }

  private scan(): void {
    for (const [name, e] of this.entries) this.look(name, e);
  }

  /** Reads the file again when its size or time changed, and tells the leases that came and went. */
  private look(name: string, e: Entry): void {
    const s = statOf(e.file);
    if (s.mtimeMs === e.mtimeMs && s.size === e.size) return;
    e.mtimeMs = s.mtimeMs;
    e.size = s.size;
    const now = readLeases(e.def, e.file);
    const keys = new Map(now.map((l) => [keyOf(l), l]));
    const changed = now.filter((l) => !e.keys.has(keyOf(l)));
    const removed = [...e.keys].filter(([k]) => !keys.has(k)).map(([, l]) => l);
    e.keys = keys;
    if (changed.length || removed.length)
      this.emit({ network: name, type: 'lease', detail: { leases: changed, removed } });
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.settle) clearTimeout(this.settle);
    this.settle = undefined;
    this.changed.clear();
    this.watcher?.close();
    this.watcher = undefined;
  }
}

function keyOf(l: Lease): string {
  return `${l.ipaddr}|${l.mac}|${l.iaid ?? ''}|${l.expiryTime}|${l.hostname ?? ''}`;
}

/** An absent file is -1, -1: any file that appears later differs. */
function statOf(file: string): { mtimeMs: number; size: number } {
  try {
    const s = statSync(file, { throwIfNoEntry: false });
    if (s) return { mtimeMs: s.mtimeMs, size: s.size };
  } catch {
    // unreadable: as if absent
  }
  return { mtimeMs: -1, size: -1 };
}
