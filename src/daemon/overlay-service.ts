// The daemon's overlay part: learns bindings from the neighbour entries EVPN installs on each overlay network's
// bridge (a remote guest's MAC and IP) and puts them into dnsmasq's reservations (SIGHUP, no restart), reports
// FRR's restarts on every overlay network's event stream, and answers `overlay-info`.

import type { NetworkInfo } from '../api/types.js';
import type { Finding } from '../doctor/checks.js';
import { diagnoseOverlay } from '../doctor/overlay-checks.js';
import { VirtError } from '../model/errors.js';
import type { NetworkDef } from '../model/network-def.js';
import { readOverlay } from '../model/network-overlay.js';
import type { OverlayState } from '../plan/overlay-host.js';
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

/** What `virtnet overlay-info` and GET /v1/networks/NAME/overlay show. */
export interface OverlayReport extends OverlayState {
  network: string;
  /** Bindings learned from EVPN, kept for guests that move here. */
  learned: number;
}

export class OverlayService {
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;

  constructor(
    private readonly runtime: NetworkRuntime,
    private readonly deps: OverlayServiceDeps,
  ) {}

  /** Watches the active overlay networks' bridges every `intervalMs` (no timer without an overlay side). */
  start(intervalMs: number): void {
    if (!this.runtime.overlay || intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.poll(), intervalMs);
    this.timer.unref();
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
      if (!bridge || !readOverlay(def)) continue;
      try {
        const seen = await ov.remoteNeighbours(bridge);
        if (!ov.learn(def.name, seen, Math.floor(Date.now() / 1000))) continue;
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
  }
}
