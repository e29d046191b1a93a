// The network registry with libvirt's semantics: persistent/transient, active, autostart, pending definitions.
// Every mutation runs through one queue: uniqueness (name, uuid, bridge) spans all networks, and the queue makes
// the store on disk always equal the registry after each step, whatever clients do concurrently.

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { ChangePlan, Lease, NetworkEvent, NetworkEventType, NetworkInfo } from '../api/types.js';
import { hostPciProbe } from '../host/pci-probe.js';
import { formatSubnet, subnetsOverlap } from '../model/addr.js';
import { VirtError } from '../model/errors.js';
import { type NetworkDef, networkMode } from '../model/network-def.js';
import { applyDefineDefaults, liveNetworkDef } from '../model/network-defaults.js';
import { formatNetworkXml } from '../model/network-format.js';
import { ipSubnet } from '../model/network-ip.js';
import { parseNetworkXml } from '../model/network-parse.js';
import {
  HUP_SECTIONS,
  parseUpdateSection,
  type UpdateSection,
  updateNetworkDef,
} from '../model/network-update.js';
import { checkStartable, validateNetworkDef } from '../model/network-validate.js';
import { isIfName } from '../model/safe-strings.js';
import { normalizeUuid } from '../model/uuid.js';
import { emptyPlan } from '../plan/change-plan.js';
import { ForwardService } from './forward-service.js';
import { PortService } from './port-service.js';
import type { DriftProblem, NetworkRuntime, RuntimeState } from './runtime.js';
import type { ActiveStatus, Store } from './store.js';

/** net-update sections that can change a running network: dnsmasq re-reads hosts on SIGHUP; portgroups apply at plug time. */
const LIVE_SECTIONS: readonly UpdateSection[] = ['ip-dhcp-host', 'dns-host', 'portgroup'];

export interface NetworkObj {
  /** Persistent definition, or the live one for a transient network. */
  def: NetworkDef;
  /** Definition to use at the next start, when redefined while active. */
  newDef?: NetworkDef;
  /** Definition the network runs with. */
  liveDef?: NetworkDef;
  runtime?: RuntimeState;
  persistent: boolean;
  autostart: boolean;
}

export interface ListFilter {
  active?: boolean;
  persistent?: boolean;
  autostart?: boolean;
}

type Listener = (e: NetworkEvent) => void;

export class Daemon {
  private readonly nets = new Map<string, NetworkObj>();
  private readonly listeners = new Set<Listener>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly unsubscribeRuntime: () => void;
  private healTimer?: NodeJS.Timeout;
  private healPending = false;

  readonly ports: PortService;
  readonly forwards: ForwardService;
  /** Checked before every start, autostart included: the daemon's policy (refused dnsmasq options). */
  startGuard: (def: NetworkDef) => void = () => {};

  constructor(
    private readonly store: Store,
    readonly runtime: NetworkRuntime,
    private readonly log: (msg: string) => void = () => {},
  ) {
    this.ports = new PortService(store, runtime, {
      network: (id) => {
        const obj = this.lookup(id);
        return { name: obj.def.name, liveDef: obj.liveDef, runtime: obj.runtime };
      },
      setLiveDef: (name, def) => {
        const obj = this.lookup(name);
        obj.liveDef = def;
        if (!obj.persistent) obj.def = def;
        this.store.saveStatus(name, this.statusOf(obj));
      },
      emit: (name, detail) => this.emit('updated', this.lookup(name).def, detail),
      serialize: (fn) => this.serialize(fn),
    });
    this.forwards = new ForwardService(store, runtime, {
      lookup: (id) => this.lookup(id),
      statusOf: (obj) => this.statusOf(obj),
      emit: (type, def, detail) => this.emit(type, def, detail),
      serialize: (fn) => this.serialize(fn),
    });
    this.unsubscribeRuntime = runtime.onEvent((e) => {
      const obj = this.nets.get(e.network);
      if (!obj?.def.uuid) return;
      const type: NetworkEventType =
        e.type === 'lease' ? 'lease' : e.type === 'repaired' ? 'repaired' : 'updated';
      this.log(`network '${e.network}': ${e.type}${e.detail ? ` ${JSON.stringify(e.detail)}` : ''}`);
      this.emit(type, obj.def, { runtimeEvent: e.type, ...(e.detail ?? {}) });
    });
  }

