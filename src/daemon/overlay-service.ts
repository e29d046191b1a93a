// The daemon's overlay part: learns bindings from the neighbour entries EVPN installs on each overlay network's
// bridge (a remote guest's MAC and IP) and puts them into dnsmasq's reservations (SIGHUP, no restart), reports
// FRR's restarts on every overlay network's event stream, and answers `overlay-info`.

import type { NetworkInfo, OverlayReport } from '../api/types.js';
import type { Disposable } from '../base/lifecycle.js';
import type { Finding } from '../doctor/checks.js';
import { diagnoseOverlay } from '../doctor/overlay-checks.js';
import { VirtError } from '../model/errors.js';
import type { NetworkDef } from '../model/network-def.js';
import { readOverlay, vxlanDeviceName } from '../model/network-overlay.js';
import type { RemoteNeighbour } from '../plan/overlay-host.js';
import type { NetworkRuntime, RuntimeEvent } from './runtime.js';

export interface OverlayServiceDeps {
  /** Live definitions of the active networks. */
  active: () => NetworkDef[];
  /** The live definition of a network (throws NO_NETWORK), undefined while inactive. */
  live: (id: string) => { def: NetworkDef; liveDef?: NetworkDef };
  emit: (def: NetworkDef, detail: Record<string, unknown>) => void;
  serialize: <T>(fn: () => Promise<T>) => Promise<T>;
  log: (msg: string) => void;
}

export type { OverlayReport };

/** A remote guest's name is asked again after this long (it may have renamed itself). */
const NAME_REFRESH_MS = 60_000;
/** Name queries per round and network: a flood of new bindings is spread over rounds. */
const NAME_QUERIES_PER_ROUND = 32;

export class OverlayService {
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private names: Disposable | undefined;
  /** When each binding's name was last asked, by `network|ip`. */
  private readonly asked = new Map<string, number>();

  constructor(
    private readonly runtime: NetworkRuntime,
    private readonly deps: OverlayServiceDeps,
  ) {}

  /** Watches the active overlay networks' bridges every `intervalMs` (no timer without an overlay side). */
  start(intervalMs: number): void {
    const ov = this.runtime.overlay;
    if (!ov || intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.poll(), intervalMs);
    this.timer.unref();
    this.names = ov.serveNames((ip) => this.localName(ip), this.deps.log);
  }

  /** The host name one of this host's guests gave its dnsmasq, for another member asking. */
  private async localName(ip: string): Promise<string | undefined> {
    for (const def of this.deps.active()) {
      if (!readOverlay(def)) continue;
      const lease = (await this.runtime.leases(def, {})).find((l) => l.ipaddr === ip);
      if (lease?.hostname) return lease.hostname;
    }
    return undefined;
  }

  /** One round: what EVPN installed on each overlay bridge, merged into the bindings; dnsmasq reloaded on change. */
  poll(): Promise<void> {
    this.polling ??= this.round().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  private async round(): Promise<void> {
    const ov = this.runtime.overlay;
    if (!ov) return;
    for (const def of this.deps.active()) {
      const bridge = def.bridge?.name;
      if (!bridge) continue;
      const el = readOverlay(def);
      if (!el) continue;
      try {
        const seen = await ov.remoteNeighbours(bridge, vxlanDeviceName(el.vni));
        let changed = ov.learn(def.name, seen, Math.floor(Date.now() / 1000));
        if (await this.askNames(def.name, seen)) changed = true;
        if (!changed) continue;
        await this.deps.serialize(async () => {
          // it may have stopped meanwhile
          const now = this.deps.active().find((d) => d.name === def.name);
          if (now) await this.runtime.reloadDhcpHosts(now, {});
        });
      } catch (e) {
        this.deps.log(`network '${def.name}': overlay bindings: ${(e as Error).message}`);
      }
    }
  }

  /** Names of remote guests announced now, asked from their members when unknown or old; true on a change. */
  private async askNames(network: string, seen: RemoteNeighbour[]): Promise<boolean> {
    const ov = this.runtime.overlay;
    if (!ov) return false;
    const now = Date.now();
    const due = seen
      .filter((n) => n.vtep && now - (this.asked.get(`${network}|${n.ip}`) ?? 0) >= NAME_REFRESH_MS)
      .slice(0, NAME_QUERIES_PER_ROUND);
    const answers = await Promise.all(due.map((n) => ov.queryName(n.vtep as string, n.ip)));
    let changed = false;
    if (this.asked.size > 10 * NAME_QUERIES_PER_ROUND * 1000) this.asked.clear();
    due.forEach((n, i) => {
      this.asked.set(`${network}|${n.ip}`, now);
      // no answer (a member restarting, a guest without a name) keeps what was known
      const name = answers[i];
      if (name !== undefined && ov.setName(network, n.ip, name)) changed = true;
    });
    return changed;
  }

  /** A host event about FRR (it serves every overlay network): reported on each of them. True when handled. */
  hostEvent(e: RuntimeEvent): boolean {
    if (e.network !== '') return false;
    const process = e.detail?.process;
    if (e.type !== 'frr-restarted' && process !== 'zebra' && process !== 'bgpd') return false;
    for (const def of this.deps.active()) {
      if (!readOverlay(def)) continue;
      this.deps.emit(def, { runtimeEvent: e.type, ...(e.detail ?? {}) });
    }
    return true;
  }

  /** net-info's overlay part: the VNI, and this host's VTEP and the MTU while active (`runtime`: its state). */
  infoOf(def: NetworkDef, runtime: Record<string, unknown> | undefined): NetworkInfo['overlay'] | undefined {
    const el = readOverlay(def);
    if (!el) return undefined;
    const local = this.runtime.overlay?.config.address;
    const mtu = runtime?.overlayMtu;
    return {
      vni: el.vni,
      ...(local ? { localVtep: local } : {}),
      ...(typeof mtu === 'number' ? { mtu } : {}),
    };
  }

  async report(id: string): Promise<OverlayReport> {
    const { def, liveDef } = this.deps.live(id);
    const el = readOverlay(liveDef ?? def);
    if (!el)
      throw new VirtError(
        'OPERATION_INVALID',
        `network '${def.name}' does not span hosts (no <virtnet:overlay> in its <metadata>)`,
      );
    if (!liveDef) throw new VirtError('OPERATION_INVALID', `network '${def.name}' is not active`);
    const ov = this.runtime.overlay;
    if (!ov)
      throw new VirtError(
        'OPERATION_INVALID',
        `virtnetd runs without --overlay-address: network '${def.name}' cannot span hosts here`,
      );
    return { network: def.name, ...(await ov.state(el.vni)), learned: ov.bindings(def.name).length };
  }

  /** `virtnet doctor`'s overlay findings for the defined networks (their running definition when active). */
  async doctor(defs: NetworkDef[]): Promise<Finding[]> {
    const nets = defs.flatMap((d) => {
      const el = readOverlay(d);
      return el ? [{ name: d.name, vni: el.vni, ...(d.mtu !== undefined ? { mtu: d.mtu } : {}) }] : [];
    });
    const ov = this.runtime.overlay;
    if (!ov) return diagnoseOverlay(undefined, nets);
    const facts = await ov.probeUnderlay?.();
    return facts ? diagnoseOverlay(facts, nets) : [];
  }

  /** Undefine: the bindings go with the network. */
  forget(name: string): void {
    this.runtime.overlay?.forget(name);
  }

  async dispose(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.polling;
    await this.names?.dispose();
    this.names = undefined;
  }
}
