// Traffic filters (libvirt's nwfilter driver): filter definitions, bindings of filters to port devices, and
// keeping the kernel in step — a binding applies its filter tree as one nft transaction, a redefined filter is
// re-applied to every binding that uses it (or refused with nothing changed), a guest's learned or leased address
// updates its port's address set in place. Mutations run one at a time.

import type { NwfilterHost } from '../host/nwfilter-apply.js';
import { VirtError } from '../model/errors.js';
import {
  formatNwfilterBindingXml,
  type NwfilterBindingDef,
  parseNwfilterBindingXml,
  withMacParam,
} from '../model/nwfilter-binding.js';
import type { NwfilterDef } from '../model/nwfilter-def.js';
import { formatNwfilterXml } from '../model/nwfilter-format.js';
import { type Instantiation, instantiate, treeUses } from '../model/nwfilter-instantiate.js';
import { parseNwfilterXml } from '../model/nwfilter-parse.js';
import { formatIPv4, parseIPv4Aton } from '../model/nwfilter-values.js';
import { assertIfName } from '../model/safe-strings.js';
import {
  type AppliedPort,
  chainNames,
  learnedIpScript,
  MAX_MARK_ID,
  portId,
  portRemoveScript,
  portScript,
} from '../render/nft-nwfilter.js';
import { isL3Rule } from '../render/nft-nwfilter-l3.js';
import { caseCmp, checkNames, type NwfilterInfo, NwfilterRegistry } from './nwfilter-registry.js';
import type { NwfilterStore } from './nwfilter-store.js';

export type { NwfilterInfo };

export interface NwfilterBindingInfo {
  portdev: string;
  filter: string;
}

export interface NwfilterHooks {
  log(msg: string): void;
  /** The address a MAC has leased on one of virtnet's networks now, if any. */
  leaseOf?(mac: string): Promise<string | undefined>;
}

interface Binding {
  def: NwfilterBindingDef;
  applied?: AppliedPort;
  markId?: number;
  learnedIp?: string;
  learning?: Instantiation['learning'];
}

const MAX_XML = 1 << 20;

export class NwfilterService {
  private readonly filters = new NwfilterRegistry();
  private readonly bindings = new Map<string, Binding>();
  private queue: Promise<unknown> = Promise.resolve();
  private pollTimer?: NodeJS.Timeout;
  private healTimer?: NodeJS.Timeout;

  constructor(
    private readonly store: NwfilterStore,
    private readonly host: NwfilterHost,
    private readonly hooks: NwfilterHooks,
  ) {}