  /** Runs fn after every earlier mutation finished; mutations never interleave. */
  private serialize<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  onEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(type: NetworkEventType, def: NetworkDef, detail?: Record<string, unknown>): void {
    const event: NetworkEvent = {
      type,
      name: def.name,
      uuid: def.uuid ?? '',
      time: new Date().toISOString(),
    };
    if (detail) event.detail = detail;
    for (const l of this.listeners) l(event);
  }

  /**
   * Loads definitions, adopts networks that kept running, then starts autostart networks.
   * With `definitionsOnly` (import), only the definitions are read: nothing is adopted or started.
   */
  async load(opts: { definitionsOnly?: boolean } = {}): Promise<void> {
    await this.serialize(async () => {
      for (const d of this.store.loadDefinitions()) {
        try {
          const def = parseNetworkXml(d.xml);
          if (def.name !== d.name) throw new Error(`file ${d.file} defines network '${def.name}'`);
          this.nets.set(def.name, { def, persistent: true, autostart: d.autostart });
        } catch (e) {
          this.log(`ignoring ${d.file}: ${(e as Error).message}`);
        }
      }
      if (opts.definitionsOnly) return;
      for (const [name, status] of this.store.loadStatuses()) {
        let live: NetworkDef;
        try {
          live = parseNetworkXml(status.xml);
        } catch (e) {
          this.log(`ignoring status of '${name}': ${(e as Error).message}`);
          continue;
        }
        let obj = this.nets.get(name);
        if (!obj) {
          obj = { def: live, persistent: false, autostart: false };
          this.nets.set(name, obj);
        }
        try {
          obj.runtime = await this.runtime.adopt(live, status.runtime);
          obj.liveDef = live;
          this.store.saveStatus(name, { ...status, runtime: obj.runtime });
          this.log(`network '${name}' adopted`);
        } catch (e) {
          this.log(`network '${name}' could not be adopted: ${(e as Error).message}`);
          this.store.deleteStatus(name);
          if (!obj.persistent) this.nets.delete(name);
        }
      }
    });
    if (opts.definitionsOnly) return;
    await this.ports.load(this.log);
    for (const [name, obj] of this.nets) {
      if (obj.autostart && !obj.liveDef) {
        try {
          await this.start(name);
          this.log(`network '${name}' autostarted`);
        } catch (e) {
          this.log(`autostart of network '${name}' failed: ${(e as Error).message}`);
        }
      }
    }
  }

  /** Finds a network by name, or by UUID when the text is one. */
  private lookup(id: string): NetworkObj {
    const byName = this.nets.get(id);
    if (byName) return byName;
    const uuid = normalizeUuid(id);
    if (uuid) {
      for (const obj of this.nets.values()) if (obj.def.uuid === uuid) return obj;
      throw new VirtError('NO_NETWORK', `no network with matching uuid '${id}'`);
    }
    throw new VirtError('NO_NETWORK', `no network with matching name '${id}'`);
  }

  info(id: string): NetworkInfo {
    return toInfo(this.lookup(id), this.runtime.uplink?.());
  }

