// The host side of traffic filters: runs the nft transactions the renderer made (`nft -f -`, one per binding),
// reads what the kernel learned (guests' addresses) and which filter objects exist, checks devices. Knows nothing
// about filters; a recording twin serves the API tests.

import { existsSync, readFileSync } from 'node:fs';
import { VirtError } from '../model/errors.js';
import { FILTER_TABLE } from '../render/nft-nwfilter.js';
import { exec } from './exec.js';

/** Chains and sets of our filter tables, and the addresses in the learned-address sets. */
export interface FilterObjects {
  bridgeChains: string[];
  inetChains: string[];
  inetSets: Array<{ name: string; type: string }>;
  bridgeSets: string[];
  /** Set name → its IPv4 elements. */
  learned: Map<string, string[]>;
}

export interface NwfilterHost {
  /** Applies one transaction; nothing changes when it fails. */
  apply(script: string): Promise<void>;
  /** What our tables hold now (empty when they do not exist). */
  objects(): Promise<FilterObjects>;
  /** The keys of one of our bridge-table maps (undefined when the table or map does not exist). */
  mapKeys(map: string): Promise<Set<string> | undefined>;
  /** The IPv4 elements of one of our bridge-table sets (undefined when it does not exist). */
  setElements(name: string): Promise<string[] | undefined>;
  deviceExists(dev: string): boolean;
  /** br_netfilter passes bridged IPv4 / IPv6 to the inet hooks (libvirt's IP-level rules need it too). */
  bridgeNetfilter(): { ipv4: boolean; ipv6: boolean };
}

export class NftNwfilterHost implements NwfilterHost {
  async apply(script: string): Promise<void> {
    const r = await exec({ argv: ['nft', '-f', '-'], stdin: script });
    if (r.code !== 0) {
      const e = new VirtError(
        'INTERNAL_ERROR',
        `applying the filter rules failed: nft: ${(r.stderr || r.stdout).trim().split('\n').slice(0, 6).join(' | ')}`,
      );
      if (/No such file or directory|Operation not supported|Protocol error/.test(r.stderr))
        e.hint = 'the kernel lacks an nftables feature the filter needs: run `virtnet doctor`';
      throw e;
    }
  }

  async objects(): Promise<FilterObjects> {
    const out: FilterObjects = {
      bridgeChains: [],
      inetChains: [],
      inetSets: [],
      bridgeSets: [],
      learned: new Map(),
    };
    for (const family of ['bridge', 'inet'] as const) {
      const r = await exec({ argv: ['nft', '-j', 'list', 'table', family, FILTER_TABLE] });
      if (r.code !== 0) continue;
      let doc: { nftables?: Array<Record<string, unknown>> };
      try {
        doc = JSON.parse(r.stdout);
      } catch {
        continue;
      }
      for (const o of doc.nftables ?? []) {
        const chain = o.chain as { name?: string } | undefined;
        if (chain?.name) (family === 'bridge' ? out.bridgeChains : out.inetChains).push(chain.name);
        const set = o.set as { name?: string; type?: string; elem?: unknown[] } | undefined;
        if (set?.name) {
          if (family === 'inet') out.inetSets.push({ name: set.name, type: String(set.type) });
          else {
            out.bridgeSets.push(set.name);
            out.learned.set(
              set.name,
              (set.elem ?? []).filter((e): e is string => typeof e === 'string'),
            );
          }
        }
      }
    }
    return out;
  }

  async mapKeys(map: string): Promise<Set<string> | undefined> {
    const r = await exec({ argv: ['nft', '-j', 'list', 'map', 'bridge', FILTER_TABLE, map] });
    if (r.code !== 0) return undefined;
    try {
      const doc = JSON.parse(r.stdout) as { nftables?: Array<{ map?: { elem?: unknown[] } }> };
      const elems = doc.nftables?.find((o) => o.map)?.map?.elem ?? [];
      return new Set(elems.flatMap((e) => (Array.isArray(e) && typeof e[0] === 'string' ? [e[0]] : [])));
    } catch {
      return undefined;
    }
  }

  async setElements(name: string): Promise<string[] | undefined> {
    const r = await exec({ argv: ['nft', '-j', 'list', 'set', 'bridge', FILTER_TABLE, name] });
    if (r.code !== 0) return undefined;
    try {
      const doc = JSON.parse(r.stdout) as { nftables?: Array<{ set?: { elem?: unknown[] } }> };
      const set = doc.nftables?.find((o) => o.set)?.set;
      return (set?.elem ?? []).filter((e): e is string => typeof e === 'string');
    } catch {
      return undefined;
    }
  }

  deviceExists(dev: string): boolean {
    return existsSync(`/sys/class/net/${dev}`);
  }

  bridgeNetfilter(): { ipv4: boolean; ipv6: boolean } {
    const read = (f: string) => {
      try {
        return readFileSync(`/proc/sys/net/bridge/${f}`, 'utf8').trim() === '1';
      } catch {
        return false;
      }
    };
    return { ipv4: read('bridge-nf-call-iptables'), ipv6: read('bridge-nf-call-ip6tables') };
  }
}

/** Records transactions instead of running them (API tests, the memory runtime). */
export class RecordingNwfilterHost implements NwfilterHost {
  readonly scripts: string[] = [];
  readonly devices = new Set<string>();
  /** Makes the next apply fail with this message. */
  failNext?: string;
  /** Learned addresses to report, by set name. */
  readonly sets = new Map<string, string[]>();

  /** With `anyDevice`, every device is taken to exist (the memory runtime has none). */
  constructor(private readonly anyDevice = false) {}

  async apply(script: string): Promise<void> {
    if (this.failNext) {
      const m = this.failNext;
      this.failNext = undefined;
      throw new VirtError('INTERNAL_ERROR', `applying the filter rules failed: nft: ${m}`);
    }
    this.scripts.push(script);
  }

  async objects(): Promise<FilterObjects> {
    return { bridgeChains: [], inetChains: [], inetSets: [], bridgeSets: [], learned: new Map() };
  }

  async setElements(name: string): Promise<string[] | undefined> {
    return this.sets.get(name);
  }

  /** Keys the recording host reports for a map (tests remove some to play a flushed ruleset). */
  readonly maps = new Map<string, Set<string>>();

  async mapKeys(map: string): Promise<Set<string> | undefined> {
    return this.maps.get(map);
  }

  deviceExists(dev: string): boolean {
    return this.anyDevice || this.devices.has(dev);
  }

  bridgeNetfilter(): { ipv4: boolean; ipv6: boolean } {
    return { ipv4: true, ipv6: true };
  }
}
