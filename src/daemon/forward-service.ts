// Port forwards of NAT networks: listed with their hit counters, added and removed on the running network (one
// nft transaction each) and in the persistent definition together, or only planned (dry run).

import type { ChangePlan, ForwardChangeResponse, ForwardInfo, NetworkEventType } from '../api/types.js';
import { VirtError } from '../model/errors.js';
import { listenSocketLabel, shadowedListeners } from '../model/listen-sockets.js';
import type { NetworkDef } from '../model/network-def.js';
import { formatNetworkXml } from '../model/network-format.js';
import {
  type ForwardKey,
  forwardLabel,
  forwardsClash,
  type PortForward,
  readForwards,
  sameKey,
  withForwards,
} from '../model/port-forward.js';
import { forwardChain } from '../render/nft-forwards.js';
import { bridgeId, forwardChangeScript } from '../render/nft-ruleset.js';
import {
  addForwardEdit,
  deleteForwardEdit,
  type ForwardEdit,
  forwardFromInput,
  noSuchForward,
} from './forward-edit.js';
import type { NetworkObj } from './registry.js';
import type { NetworkRuntime } from './runtime.js';
import type { ActiveStatus, Store } from './store.js';

export interface ForwardHooks {
  lookup(id: string): NetworkObj;
  /** Every other network (any state), for clashes across networks. */
  others(name: string): NetworkObj[];
  statusOf(obj: NetworkObj): ActiveStatus;
  emit(type: NetworkEventType, def: NetworkDef, detail: Record<string, unknown>): void;
  serialize<T>(fn: () => Promise<T>): Promise<T>;
}

export class ForwardService {
  constructor(
    private readonly store: Store,
    private readonly runtime: NetworkRuntime,
    private readonly hooks: ForwardHooks,
  ) {}

  /** Port forwards of the live and the persistent definition, with hit counters of the live ones. */
  async list(id: string): Promise<ForwardInfo[]> {
    const obj = this.hooks.lookup(id);
    const live = obj.liveDef ? readForwards(obj.liveDef) : [];
    const config = obj.persistent ? readForwards(obj.newDef ?? obj.def) : [];
    const counters = obj.liveDef && live.length ? await this.runtime.forwardCounters() : new Map();
    const bridge = bridgeId(obj.liveDef?.bridge?.name ?? '');
    const out: ForwardInfo[] = [];
    for (const f of [...live, ...config.filter((c) => !live.some((l) => sameKey(l, c)))]) {
      const isLive = live.includes(f);
      const info: ForwardInfo = { ...f, live: isLive, config: config.some((c) => sameKey(c, f)) };
      if (isLive) info.hits = counters.get(forwardChain(bridge, f))?.packets ?? 0;
      out.push(info);
    }
    return out.sort((a, b) => a.listenPort - b.listenPort || a.proto.localeCompare(b.proto));
  }

  /** The first pair of clashing forwards between two lists (mine, theirs). */
  clashOf(mine: PortForward[], theirs: PortForward[]): [PortForward, PortForward] | undefined {
    for (const a of mine) {
      const b = theirs.find((t) => forwardsClash(a, t));
      if (b) return [a, b];
    }
    return undefined;
  }

  /**
   * Another network's forward on the same protocol and port: nft would only say "File exists" (both share the
   * forward maps); say which network holds it. Active networks count with their live forwards, all with their
   * persistent ones (they would clash at their next start).
   */
  private checkOtherNetworks(obj: NetworkObj, f: PortForward): void {
    for (const other of this.hooks.others(obj.def.name)) {
      const theirs = [
        ...(other.liveDef ? readForwards(other.liveDef) : []),
        ...(other.persistent ? readForwards(other.newDef ?? other.def) : []),
      ];
      const hit = theirs.find((t) => forwardsClash(f, t));
      if (hit) {
        throw new VirtError(
          'OPERATION_INVALID',
          `forward ${forwardLabel(f)} clashes with forward ${forwardLabel(hit)} of network '${other.def.name}'`,
        );
      }
    }
  }

