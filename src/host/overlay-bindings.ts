// The bindings each overlay network has learned from EVPN (remote guests' MAC and IP, from the neighbour entries
// zebra installs on the bridge), kept in <state-dir>/overlay/NAME.json so that they outlive the remote member's
// announcement: a guest whose port was deleted there and that is plugged in here gets its address back.

import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { OverlayBinding } from '../model/overlay-dhcp.js';
import { networkFileName } from '../model/safe-strings.js';
import type { RemoteNeighbour } from '../plan/overlay-host.js';
import { writeFileAtomic } from './atomic-file.js';

/** A binding nobody announced for this long is forgotten (its address may be given to someone else again). */
export const BINDING_MAX_AGE_S = 24 * 3600;
/** Bound per network: the oldest go first. */
export const MAX_BINDINGS = 4096;
/** `seen` of bindings still announced is written down this often (not every poll). */
const REFRESH_S = 600;

export class BindingStore {
  private readonly cache = new Map<string, OverlayBinding[]>();

  constructor(private readonly dir: string) {}

  private file(network: string): string {
    // encoded as every per-network file is: no dot file, nothing but the name's own characters, injective
    return join(this.dir, `${networkFileName(network)}.json`);
  }

  get(network: string): OverlayBinding[] {
    const cached = this.cache.get(network);
    if (cached) return cached;
    let list: OverlayBinding[] = [];
    try {
      const raw = JSON.parse(readFileSync(this.file(network), 'utf8')) as { bindings?: OverlayBinding[] };
      list = (raw.bindings ?? []).filter(
        (b) => typeof b.mac === 'string' && typeof b.ip === 'string' && typeof b.seen === 'number',
      );
    } catch {
      // none yet
    }
    this.cache.set(network, list);
    return list;
  }

  /** Merges the neighbours seen now (newest wins per MAC and per address); true when the bindings changed. */
  learn(network: string, seen: RemoteNeighbour[], now: number): boolean {
    const before = this.get(network);
    let list = [...before];
    let changed = false;
    let refresh = false;
    for (const n of seen) {
      const mac = n.mac.toLowerCase();
      const same = list.find((b) => b.mac === mac && b.ip === n.ip);
      if (same) {
        if (now - same.seen >= REFRESH_S) refresh = true;
        same.seen = now;
        continue;
      }
      list = list.filter((b) => b.mac !== mac && b.ip !== n.ip);
      list.push({ mac, ip: n.ip, seen: now, ...(n.vtep ? { vtep: n.vtep } : {}) });
      changed = true;
    }
    for (const n of seen) {
      const b = list.find((x) => x.ip === n.ip);
      // the guest moved to another member: its name is that member's to tell
      if (b && n.vtep && b.vtep !== n.vtep) {
        b.vtep = n.vtep;
        refresh = true;
      }
    }
    const kept = list.filter((b) => now - b.seen < BINDING_MAX_AGE_S);
    if (kept.length !== list.length) changed = true;
    kept.sort((a, b) => b.seen - a.seen);
    if (kept.length > MAX_BINDINGS) {
      kept.length = MAX_BINDINGS;
      changed = true;
    }
    this.cache.set(network, kept);
    if (changed || refresh) this.save(network, kept);
    return changed;
  }

  /** Sets the host name of the binding of `ip`; true when it changed. */
  setName(network: string, ip: string, name: string | undefined): boolean {
    const list = this.get(network);
    const b = list.find((x) => x.ip === ip);
    if (!b || b.name === name) return false;
    if (name === undefined) delete b.name;
    else b.name = name;
    this.save(network, list);
    return true;
  }

  forget(network: string): void {
    this.cache.delete(network);
    rmSync(this.file(network), { force: true });
  }

  private save(network: string, list: OverlayBinding[]): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o755 });
    writeFileAtomic(this.file(network), `${JSON.stringify({ bindings: list }, null, 1)}\n`, 0o644);
  }
}
