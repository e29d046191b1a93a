// Starting, stopping and adopting networks: the registry's objects meet the reconciler. What a start checks across
// networks (bridge, forwards), the live definition it runs with (defaults, ports' reservations), and what a stop
// keeps (a persistent network's ports) or drops (a transient one's, with its lease file).

import type { NetworkEventType, NetworkInfo, RepairedDetail } from '../api/types.js';
import { withPool } from '../model/direct.js';
import { VirtError } from '../model/errors.js';
import type { NetworkDef } from '../model/network-def.js';
import { liveNetworkDef } from '../model/network-defaults.js';
import { parseNetworkXml } from '../model/network-parse.js';
import { checkStartable } from '../model/network-validate.js';
import { forwardLabel, readForwards } from '../model/port-forward.js';
import { withReservation } from '../model/port-reservation.js';
import type { ForwardService } from './forward-service.js';
import type { PortService } from './port-service.js';
import { type NetworkObj, type Registry, toInfo } from './registry.js';
import type { NetworkRuntime, ReconcileOutcome } from './runtime.js';
import type { ActiveStatus, Store } from './store.js';

export interface LifecycleContext {
  registry: Registry;
  store: Store;
  runtime: NetworkRuntime;
  ports: PortService;
  forwards: ForwardService;
  emit(type: NetworkEventType, def: NetworkDef, detail?: Record<string, unknown>): void;
  repaired(def: NetworkDef, trigger: RepairedDetail['trigger'], o: ReconcileOutcome): void;
  statusOf(obj: NetworkObj): ActiveStatus;
  /** After each start: the heal loop's early round. */
  started(): void;
  /** Checked before every start, autostart included: the daemon's policy (refused dnsmasq options). */
  startGuard(def: NetworkDef): void;
  log(msg: string): void;
}

export class Lifecycle {
  constructor(private readonly ctx: LifecycleContext) {}

  /** Definitions and ports from the store, then the networks that kept running are adopted (ports included). */
  async load(opts: { definitionsOnly?: boolean }): Promise<void> {
    const { registry, store, runtime, ports, log } = this.ctx;
    for (const d of store.loadDefinitions()) {
      try {
        const def = parseNetworkXml(d.xml);
        if (def.name !== d.name) throw new Error(`file ${d.file} defines network '${def.name}'`);
        registry.nets.set(def.name, { def, persistent: true, autostart: d.autostart });
      } catch (e) {
        log(`ignoring ${d.file}: ${(e as Error).message}`);
      }
    }
    if (opts.definitionsOnly) return;
    const statuses = new Map<string, { live: NetworkDef; status: ActiveStatus }>();
    for (const [name, status] of store.loadStatuses()) {
      try {
        const live = parseNetworkXml(status.xml);
        statuses.set(name, { live, status });
        if (!registry.nets.has(name))
          registry.nets.set(name, { def: live, persistent: false, autostart: false });
      } catch (e) {
        log(`ignoring status of '${name}': ${(e as Error).message}`);
      }
    }
    // ports first: they are part of what adoption makes sure of
    ports.load(log);
    const adopting = [...statuses];
    const outcomes = await runtime.adoptAll(
      adopting.map(([name, { live, status }]) => ({
        def: live,
        state: status.runtime,
        ports: ports.devicesOf(name),
      })),
    );
    let adopted = 0;
    for (const [k, [name, { live, status }]] of adopting.entries()) {
      const obj = registry.nets.get(name) as NetworkObj;
      try {
        const outcome = outcomes[k] as ReconcileOutcome | Error;
        if (outcome instanceof Error) throw outcome;
        adopted++;
        obj.runtime = outcome.state;
        obj.liveDef = live;
        store.saveStatus(name, { ...status, runtime: obj.runtime });
        log(`network '${name}' adopted`);
        if (outcome.steps.length) this.ctx.repaired(live, 'adopt', outcome);
      } catch (e) {
        log(`network '${name}' could not be adopted: ${(e as Error).message}`);
        store.deleteStatus(name);
        if (!obj.persistent) {
          await ports.removeAllOf(name, true);
          registry.nets.delete(name);
        }
      }
    }
    if (adopting.length) log(`${adopted} of ${adopting.length} running networks adopted`);
  }

