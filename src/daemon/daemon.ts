// The daemon: the registry's lifecycle (define, create, start, destroy, undefine, repair) over the reconciler,
// with events. Every mutation runs through one queue: uniqueness (name, uuid, bridge) spans all networks, and the
// queue keeps the store on disk equal to the registry after each step, whatever clients do concurrently.

import { leaseText } from '../api/event-text.js';
import type { NetworkSummary } from '../api/summary-types.js';
import type {
  ChangePlan,
  Lease,
  NetworkEvent,
  NetworkEventType,
  NetworkInfo,
  RepairedDetail,
} from '../api/types.js';
import { VirtError } from '../model/errors.js';
import type { NetworkDef } from '../model/network-def.js';
import { formatNetworkXml } from '../model/network-format.js';
import * as dry from './dry-runs.js';
import { ForwardService } from './forward-service.js';
import { HealLoop } from './heal-loop.js';
import { Lifecycle } from './lifecycle.js';
import type { Log } from './log.js';
import { applyUpdate, type UpdateRequest } from './net-update.js';
import { NetworkRecords } from './network-records.js';
import { OverlayService } from './overlay-service.js';
import { PortService } from './port-service.js';
import { type ListFilter, type NetworkObj, Registry, toInfo } from './registry.js';
import type { DriftProblem, NetworkRuntime, ReconcileOutcome } from './runtime.js';
import type { ActiveStatus, Store } from './store.js';

export type { ListFilter, NetworkObj };

type Listener = (e: NetworkEvent) => void;
/** Autostarts under way at once: enough to overlap the forks and nft transactions of a start on two cores. */
const AUTOSTART_CONCURRENCY = 8;
/** One heal round as metrics see it. */
export type HealObserver = (round: { seconds: number; repaired: number; failed: boolean }) => void;

export class Daemon {
  private readonly registry = new Registry();
  private readonly listeners = new Set<Listener>();
  private readonly healObservers = new Set<HealObserver>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly unsubscribeRuntime: () => void;
  private readonly healLoop: HealLoop;
  /** When a serialized change last ended (performance.now()): the heal loop waits while changes come. */
  private lastChange: number | undefined;
  private readonly lifecycle: Lifecycle;

  readonly ports: PortService;
  readonly forwards: ForwardService;
  readonly overlay: OverlayService;
  /** Each network's recent events, drift and last repair, lease counts: for the list and later clients. */
  readonly records: NetworkRecords;
  /** Checked before every start, autostart included: the daemon's policy (refused dnsmasq options). */
  startGuard: (def: NetworkDef) => void = () => {};