  private serialize<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * First start installs the standard filters (libvirt's package files, without UUIDs); every start loads the
   * definitions (giving UUIDs to those without, saved at once, as libvirt does), then re-applies the bindings.
   */
  load(packageDir: string): Promise<void> {
    return this.serialize(async () => {
      if (this.store.firstStart) {
        const names = this.store.installStandard(packageDir);
        this.hooks.log(`installed ${names.length} standard network filters`);
      }
      this.filters.load(this.store, this.hooks.log);
      const kernel = await this.host.objects();
      for (const s of this.store.loadBindings()) {
        let def: NwfilterBindingDef;
        try {
          def = parseNwfilterBindingXml(s.xml);
          // the file's device names reach nft text: checked as a new binding's are
          assertIfName(def.portdev, 'port device');
          if (def.linkdev !== undefined) assertIfName(def.linkdev, 'link device');
          if (def.portdev !== s.name)
            throw new VirtError('XML_ERROR', `the file is named for '${s.name}', not '${def.portdev}'`);
        } catch (e) {
          this.hooks.log(`ignoring binding ${s.file}: ${(e as Error).message}`);
          continue;
        }
        const p = portId(def.portdev);
        const n = chainNames(def.portdev);
        const applied: AppliedPort = {
          bridgeChains: kernel.bridgeChains.filter(
            (c) =>
              c.startsWith(`I-${p}/`) ||
              c.startsWith(`O-${p}/`) ||
              [n.rootFrom, n.rootTo, n.egress, n.learnFrom, n.learnTo].includes(c),
          ),
          inetChains: kernel.inetChains.filter((c) => c === n.l3From || c === n.l3To),
          inetSets: kernel.inetSets.filter((x) => new RegExp(`^cl-${escapeRe(p)}-\\d+$`).test(x.name)),
          ipSet: kernel.bridgeSets.includes(n.ipSet),
          l3Pending: false,
        };
        if (s.markId !== undefined) applied.markId = s.markId;
        const b: Binding = { def, applied };
        if (s.markId !== undefined) b.markId = s.markId;
        const learned = ipv4Text(kernel.learned.get(n.ipSet)?.[0]);
        if (learned) b.learnedIp = learned;
        this.bindings.set(def.portdev, b);
        try {
          await this.applyBinding(b);
          this.hooks.log(`filter binding on ${def.portdev} (${def.filter}) re-applied`);
        } catch (e) {
          this.hooks.log(`filter binding on ${def.portdev} could not be re-applied: ${(e as Error).message}`);
        }
      }
      this.schedulePoll();
    });
  }

  private lookup = (name: string) => this.filters.lookup(name);

  list(): NwfilterInfo[] {
    return this.filters.list();
  }

  /** A filter by UUID (when the text is one) or name, as virsh looks it up. */
  get(id: string): NwfilterInfo {
    const def = this.filters.find(id);
    return { name: def.name, uuid: def.uuid };
  }

  xml(id: string): string {
    return this.filters.xml(id);
  }

  /**
   * nwfilter-define: a new filter, or a new definition of one (then applied to every binding using it first:
   * a definition that cannot be applied is refused and nothing changes).
   */
  define(xml: string): Promise<NwfilterInfo> {
    return this.serialize(async () => {
      bounded(xml);
      const def = parseNwfilterXml(xml);
      checkNames(def);
      if (!def.uuid) def.uuid = this.filters.newUuid();
      const old = this.filters.assign(def);
      if (old && formatNwfilterXml({ ...old, uuid: def.uuid }) !== formatNwfilterXml(def)) {
        await this.rebuildWith(def, old);
      } else this.filters.set(def);
      this.store.saveFilter(def);
      this.hooks.log(`network filter '${def.name}' defined`);
      return { name: def.name, uuid: def.uuid };
    });
  }

  /** Applies `def` (replacing `old`) to the bindings that use it; on failure restores them and `old`. */
  private async rebuildWith(def: NwfilterDef, old: NwfilterDef): Promise<void> {
    this.filters.set(def);
    const users = [...this.bindings.values()].filter((b) => treeUses(b.def.filter, def.name, this.lookup));
    const done: Binding[] = [];
    try {
      // every binding must instantiate before any of them is touched
      for (const b of users) instantiate(b.def, this.lookup);
      for (const b of users) {
        await this.applyBinding(b);
        done.push(b);
      }
    } catch (e) {
      this.filters.set(old);
      for (const b of done) {
        await this.applyBinding(b).catch((err) =>
          this.hooks.log(`restoring the rules of ${b.def.portdev} failed: ${(err as Error).message}`),
        );
      }
      throw e;
    }
    if (users.length)
      this.hooks.log(`filter '${def.name}' re-applied to ${users.map((b) => b.def.portdev).join(', ')}`);
  }

  undefine(id: string): Promise<NwfilterInfo> {
    return this.serialize(() => {
      const def = this.filters.find(id);
      // libvirt refuses when a binding's filter tree reaches it; being referenced by other filters is fine
      if ([...this.bindings.values()].some((b) => treeUses(b.def.filter, def.name, this.lookup)))
        throw new VirtError('OPERATION_INVALID', 'nwfilter is in use');
      this.store.deleteFilter(def.name);
      this.filters.delete(def.name);
      this.hooks.log(`network filter '${def.name}' undefined`);
      return { name: def.name, uuid: def.uuid };
    });
  }

  bindingList(): NwfilterBindingInfo[] {
    return [...this.bindings.values()]
      .map((b) => ({ portdev: b.def.portdev, filter: b.def.filter }))
      .sort((a, b) => caseCmp(a.portdev, b.portdev));
  }

  private findBinding(portdev: string): Binding {
    const b = this.bindings.get(portdev);
    if (!b) throw new VirtError('NO_NWFILTER_BINDING', `no nwfilter binding for port dev '${portdev}'`);
    return b;
  }

  binding(portdev: string): NwfilterBindingInfo {
    const b = this.findBinding(portdev);
    return { portdev: b.def.portdev, filter: b.def.filter };
  }

  bindingXml(portdev: string): string {
    return formatNwfilterBindingXml(this.findBinding(portdev).def);
  }

  /** nwfilter-binding-create: the filter applied to an existing port device; nothing is kept on failure. */
  bindingCreate(xml: string): Promise<NwfilterBindingInfo> {
    return this.serialize(async () => {
      bounded(xml);
      return this.createBinding(withMacParam(parseNwfilterBindingXml(xml)));
    });
  }

  /** A binding made for a port of a network (the guest interface's <filterref>). */
  bindingCreateDef(def: NwfilterBindingDef): Promise<NwfilterBindingInfo> {
    return this.serialize(() => this.createBinding(withMacParam(def)));
  }

  /** Deletes the binding of a device if `owner` (a UUID) owns it; true when there was one. */
  bindingDeleteOwned(portdev: string, owner: string): Promise<boolean> {
    return this.serialize(async () => {
      const b = this.bindings.get(portdev);
      if (!b || b.def.owner.uuid !== owner) return false;
      await this.removeBinding(b);
      return true;
    });
  }

  private async createBinding(def: NwfilterBindingDef): Promise<NwfilterBindingInfo> {
    assertIfName(def.portdev, 'port device');
    if (def.linkdev !== undefined) assertIfName(def.linkdev, 'link device');
    if (this.bindings.has(def.portdev))
      throw new VirtError('NWFILTER_CONFLICT', `binding '${def.portdev}' already exists`);
    // libvirt keeps a binding on a missing device silently; virtnet says so instead
    if (!this.host.deviceExists(def.portdev))
      throw new VirtError('INVALID_ARG', `port device '${def.portdev}' does not exist`);
    const b: Binding = { def };
    await this.applyBinding(b, true);
    this.bindings.set(def.portdev, b);
    try {
      this.store.saveBinding(def, b.markId);
    } catch (e) {
      this.bindings.delete(def.portdev);
      if (b.applied) await this.host.apply(portRemoveScript(def.portdev, b.applied)).catch(() => undefined);
      throw e;
    }
    this.hooks.log(`filter '${def.filter}' bound to ${def.portdev}`);
    this.schedulePoll();
    return { portdev: def.portdev, filter: def.filter };
  }

  bindingDelete(portdev: string): Promise<NwfilterBindingInfo> {
    return this.serialize(async () => {
      const b = this.findBinding(portdev);
      await this.removeBinding(b);
      return { portdev, filter: b.def.filter };
    });
  }

  private async removeBinding(b: Binding): Promise<void> {
    const portdev = b.def.portdev;
    if (b.applied) await this.host.apply(portRemoveScript(portdev, b.applied));
    this.store.deleteBinding(portdev);
    this.bindings.delete(portdev);
    this.hooks.log(`filter binding on ${portdev} deleted`);
  }

  /** Instantiates a binding's tree and replaces its rules in the kernel with one transaction. */
  private async applyBinding(b: Binding, fresh = false): Promise<void> {
    const inst = instantiate(b.def, this.lookup);
    const n = chainNames(b.def.portdev);
    if (inst.learning) {
      if (!fresh) {
        const now = ipv4Text((await this.host.setElements(n.ipSet))?.[0]);
        if (now) b.learnedIp = now;
      }
      if (!b.learnedIp && this.hooks.leaseOf) b.learnedIp = await this.hooks.leaseOf(b.def.mac);
    } else b.learnedIp = undefined;
    const needsMark = inst.rules.some((r) => isL3Rule(r.rule));
    let markId = b.markId;
    if (needsMark && markId === undefined) markId = this.freeMarkId();
    if (needsMark && inst.learning === undefined) {
      const { ipv4, ipv6 } = this.host.bridgeNetfilter();
      if (!ipv4 || !ipv6) {
        this.hooks.log(
          `warning: bridge-nf-call-ip${ipv4 ? '6' : ''}tables is 0: IP-level rules of ${b.def.portdev} see no bridged traffic`,
        );
      }
    }
    const dhcpServers = b.def.params.get('DHCPSERVER');
    const { script, applied } = portScript(
      {
        portdev: b.def.portdev,
        mac: b.def.mac,
        inst,
        ...(markId !== undefined ? { markId } : {}),
        ...(b.learnedIp ? { learnedIp: b.learnedIp } : {}),
        ...(dhcpServers ? { dhcpServers } : {}),
      },
      b.applied,
    );
    await this.host.apply(script);
    b.applied = applied;
    b.learning = inst.learning;
    if (needsMark) b.markId = markId;
  }

  private freeMarkId(): number {
    const used = new Set([...this.bindings.values()].map((b) => b.markId));
    for (let i = 1; i <= MAX_MARK_ID; i++) if (!used.has(i)) return i;
    throw new VirtError('OPERATION_FAILED', `more than ${MAX_MARK_ID} ports have IP-level filter rules`);
  }

  /**
   * A DHCP lease of a virtnet network: ports of that MAC whose $IP is learned take the address, in place (their
   * IP-level rules, waiting for the address, are applied now). A removed lease lets them learn again.
   */
  onLease(mac: string, leased: string | undefined): Promise<void> {
    return this.serialize(async () => {
      const m = mac.toLowerCase();
      const v = leased === undefined ? undefined : parseIPv4Aton(leased);
      if (leased !== undefined && v === undefined) return;
      const ip = v === undefined ? undefined : formatIPv4(v);
      for (const b of this.bindings.values()) {
        if (b.def.mac !== m || !b.learning || !b.applied) continue;
        if (ip === undefined && b.learnedIp === undefined) continue;
        if (ip !== undefined && b.learnedIp === ip) continue;
        try {
          b.learnedIp = ip;
          if (ip !== undefined && b.applied.l3Pending) await this.applyBinding(b);
          else await this.host.apply(learnedIpScript(b.def.portdev, ip));
          this.hooks.log(`${b.def.portdev}: guest address ${ip ?? 'forgotten'} (DHCP lease)`);
        } catch (e) {
          this.hooks.log(`${b.def.portdev}: updating the guest address failed: ${(e as Error).message}`);
        }
      }
    });
  }

  /** Ports whose IP-level rules wait for an address the kernel learns: looked for every second. */
  private schedulePoll(): void {
    if (this.pollTimer) return;
    const pending = () => [...this.bindings.values()].some((b) => b.applied?.l3Pending);
    if (!pending()) return;
    this.pollTimer = setInterval(() => {
      void this.serialize(async () => {
        for (const b of this.bindings.values()) {
          if (!b.applied?.l3Pending) continue;
          const ip = ipv4Text((await this.host.setElements(chainNames(b.def.portdev).ipSet))?.[0]);
          if (!ip) continue;
          b.learnedIp = ip;
          try {
            await this.applyBinding(b);
            this.hooks.log(`${b.def.portdev}: guest address ${ip} learned; IP-level rules applied`);
          } catch (e) {
            this.hooks.log(`${b.def.portdev}: applying IP-level rules failed: ${(e as Error).message}`);
          }
        }
        if (!pending() && this.pollTimer) {
          clearInterval(this.pollTimer);
          this.pollTimer = undefined;
        }
      });
    }, 1000);
    this.pollTimer.unref();
  }

  /**
   * One heal round: bindings whose rules another program removed (ruleset flushed, table deleted) are applied
   * again, so a guest is never left unfiltered. Returns the port devices restored.
   */
  heal(): Promise<string[]> {
    return this.serialize(async () => {
      if (this.bindings.size === 0) return [];
      const present = (await this.host.mapKeys('from_guest')) ?? new Set<string>();
      const restored: string[] = [];
      for (const b of this.bindings.values()) {
        if (present.has(b.def.portdev)) continue;
        this.hooks.log(`filter rules of ${b.def.portdev} were removed by another program; restoring them`);
        try {
          await this.applyBinding(b);
          restored.push(b.def.portdev);
        } catch (e) {
          this.hooks.log(`restoring the filter rules of ${b.def.portdev} failed: ${(e as Error).message}`);
        }
      }
      return restored;
    });
  }

  startHealing(intervalMs: number): void {
    if (intervalMs <= 0 || this.healTimer) return;
    this.healTimer = setInterval(() => {
      this.heal().catch((e) => this.hooks.log(`nwfilter heal: ${(e as Error).message}`));
    }, intervalMs);
    this.healTimer.unref();
  }

  /** Daemon shutdown: the rules stay in the kernel; a later daemon re-applies them. */
  async shutdown(): Promise<void> {
    if (this.healTimer) clearInterval(this.healTimer);
    this.healTimer = undefined;
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = undefined;
    await this.serialize(() => undefined);
  }
}

/** An address read back from the kernel, checked before it goes into nft text again. */
function ipv4Text(s: string | undefined): string | undefined {
  const v = s === undefined ? undefined : parseIPv4Aton(s);
  return v === undefined ? undefined : formatIPv4(v);
}

function bounded(xml: string): void {
  if (xml.length > MAX_XML)
    throw new VirtError('INVALID_ARG', `XML documents are limited to ${MAX_XML} bytes`);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