  /** The definition a start runs with: live defaults, and the DHCP reservations of the network's ports. */
  liveFor(obj: NetworkObj | undefined, def: NetworkDef): NetworkDef {
    let live = liveNetworkDef(def);
    if (!obj) return live;
    for (const r of this.ctx.ports.reservationsOf(def.name)) {
      try {
        live = withReservation(live, r);
      } catch (e) {
        this.ctx.log(
          `network '${def.name}': reservation of ${r.ip} for ${r.mac} left out: ${(e as Error).message}`,
        );
      }
    }
    return live;
  }

  /** A forward that another active network already listens on fails in nft with "File exists": say who has it. */
  private forwardClash(def: NetworkDef): string | undefined {
    const mine = readForwards(def);
    if (!mine.length) return undefined;
    for (const other of this.ctx.registry.active()) {
      if (other.def.name === def.name || !other.liveDef) continue;
      const hit = this.ctx.forwards.clashOf(mine, readForwards(other.liveDef));
      if (hit)
        return `forward ${forwardLabel(hit[0])} of network '${def.name}' clashes with forward ${forwardLabel(hit[1])} of active network '${other.def.name}'`;
    }
    return undefined;
  }

  async start(obj: NetworkObj, def: NetworkDef): Promise<void> {
    const { registry, store, runtime, ports } = this.ctx;
    checkStartable(def);
    this.ctx.startGuard(def);
    for (const other of registry.active()) {
      if (other !== obj && other.liveDef?.bridge?.name && other.liveDef.bridge.name === def.bridge?.name) {
        throw new VirtError('RESOURCE_IN_USE', `bridge name '${def.bridge.name}' already in use.`);
      }
    }
    const clash = this.forwardClash(def);
    if (clash) throw new VirtError('OPERATION_INVALID', clash);
    const live = this.liveFor(obj, def);
    const devices = ports.devicesOf(def.name);
    try {
      obj.runtime = await runtime.start(live, devices);
    } catch (e) {
      // the activity feed (web UI, net-event --json) shows what failed and what to do about it
      const hint = (e as VirtError).hint;
      this.ctx.emit('failed', def, {
        operation: 'start',
        message: (e as Error).message,
        ...(hint ? { hint } : {}),
      });
      throw e;
    }
    // a <pf>'s virtual functions are the pool of the running network (libvirt's interface pool)
    const pool = obj.runtime?.pool;
    obj.liveDef = Array.isArray(pool) ? withPool(live, pool as string[]) : live;
    try {
      store.saveStatus(def.name, this.ctx.statusOf(obj));
    } catch (e) {
      await runtime.stop(live, obj.runtime, { ports: devices }).catch(() => undefined);
      obj.liveDef = undefined;
      obj.runtime = undefined;
      throw e;
    }
    this.ctx.emit('started', def);
    this.ctx.started();
  }

  /**
   * Stops an active network: a persistent one keeps its ports (plugged in again at its next start), a transient
   * one's go with it, and so does its lease file. Returns the network's info as it is after the stop.
   */
  async stop(obj: NetworkObj, live: NetworkDef): Promise<NetworkInfo> {
    const { registry, store, runtime, ports } = this.ctx;
    const dropPorts = !obj.persistent;
    // (the `stopped` hook gets the network as it ran, with its connections)
    await runtime.stop(ports.liveView(live.name, live), obj.runtime ?? {}, {
      ports: ports.devicesOf(live.name),
      dropPorts,
    });
    store.deleteStatus(obj.def.name);
    obj.liveDef = undefined;
    obj.runtime = undefined;
    if (obj.newDef) {
      obj.def = obj.newDef;
      obj.newDef = undefined;
    }
    const info = toInfo(obj, runtime.uplink(), undefined);
    if (!obj.persistent) {
      await ports.removeAllOf(obj.def.name, false);
      await runtime.forget(live);
      registry.nets.delete(obj.def.name);
    }
    return info;
  }
}