  constructor(
    private readonly store: Store,
    readonly runtime: NetworkRuntime,
    private readonly log: Log = () => {},
  ) {
    this.healLoop = new HealLoop(
      (only) => this.heal(only),
      log,
      () => performance.now(),
      () => this.lastChange,
    );
    this.records = new NetworkRecords((name) => this.leases(name), log);
    this.onEvent((e) => this.records.record(e));
    this.ports = new PortService(store, runtime, {
      network: (id) => {
        const obj = this.registry.lookup(id);
        return { name: obj.def.name, liveDef: obj.liveDef, runtime: obj.runtime };
      },
      exists: (name) => this.registry.nets.has(name),
      setLiveDef: (name, def) => {
        const obj = this.registry.lookup(name);
        obj.liveDef = def;
        if (!obj.persistent) obj.def = def;
        this.store.saveStatus(name, this.statusOf(obj));
      },
      emit: (name, detail) => this.emit('updated', this.registry.lookup(name).def, detail),
      serialize: (fn) => this.serialize(fn),
    });
    this.forwards = new ForwardService(store, runtime, {
      lookup: (id) => this.registry.lookup(id),
      others: (name) => [...this.registry.nets.values()].filter((o) => o.def.name !== name),
      statusOf: (obj) => this.statusOf(obj),
      emit: (type, def, detail) => this.emit(type, def, detail),
      serialize: (fn) => this.serialize(fn),
    });
    this.overlay = new OverlayService(runtime, {
      active: () => this.registry.active().map((o) => o.liveDef as NetworkDef),
      live: (id) => this.registry.lookup(id),
      emit: (def, detail) => this.emit('updated', def, detail),
      serialize: (fn) => this.serialize(fn),
      log,
    });
    this.lifecycle = new Lifecycle({
      registry: this.registry,
      store,
      runtime,
      ports: this.ports,
      forwards: this.forwards,
      emit: (type, def, detail) => this.emit(type, def, detail),
      repaired: (def, trigger, o) => this.repaired(def, trigger, o),
      statusOf: (obj) => this.statusOf(obj),
      started: (name) => this.healLoop.soon(name),
      startGuard: (def) => this.startGuard(def),
      log,
    });
    this.unsubscribeRuntime = runtime.onEvent((e) => {
      if (this.overlay.hostEvent(e)) {
        this.log(`overlay: ${e.type}${e.detail ? ` ${JSON.stringify(e.detail)}` : ''}`);
        return;
      }
      if (e.type === 'firewall-lost') {
        this.healLoop.now();
        return;
      }
      if (e.type === 'upstream-changed') {
        // every network's servers file follows (a heal round compares them), heal loop on or off
        this.heal().catch((err) => log(`upstream DNS change: ${(err as Error).message}`));
        return;
      }
      const obj = this.registry.nets.get(e.network);
      if (!obj?.def.uuid) return;
      // the supervisor logs dnsmasq's deaths and recoveries itself; leases are logged here, in words
      if (e.type === 'lease')
        this.log(`network '${e.network}': ${leaseText(e.detail ?? {})}`, { event: 'lease' });
      // what went wrong behind a request (a hook script not run, a stop that failed): said once, in its words
      if (e.type === 'error')
        this.log(`network '${e.network}': ${String(e.detail?.message ?? 'error')}`, {
          level: 'warn',
          network: e.network,
        });
      this.emit(e.type === 'lease' ? 'lease' : 'updated', obj.def, {
        runtimeEvent: e.type,
        ...(e.detail ?? {}),
      });
    });
  }