  list(filter: ListFilter = {}): NetworkInfo[] {
    const out: NetworkInfo[] = [];
    const uplink = this.runtime.uplink?.();
    for (const obj of this.nets.values()) {
      if (filter.active !== undefined && filter.active !== !!obj.liveDef) continue;
      if (filter.persistent !== undefined && filter.persistent !== obj.persistent) continue;
      if (filter.autostart !== undefined && filter.autostart !== obj.autostart) continue;
      out.push(toInfo(obj, uplink));
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Live XML while active (unless inactive is asked), else the persistent definition. */
  xml(id: string, inactive = false): string {
    const obj = this.lookup(id);
    if (obj.liveDef && !inactive) return formatNetworkXml(obj.liveDef);
    return formatNetworkXml(inactive && obj.newDef ? obj.newDef : obj.def, { inactive: true });
  }

  definition(id: string): NetworkDef {
    const obj = this.lookup(id);
    return obj.liveDef ?? obj.def;
  }

  private bridgeOwner(bridge: string, except: string): string | undefined {
    for (const [name, obj] of this.nets) {
      if (name === except) continue;
      for (const d of [obj.def, obj.newDef, obj.liveDef]) if (d?.bridge?.name === bridge) return name;
    }
    return undefined;
  }

  /** Parse, validate, check duplicates, fill in defaults — everything define and create share. */
  private prepare(xml: string): { def: NetworkDef; existing?: NetworkObj } {
    const parsed = parseNetworkXml(xml);
    validateNetworkDef(parsed, hostPciProbe);
    // libvirt's order (virNetworkObjAssignDefLocked): the uuid is looked up first, then the name
    if (parsed.uuid) {
      for (const [name, obj] of this.nets) {
        if (name !== parsed.name && obj.def.uuid === parsed.uuid) {
          throw new VirtError(
            'NETWORK_EXIST',
            `network '${name}' is already defined with uuid ${parsed.uuid}`,
          );
        }
      }
    }
    const existing = this.nets.get(parsed.name);
    // libvirt generates a uuid for XML without one, so such a document never matches an existing network
    if (existing && existing.def.uuid !== parsed.uuid) {
      throw new VirtError(
        'NETWORK_EXIST',
        `network '${parsed.name}' already exists with uuid ${existing.def.uuid}`,
      );
    }
    if (existing && !parsed.mac && existing.def.mac && !parsed.bridge?.name) parsed.mac = existing.def.mac;
    const def = applyDefineDefaults(parsed, {
      bridgeInUse: (b) => this.bridgeOwner(b, parsed.name) !== undefined || hostHasDevice(b),
      random: (n) => randomBytes(n),
    });
    const bridge = def.bridge?.name;
    const l3 = ['nat', 'route', 'open', 'isolated'].includes(networkMode(def));
    if (bridge && l3 && this.bridgeOwner(bridge, def.name) !== undefined) {
      throw new VirtError('RESOURCE_IN_USE', `bridge name '${bridge}' already in use.`);
    }
    return { def, existing };
  }

  define(xml: string): Promise<NetworkInfo> {
    return this.serialize(() => {
      const { def, existing } = this.prepare(xml);
      this.store.saveDefinition(def);
      if (existing) {
        if (existing.liveDef) existing.newDef = def;
        else existing.def = def;
        const wasTransient = !existing.persistent;
        existing.persistent = true;
        if (wasTransient && existing.liveDef) this.store.saveStatus(def.name, this.statusOf(existing));
      } else {
        this.nets.set(def.name, { def, persistent: true, autostart: false });
      }
      this.emit('defined', def);
      return toInfo(this.lookup(def.name), this.runtime.uplink?.());
    });
  }

  /** net-create: a transient network, started at once; nothing is kept when it stops. */
  create(xml: string): Promise<NetworkInfo> {
    return this.serialize(async () => {
      const { def, existing } = this.prepare(xml);
      if (existing?.liveDef) {
        throw new VirtError('OPERATION_INVALID', `network is already active as '${existing.def.name}'`);
      }
      const obj: NetworkObj = existing ?? { def, persistent: false, autostart: false };
      if (!existing) this.nets.set(def.name, obj);
      try {
        await this.startObj(obj, def);
      } catch (e) {
        if (!existing) this.nets.delete(def.name);
        throw e;
      }
      return toInfo(obj, this.runtime.uplink?.());
    });
  }

  undefine(id: string): Promise<NetworkInfo> {
    return this.serialize(() => {
      const obj = this.lookup(id);
      if (!obj.persistent) throw new VirtError('OPERATION_INVALID', "can't undefine transient network");
      this.store.deleteDefinition(obj.def.name);
      obj.persistent = false;
      obj.autostart = false;
      obj.newDef = undefined;
      if (!obj.liveDef) this.nets.delete(obj.def.name);
      else this.store.saveStatus(obj.def.name, this.statusOf(obj));
      this.emit('undefined', obj.def);
      return toInfo(obj, this.runtime.uplink?.());
    });
  }

  setAutostart(id: string, on: boolean): Promise<NetworkInfo> {
    return this.serialize(() => {
      const obj = this.lookup(id);
      if (!obj.persistent)
        throw new VirtError('OPERATION_INVALID', 'cannot set autostart for transient network');
      this.store.setAutostart(obj.def.name, on);
      obj.autostart = on;
      this.emit('updated', obj.def, { autostart: on });
      return toInfo(obj, this.runtime.uplink?.());
    });
  }

  start(id: string): Promise<NetworkInfo> {
    return this.serialize(async () => {
      const obj = this.lookup(id);
      if (obj.liveDef) throw new VirtError('OPERATION_INVALID', 'network is already active');
      await this.startObj(obj, obj.def);
      return toInfo(obj, this.runtime.uplink?.());
    });
  }

  private statusOf(obj: NetworkObj): ActiveStatus {
    return {
      xml: formatNetworkXml(obj.liveDef as NetworkDef),
      transient: !obj.persistent,
      runtime: obj.runtime ?? {},
    };
  }

  private async startObj(obj: NetworkObj, def: NetworkDef): Promise<void> {
    checkStartable(def);
    this.startGuard(def);
    for (const other of this.nets.values()) {
      if (other !== obj && other.liveDef?.bridge?.name && other.liveDef.bridge.name === def.bridge?.name) {
        throw new VirtError('RESOURCE_IN_USE', `bridge name '${def.bridge.name}' already in use.`);
      }
    }
    const live = liveNetworkDef(def);
    try {
      obj.runtime = await this.runtime.start(live);
    } catch (e) {
      // the activity feed (web UI, net-event --json) shows what failed and what to do about it
      const hint = (e as VirtError).hint;
      this.emit('failed', def, {
        operation: 'start',
        message: (e as Error).message,
        ...(hint ? { hint } : {}),
      });
      throw e;
    }
    obj.liveDef = live;
    try {
      this.store.saveStatus(def.name, this.statusOf(obj));
    } catch (e) {
      await this.runtime.stop(live, obj.runtime).catch(() => undefined);
      obj.liveDef = undefined;
      obj.runtime = undefined;
      throw e;
    }
    this.emit('started', def);
    this.healSoon();
  }

  /** A heal round soon after a start (one per burst of starts, 0.5 s later): Docker's chain may need rules. */
  private healSoon(): void {
    if (!this.healTimer || this.healPending) return;
    this.healPending = true;
    setTimeout(() => {
      this.healPending = false;
      this.heal().catch((e) => this.log(`heal: ${(e as Error).message}`));
    }, 500).unref();
  }

  destroy(id: string): Promise<NetworkInfo> {
    return this.serialize(async () => {
      const obj = this.lookup(id);
      const live = obj.liveDef;
      if (!live) throw new VirtError('OPERATION_INVALID', `network '${obj.def.name}' is not active`);
      await this.ports.removeAllOf(live.name);
      await this.runtime.stop(live, obj.runtime ?? {});
      this.store.deleteStatus(obj.def.name);
      obj.liveDef = undefined;
      obj.runtime = undefined;
      if (obj.newDef) {
        obj.def = obj.newDef;
        obj.newDef = undefined;
      }
      const info = toInfo(obj, this.runtime.uplink?.());
      if (!obj.persistent) this.nets.delete(obj.def.name);
      this.emit('stopped', live);
      return info;
    });
  }

  async leases(id: string, mac?: string): Promise<Lease[]> {
    // like libvirt: the lease file outlives a stop, so an inactive network lists its unexpired leases too
    const obj = this.lookup(id);
    const now = Date.now() / 1000;
    const all = (await this.runtime.leases(obj.liveDef ?? obj.def, obj.runtime ?? {})).filter(
      (l) => l.expiryTime === 0 || l.expiryTime >= now,
    );
    return mac ? all.filter((l) => l.mac.toLowerCase() === mac.toLowerCase()) : all;
  }

  /** Drift between the host and an active network (empty when all is as started). */
  async check(id: string): Promise<DriftProblem[]> {
    const obj = this.lookup(id);
    if (!obj.liveDef) throw new VirtError('OPERATION_INVALID', `network '${obj.def.name}' is not active`);
    return this.runtime.check(obj.liveDef, obj.runtime ?? {});
  }

  repair(id: string): Promise<{ info: NetworkInfo; repaired: DriftProblem[] }> {
    return this.serialize(async () => {
      const obj = this.lookup(id);
      const live = obj.liveDef;
      if (!live) throw new VirtError('OPERATION_INVALID', `network '${obj.def.name}' is not active`);
      const problems = await this.runtime.check(live, obj.runtime ?? {});
      if (problems.length) {
        obj.runtime = await this.runtime.repair(live, obj.runtime ?? {});
        this.store.saveStatus(live.name, this.statusOf(obj));
        this.emit('repaired', live, { problems: problems.map((p) => p.what) });
      }
      return { info: toInfo(obj, this.runtime.uplink?.()), repaired: problems };
    });
  }

  /** Dry run of define: the definition file it would write (after every check define makes). */
  planDefine(xml: string): ChangePlan {
    const { def } = this.prepare(xml);
    const plan = emptyPlan();
    plan.files.push({
      path: this.store.configFile(def.name),
      content: formatNetworkXml(def, { inactive: true }),
    });
    // what a start would then run into: another network's subnet, a host route
    const warnings = [...this.subnetClashes(def), ...this.startWarnings(def)];
    if (warnings.length) plan.warnings = [...new Set(warnings)];
    return plan;
  }

  /** What starting the defined network would run into; a start that would be refused is a warning here. */
  private startWarnings(def: NetworkDef): string[] {
    try {
      checkStartable(def);
      return this.runtime.planChange('start', def).warnings ?? [];
    } catch (e) {
      return [`starting it would fail: ${(e as Error).message}`];
    }
  }

  /** Other networks (any state) whose subnets overlap this one's. */
  private subnetClashes(def: NetworkDef): string[] {
    const mine = def.ips.map(ipSubnet).filter((s) => s !== undefined);
    const out: string[] = [];
    for (const [name, obj] of this.nets) {
      if (name === def.name) continue;
      for (const s of (obj.liveDef ?? obj.def).ips.map(ipSubnet)) {
        const hit = s && mine.find((m) => subnetsOverlap(m, s));
        if (hit && s)
          out.push(`subnet ${formatSubnet(hit)} overlaps ${formatSubnet(s)} of network '${name}'`);
      }
    }
    return out;
  }

  /** Dry run of create (a transient network started at once). */
  planCreate(xml: string): ChangePlan {
    const { def, existing } = this.prepare(xml);
    if (existing?.liveDef) {
      throw new VirtError('OPERATION_INVALID', `network is already active as '${existing.def.name}'`);
    }
    checkStartable(def);
    return this.runtime.planChange('start', liveNetworkDef(def));
  }

  planStart(id: string): ChangePlan {
    const obj = this.lookup(id);
    if (obj.liveDef) throw new VirtError('OPERATION_INVALID', 'network is already active');
    checkStartable(obj.def);
    return this.runtime.planChange('start', liveNetworkDef(obj.def));
  }

  planDestroy(id: string): ChangePlan {
    const obj = this.lookup(id);
    if (!obj.liveDef) throw new VirtError('OPERATION_INVALID', `network '${obj.def.name}' is not active`);
    return this.runtime.planChange('stop', obj.liveDef, obj.runtime ?? {});
  }

  planUndefine(id: string): ChangePlan {
    const obj = this.lookup(id);
    if (!obj.persistent) throw new VirtError('OPERATION_INVALID', "can't undefine transient network");
    const plan = emptyPlan();
    plan.files.push({ path: this.store.configFile(obj.def.name) });
    if (obj.autostart) plan.files.push({ path: this.store.autostartLink(obj.def.name) });
    return plan;
  }

  /**
   * net-update: add, delete or modify one element (DHCP host or range, DNS host/TXT/SRV, forward interface,
   * portgroup) of the live and/or persistent definition. Flags as virsh: neither live nor config means the
   * live state of an active network, else the persistent config. Live DHCP/DNS host changes reach dnsmasq by
   * SIGHUP (hosts files re-read, leases kept); sections dnsmasq reads only at start are refused live.
   */
  update(
    id: string,
    req: {
      command: string;
      section: string;
      xml: string;
      parentIndex?: number;
      live?: boolean;
      config?: boolean;
    },
  ): Promise<NetworkInfo> {
    return this.serialize(async () => {
      const obj = this.lookup(id);
      const name = obj.def.name;
      let { live = false, config = false } = req;
      if (!live && !config) {
        if (obj.liveDef) live = true;
        else config = true;
      }
      if (live && !obj.liveDef) throw new VirtError('OPERATION_INVALID', 'network is not running');
      if (config && !obj.persistent) {
        throw new VirtError('OPERATION_INVALID', 'cannot change persistent config of a transient network');
      }
      const section = parseUpdateSection(req.section);
      if (live && !LIVE_SECTIONS.includes(section)) {
        throw new VirtError(
          'OPERATION_UNSUPPORTED',
          `can't update '${section}' section of running network '${name}' without restarting it; use --config and restart the network`,
        );
      }
      // compute both before changing anything, so a refusal leaves both untouched
      const liveNext = live
        ? updateNetworkDef(obj.liveDef as NetworkDef, req.command, section, req.xml, req.parentIndex)
        : undefined;
      const configBase = obj.newDef ?? obj.def;
      const configNext = config
        ? updateNetworkDef(configBase, req.command, section, req.xml, req.parentIndex)
        : undefined;
      if (configNext) {
        this.store.saveDefinition(configNext);
        if (obj.newDef) obj.newDef = configNext;
        else obj.def = configNext;
      }
      if (liveNext) {
        obj.liveDef = liveNext;
        if (!obj.persistent) obj.def = liveNext;
        this.store.saveStatus(name, this.statusOf(obj));
        if (HUP_SECTIONS.includes(section)) await this.runtime.reloadDhcpHosts(liveNext, obj.runtime ?? {});
      }
      this.emit('updated', obj.liveDef ?? obj.def, { section, command: req.command, live, config });
      return toInfo(obj, this.runtime.uplink?.());
    });
  }

  /**
   * One round of the heal loop: firewalls of active networks that another program removed (nft flush ruleset,
   * table deleted) are rebuilt, and accept rules in Docker's DOCKER-USER chain follow the active bridges.
   */
  heal(): Promise<string[]> {
    return this.serialize(async () => {
      const active = [...this.nets.values()].filter((o) => o.liveDef);
      const { missing, changes } = await this.runtime.firewallHealth(
        active.map((o) => o.liveDef as NetworkDef),
      );
      for (const c of changes) this.log(c);
      for (const name of missing) {
        const obj = this.nets.get(name);
        const live = obj?.liveDef;
        if (!obj || !live) continue;
        // nft keeps no record of who deleted a table; the log says what was found missing instead
        this.log(`network '${name}': firewall rules were removed by another program; restoring them`);
        try {
          obj.runtime = await this.runtime.repair(live, obj.runtime ?? {});
          this.store.saveStatus(name, this.statusOf(obj));
          this.emit('repaired', live, {
            reason: 'firewall rules removed by another program',
            restored: 'firewall',
          });
        } catch (e) {
          this.log(`network '${name}': restoring the firewall failed: ${(e as Error).message}`);
        }
      }
      return missing;
    });
  }

  /** Runs heal() every intervalMs until shutdown (and soon after each start: Docker's chain may need our rules). */
  startHealing(intervalMs: number): void {
    if (intervalMs <= 0) return;
    this.healTimer = setInterval(() => {
      this.heal().catch((e) => this.log(`heal: ${(e as Error).message}`));
    }, intervalMs);
    this.healTimer.unref();
  }

  /** Daemon shutdown: networks keep running; a later daemon adopts them. */
  async shutdown(): Promise<void> {
    if (this.healTimer) clearInterval(this.healTimer);
    await this.serialize(async () => {
      this.unsubscribeRuntime();
      await this.runtime.detach();
    });
  }
}

function hostHasDevice(name: string): boolean {
  // a name that is no interface name cannot exist on the host, and must not reach a path
  return isIfName(name) && existsSync(`/sys/class/net/${name}`);
}

function toInfo(obj: NetworkObj, defaultUplink?: string): NetworkInfo {
  const def = obj.liveDef ?? obj.def;
  const info: NetworkInfo = {
    name: def.name,
    uuid: def.uuid ?? '',
    active: !!obj.liveDef,
    persistent: obj.persistent,
    autostart: obj.autostart,
    mode: networkMode(def),
  };
  const bridge = def.bridge?.name;
  if (bridge) info.bridge = bridge;
  if (obj.liveDef && ['nat', 'route', 'open'].includes(info.mode)) {
    const uplink = def.forward?.dev ?? def.forward?.interfaces[0]?.dev ?? defaultUplink;
    if (uplink) info.uplink = uplink;
  }
  return info;
}