  /** Adds a forward to the running network (one nft transaction) and to the persistent definition. */
  add(id: string, input: Record<string, unknown>, dryRun = false): Promise<ForwardChangeResponse> {
    return this.hooks.serialize(async () => {
      const obj = this.hooks.lookup(id);
      const f = forwardFromInput(obj.liveDef ?? obj.def, input);
      this.checkOtherNetworks(obj, f);
      const warnings: string[] = [];
      if (f.listenAddress && !this.runtime.hostAddresses().includes(f.listenAddress)) {
        const msg = `listen address ${f.listenAddress} is not an address of this host`;
        // a live forward on it would catch nothing: refused; a stored one may be meant for later, with a warning
        if (obj.liveDef) throw new VirtError('INVALID_ARG', `${msg}: no packet would reach the forward`);
        warnings.push(`${msg} (yet): the forward catches nothing until it is`);
      }
      const shadowed = shadowedListeners(f, this.runtime.listenSockets());
      if (shadowed.length) {
        warnings.push(
          `the host already listens on ${shadowed.map(listenSocketLabel).join(', ')}: connections to ${shadowed.length > 1 ? 'these ports' : 'this port'} from outside would go to the guest instead`,
        );
      }
      const r = await this.apply(obj, f, (def) => addForwardEdit(def, f), dryRun);
      if (warnings.length) r.plan.warnings = warnings;
      return r;
    });
  }

  /** Removes the forward with this protocol, listen address and first port from both definitions. */
  delete(id: string, key: ForwardKey, dryRun = false): Promise<ForwardChangeResponse> {
    return this.hooks.serialize(async () => {
      const obj = this.hooks.lookup(id);
      const all = [...(obj.liveDef ? readForwards(obj.liveDef) : []), ...readForwards(obj.newDef ?? obj.def)];
      const f = all.find((x) => sameKey(x, key));
      if (!f) throw noSuchForward(obj.def.name, key);
      return this.apply(obj, f, (def) => deleteForwardEdit(def, key), dryRun);
    });
  }

  private async apply(
    obj: NetworkObj,
    f: PortForward,
    edit: (def: NetworkDef) => ForwardEdit | undefined,
    dryRun: boolean,
  ): Promise<ForwardChangeResponse> {
    const live = obj.liveDef;
    const liveEdit = live ? edit(live) : undefined;
    const configDef = obj.persistent ? (obj.newDef ?? obj.def) : undefined;
    const configEdit = configDef ? edit(configDef) : undefined;
    const plan: ChangePlan = { dryRun, commands: [], nft: '', files: [] };
    if (live && liveEdit && live.bridge?.name && obj.runtime?.firewall !== false) {
      plan.nft = forwardChangeScript(live.bridge.name, liveEdit.add, liveEdit.remove);
    }
    const newConfig = configDef && configEdit ? withForwards(configDef, configEdit.next) : undefined;
    if (newConfig) {
      plan.files.push({
        path: this.store.configFile(newConfig.name),
        content: formatNetworkXml(newConfig, { inactive: true }),
      });
    }
    const info: ForwardInfo = { ...f, live: !!liveEdit, config: !!configEdit };
    const response = { network: obj.def.name, forward: info, plan };
    if (dryRun) return response;
    if (live && liveEdit) {
      await this.runtime.changeForwards(live, obj.runtime ?? {}, liveEdit.add, liveEdit.remove);
      obj.liveDef = withForwards(live, liveEdit.next);
      this.store.saveStatus(obj.def.name, this.hooks.statusOf(obj));
    }
    if (newConfig) {
      this.store.saveDefinition(newConfig);
      if (obj.newDef) obj.newDef = newConfig;
      else obj.def = newConfig;
    }
    if (!obj.persistent && obj.liveDef) obj.def = obj.liveDef;
    this.hooks.emit('updated', obj.liveDef ?? obj.def, {
      forward: liveEdit?.add.length || configEdit?.add.length ? 'added' : 'deleted',
      ...f,
    });
    return response;
  }
}