  /**
   * Runs fn after every earlier mutation finished; mutations never interleave. `change` false: it is no change
   * made through the API (a heal round), which the heal loop does not wait for.
   */
  private serialize<T>(fn: () => Promise<T> | T, change = true): Promise<T> {
    const run = this.queue.then(fn, fn).finally(() => {
      if (change) this.lastChange = performance.now();
    });
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

  /** The one shape of a repair's event (RepairedDetail), whatever started it. */
  private repaired(def: NetworkDef, trigger: RepairedDetail['trigger'], o: ReconcileOutcome): void {
    const detail: RepairedDetail = { trigger, problems: o.problems.map((p) => p.what), steps: o.steps };
    this.log(
      `network '${def.name}': repaired (${trigger}): ${detail.problems.join('; ') || detail.steps.join('; ')}`,
    );
    this.emit('repaired', def, detail as unknown as Record<string, unknown>);
  }

  /**
   * Loads definitions and ports, adopts networks that kept running, then starts autostart networks.
   * With `definitionsOnly` (import), only the definitions are read: nothing is adopted or started.
   */
  async load(opts: { definitionsOnly?: boolean } = {}): Promise<void> {
    await this.serialize(() => this.lifecycle.load(opts));
    if (opts.definitionsOnly) return;
    // lease counts for the list, read in the background: autostart does not wait for a thousand lease files
    void this.records.prime(this.registry.active().map((o) => o.def.name));
    const pending = [...this.registry.nets.values()].filter((obj) => obj.autostart && !obj.liveDef);
    if (!pending.length) return;
    const t0 = Date.now();
    let started = 0;
    let ended = 0;
    const step = pending.length >= 1000 ? 100 : 50;
    this.log(`autostart: starting ${pending.length} networks`);
    await this.serialize(() =>
      this.lifecycle.startMany(
        pending,
        AUTOSTART_CONCURRENCY,
        (obj, e) => {
          const name = obj.def.name;
          ended++;
          if (!e) {
            started++;
            this.log(`network '${name}' autostarted`);
          } else {
            const err = e as VirtError;
            this.log(`autostart of network '${name}' failed: ${err.message}`, {
              level: 'error',
              network: name,
              step: err.step,
              hint: err.hint,
            });
          }
          if (ended % step === 0 && ended < pending.length)
            this.log(
              `autostart: ${ended} of ${pending.length} networks done (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
            );
        },
        (count) =>
          this.log(
            `autostart: bridges and firewall rules of ${count} networks made in ${((Date.now() - t0) / 1000).toFixed(1)} s; starting their dnsmasq`,
          ),
      ),
    );
    this.log(
      `autostart: ${started} of ${pending.length} networks started in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
  }

  info(id: string | NetworkObj): NetworkInfo {
    const obj = typeof id === 'string' ? this.registry.lookup(id) : id;
    return this.withOverlay(obj, toInfo(obj, this.runtime.uplink(), this.runtime.degraded(obj.def.name)));
  }

  list(filter: ListFilter = {}): NetworkInfo[] {
    const uplink = this.runtime.uplink();
    return this.registry
      .filtered(filter)
      .map((o) => this.withOverlay(o, toInfo(o, uplink, this.runtime.degraded(o.def.name))));
  }

  private withOverlay(obj: NetworkObj, info: NetworkInfo): NetworkInfo {
    const overlay = this.overlay.infoOf(obj.liveDef ?? obj.def, obj.liveDef ? obj.runtime : undefined);
    return overlay ? { ...info, overlay } : info;
  }

  /** The list page's view of the networks (everything from memory: no host probe). */
  summaries(filter: ListFilter = {}): NetworkSummary[] {
    const degraded = (n: string) => this.runtime.degraded(n);
    const ctx = { ports: this.ports.list(), uplink: this.runtime.uplink(), degraded };
    return this.records.summaries(this.registry.filtered(filter), ctx);
  }

  /** Live XML while active (unless inactive is asked), else the persistent definition. */
  xml(id: string, inactive = false): string {
    const obj = this.registry.lookup(id);
    if (obj.liveDef && !inactive) return formatNetworkXml(this.ports.liveView(obj.def.name, obj.liveDef));
    return formatNetworkXml(inactive && obj.newDef ? obj.newDef : obj.def, { inactive: true });
  }

  definition(id: string): NetworkDef {
    const obj = this.registry.lookup(id);
    return obj.liveDef ?? obj.def;
  }

  private prepare(xml: string) {
    return this.registry.prepare(xml, (n) => this.runtime.hostHasDevice(n));
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
        this.registry.nets.set(def.name, { def, persistent: true, autostart: false });
      }
      this.emit('defined', def);
      return this.info(def.name);
    });
  }

  /**
   * Define and start as one change (the web UI's Create): a start that fails undoes the define, so a refused
   * network (an overlapping subnet, a bridge in use) is not left behind defined. Only for a new network.
   */
  defineAndStart(xml: string, opts: { autostart?: boolean } = {}): Promise<NetworkInfo> {
    return this.serialize(async () => {
      const { def, existing } = this.prepare(xml);
      if (existing) {
        throw new VirtError('NETWORK_EXIST', `network '${existing.def.name}' already exists`);
      }
      const obj: NetworkObj = { def, persistent: true, autostart: !!opts.autostart };
      this.store.saveDefinition(def);
      this.registry.nets.set(def.name, obj);
      this.emit('defined', def);
      try {
        if (opts.autostart) this.store.setAutostart(def.name, true);
        await this.lifecycle.start(obj, def);
      } catch (e) {
        this.registry.nets.delete(def.name);
        if (opts.autostart) this.store.setAutostart(def.name, false);
        this.store.deleteDefinition(def.name);
        this.emit('undefined', def, { reason: 'start failed: the define was undone' });
        throw e;
      }
      return this.info(obj);
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
      if (!existing) this.registry.nets.set(def.name, obj);
      try {
        await this.lifecycle.start(obj, def);
      } catch (e) {
        if (!existing) this.registry.nets.delete(def.name);
        throw e;
      }
      return this.info(obj);
    });
  }

  undefine(id: string): Promise<NetworkInfo> {
    return this.serialize(async () => {
      const obj = this.registry.lookup(id);
      if (!obj.persistent) throw new VirtError('OPERATION_INVALID', "can't undefine transient network");
      this.store.deleteDefinition(obj.def.name);
      obj.persistent = false;
      obj.autostart = false;
      obj.newDef = undefined;
      if (!obj.liveDef) {
        // the network's last traces: its kept ports (their devices) and its lease file
        await this.runtime.forget(obj.def, this.ports.devicesOf(obj.def.name));
        await this.ports.removeAllOf(obj.def.name, false);
        this.overlay.forget(obj.def.name);
        this.registry.nets.delete(obj.def.name);
      } else this.store.saveStatus(obj.def.name, this.statusOf(obj));
      this.emit('undefined', obj.def);
      return this.info(obj);
    });
  }

  setAutostart(id: string, on: boolean): Promise<NetworkInfo> {
    return this.serialize(() => {
      const obj = this.registry.lookup(id);
      if (!obj.persistent)
        throw new VirtError('OPERATION_INVALID', 'cannot set autostart for transient network');
      this.store.setAutostart(obj.def.name, on);
      obj.autostart = on;
      this.emit('updated', obj.def, { autostart: on });
      return this.info(obj);
    });
  }

  start(id: string): Promise<NetworkInfo> {
    return this.serialize(async () => {
      const obj = this.registry.lookup(id);
      if (obj.liveDef) throw new VirtError('OPERATION_INVALID', 'network is already active');
      await this.lifecycle.start(obj, obj.def);
      return this.info(obj);
    });
  }

  private statusOf(obj: NetworkObj): ActiveStatus {
    return {
      xml: formatNetworkXml(obj.liveDef as NetworkDef),
      transient: !obj.persistent,
      runtime: obj.runtime ?? {},
    };
  }

  destroy(id: string): Promise<NetworkInfo> {
    return this.serialize(async () => {
      const obj = this.registry.lookup(id);
      const live = obj.liveDef;
      if (!live) throw new VirtError('OPERATION_INVALID', `network '${obj.def.name}' is not active`);
      const info = await this.lifecycle.stop(obj, live);
      this.emit('stopped', live);
      return info;
    });
  }

  async leases(id: string, mac?: string): Promise<Lease[]> {
    // like libvirt: the lease file outlives a stop, so an inactive network lists its unexpired leases too
    const obj = this.registry.lookup(id);
    const now = Date.now() / 1000;
    const all = (await this.runtime.leases(obj.liveDef ?? obj.def, obj.runtime ?? {})).filter(
      (l) => l.expiryTime === 0 || l.expiryTime >= now,
    );
    return mac ? all.filter((l) => l.mac.toLowerCase() === mac.toLowerCase()) : all;
  }

  /** Drift between the host and an active network and its ports (empty when all is as started). */
  async check(id: string): Promise<DriftProblem[]> {
    const obj = this.registry.lookup(id);
    const live = obj.liveDef;
    if (!live) throw new VirtError('OPERATION_INVALID', `network '${obj.def.name}' is not active`);
    const problems = await this.runtime.check(live, obj.runtime ?? {}, this.ports.devicesOf(obj.def.name));
    // every client learns of drift found (or gone) by anyone's check, once
    const what = problems.map((p) => p.what);
    if (this.records.health.observed(live.name, what))
      this.emit('updated', live, { runtimeEvent: 'drift', problems: what });
    return problems;
  }

  repair(id: string): Promise<{ info: NetworkInfo; repaired: DriftProblem[] }> {
    return this.serialize(async () => {
      const obj = this.registry.lookup(id);
      const live = obj.liveDef;
      if (!live) throw new VirtError('OPERATION_INVALID', `network '${obj.def.name}' is not active`);
      const outcome = await this.runtime.repair(live, obj.runtime ?? {}, this.ports.devicesOf(live.name));
      if (outcome.steps.length) {
        obj.runtime = outcome.state;
        this.store.saveStatus(live.name, this.statusOf(obj));
        this.repaired(live, 'request', outcome);
      } else if (this.records.health.observed(live.name, [])) {
        // nothing left to repair (the host came back by itself): drift known from before is gone
        this.emit('updated', live, { runtimeEvent: 'drift', problems: [] });
      }
      return { info: this.info(obj), repaired: outcome.problems };
    });
  }

  planDefine(xml: string): Promise<ChangePlan> {
    return dry.planDefine(this.dryRunContext(), xml);
  }

  planCreate(xml: string): Promise<ChangePlan> {
    return dry.planCreate(this.dryRunContext(), xml);
  }

  planStart(id: string): Promise<ChangePlan> {
    return dry.planStart(this.dryRunContext(), id);
  }

  planDestroy(id: string): Promise<ChangePlan> {
    return dry.planDestroy(this.dryRunContext(), id);
  }

  planUndefine(id: string): Promise<ChangePlan> {
    return dry.planUndefine(this.dryRunContext(), id);
  }

  private dryRunContext(): dry.DryRunContext {
    return {
      registry: this.registry,
      store: this.store,
      runtime: this.runtime,
      ports: this.ports,
      liveFor: (obj, def) => this.lifecycle.liveFor(obj, def),
    };
  }

  /**
   * net-update: add, delete or modify one element (DHCP host or range, DNS host/TXT/SRV, forward interface,
   * portgroup) of the live and/or persistent definition (src/daemon/net-update.ts says which and how).
   */
  update(id: string, req: UpdateRequest): Promise<NetworkInfo> {
    return this.serialize(async () => {
      const obj = this.registry.lookup(id);
      const r = await applyUpdate(obj, req, {
        store: this.store,
        runtime: this.runtime,
        saveStatus: (o) => this.store.saveStatus(o.def.name, this.statusOf(o)),
      });
      this.emit('updated', obj.liveDef ?? obj.def, {
        section: r.section,
        command: req.command,
        live: r.live,
        config: r.config,
      });
      // libvirt runs the `updated` hook after the change; its failure is the update's error (the change stays)
      if (obj.liveDef) await this.runtime.runHooks('updated', this.ports.liveView(obj.def.name, obj.liveDef));
      return this.info(obj);
    });
  }

  /**
   * One round of the heal loop: whatever of an active network or its ports went missing behind the daemon's back
   * (a deleted bridge, a port off its bridge, the table) is made again, and accept rules in Docker's DOCKER-USER
   * chain follow the active bridges. Returns the names of the networks repaired.
   */
  /** A heal round over every active network, or over `only` of them (a round after starts). */
  heal(only?: ReadonlySet<string>): Promise<string[]> {
    return this.serialize(() => this.observedHeal(only), false);
  }

  /** Called after each heal round (metrics): its duration, networks repaired, and whether it failed. */
  onHealRound(observer: HealObserver): () => void {
    this.healObservers.add(observer);
    return () => this.healObservers.delete(observer);
  }

  private async observedHeal(only?: ReadonlySet<string>): Promise<string[]> {
    const started = performance.now();
    const report = (repaired: number, failed: boolean) => {
      const seconds = (performance.now() - started) / 1000;
      for (const o of this.healObservers) o({ seconds, repaired, failed });
    };
    try {
      const names = await this.healRound(only);
      report(names.length, false);
      return names;
    } catch (e) {
      report(0, true);
      throw e;
    }
  }

  private healRound(only?: ReadonlySet<string>): Promise<string[]> {
    return (async () => {
      const active = this.registry.active();
      const done = await this.runtime.heal(
        active.map((o) => ({
          def: o.liveDef as NetworkDef,
          state: o.runtime ?? {},
          ports: only && !only.has(o.def.name) ? [] : this.ports.devicesOf(o.def.name),
        })),
        only,
      );
      for (const { name, outcome, error } of done) {
        const obj = this.registry.nets.get(name);
        if (!obj?.liveDef) continue;
        if (error !== undefined) {
          // told once per change, not at every round: the heal loop keeps trying
          const what = outcome.problems.map((p) => p.what);
          if (this.records.health.observed(name, what, error))
            this.emit('failed', obj.liveDef, { operation: 'heal', message: error, problems: what });
          continue;
        }
        obj.runtime = { ...(obj.runtime ?? {}), ...outcome.state };
        this.store.saveStatus(name, this.statusOf(obj));
        this.repaired(obj.liveDef, 'heal', outcome);
      }
      return done.filter((d) => d.error === undefined).map((d) => d.name);
    })();
  }

  /** Runs heal() every intervalMs until shutdown (and soon after each start: Docker's chain may need our rules). */
  startHealing(intervalMs: number, overlayWatchMs = 1000): void {
    this.healLoop.start(intervalMs);
    this.overlay.start(overlayWatchMs);
  }

  /** Daemon shutdown: networks keep running; a later daemon adopts them. */
  async shutdown(): Promise<void> {
    await this.healLoop.dispose();
    await this.overlay.dispose();
    await this.serialize(async () => {
      this.unsubscribeRuntime();
      await this.runtime.detach();
    });
  }
}
