// Network ports: libvirt's port objects, plus the devices virtnet makes for guests (taps for VMs, veth pairs for
// containers) and their DHCP reservations. Ports are part of a network's desired state: a persistent network keeps
// them across stops (its start plugs them in again), a transient one's go with it. Ports with one owner form a
// guest. Mutations run in the daemon's queue (passed in), so they never interleave with starts and stops.

import { randomBytes } from 'node:crypto';
import type { PortInfo } from '../api/types.js';
import { interfaceModelProblem } from '../model/domain-interfaces.js';
import { VirtError } from '../model/errors.js';
import type { NetworkDef } from '../model/network-def.js';
import { formatPortXml, type PortDef, parsePortXml } from '../model/port-def.js';
import {
  type Reservation,
  reservationName,
  withoutReservation,
  withReservation,
} from '../model/port-reservation.js';
import { assertIfName } from '../model/safe-strings.js';
import { normalizeUuid, uuidFromRandom } from '../model/uuid.js';
import type { PortDevice } from '../plan/desired.js';
import type { PortFilterHook, PortFilterRequest } from './nwfilter-ports.js';
import type { NetworkRuntime, RuntimeState } from './runtime.js';
import type { Store } from './store.js';

/** What port-add and net-port-create ask for. */
export interface PortRequest {
  /** libvirt <networkport> XML (net-port-create); the other fields are virtnet's convenience form. */
  xml?: string;
  owner?: string;
  tap?: string;
  netns?: string;
  mac?: string;
  ip?: string;
  uid?: number;
  group?: string;
  /** The owner's UUID (a domain's <uuid>); default: that of the owner's other ports, else a new one. */
  ownerUuid?: string;
  /** The tap exists already (made by the hypervisor, e.g. QEMU before its ifup script): only attach it. */
  adopt?: boolean;
  /** A traffic filter for the port's device (a domain interface's <filterref>); see nwfilter-ports.ts. */
  filter?: PortFilterRequest;
  /** The guest's NIC model (<model type=...>), kept for domiflist and dumpxml. */
  model?: string;
}

export interface PortHooks {
  /** The network by name or UUID; throws when unknown. liveDef is absent when it is not active. */
  network(id: string): { name: string; liveDef?: NetworkDef; runtime?: RuntimeState };
  /** Whether a network of this name is defined or active (ports of others are dropped at load). */
  exists(name: string): boolean;
  /** Replaces the running definition (DHCP reservations of ports) and saves the network's status. */
  setLiveDef(name: string, def: NetworkDef): void;
  emit(network: string, detail: Record<string, unknown>): void;
  serialize<T>(fn: () => Promise<T>): Promise<T>;
}

const invalid = (msg: string) => new VirtError('INVALID_ARG', msg);

function validIfName(name: string): boolean {
  try {
    assertIfName(name, 'device name');
    return true;
  } catch {
    return false;
  }
}

export class PortService {
  private readonly ports = new Map<string, PortInfo>();
  /** Traffic filters of ports (set by the daemon's start-up when the filter service runs). */
  filters?: PortFilterHook;

  constructor(
    private readonly store: Store,
    private readonly runtime: NetworkRuntime,
    private readonly hooks: PortHooks,
  ) {}

  /** Reads the stored ports (before networks are adopted: they are part of what adoption restores). */
  load(log: (m: string) => void): void {
    for (const p of this.store.loadPorts()) {
      if (!this.hooks.exists(p.network)) {
        log(`port ${p.uuid} of '${p.owner.name}' belongs to no network '${p.network}': dropped`);
        this.store.deletePort(p.uuid);
        continue;
      }
      this.ports.set(p.uuid, p);
    }
  }

  list(networkId?: string): PortInfo[] {
    const name = networkId === undefined ? undefined : this.hooks.network(networkId).name;
    return [...this.ports.values()].filter((p) => name === undefined || p.network === name);
  }

  get(networkId: string, port: string): PortInfo {
    const name = this.hooks.network(networkId).name;
    const uuid = normalizeUuid(port);
    const p = [...this.ports.values()].find(
      (x) => x.network === name && (x.uuid === uuid || x.device?.name === port),
    );
    if (!p) throw new VirtError('NO_NETWORK_PORT', `no network port with matching uuid '${port}'`);
    return p;
  }

  /** Ports of one guest (owner name or UUID), in creation order. */
  ofOwner(owner: string): PortInfo[] {
    const uuid = normalizeUuid(owner);
    return [...this.ports.values()].filter((p) => p.owner.name === owner || p.owner.uuid === uuid);
  }

  /** The devices of a network's ports, as the planner wants them (its desired state). */
  devicesOf(network: string): PortDevice[] {
    return [...this.ports.values()].filter((p) => p.network === network && p.device).map((p) => deviceOf(p));
  }

  /** DHCP reservations of a network's ports (made again at each start). */
  reservationsOf(network: string): Reservation[] {
    return [...this.ports.values()]
      .filter((p) => p.network === network && p.ip)
      .map((p) => ({
        mac: p.mac,
        ip: p.ip as string,
        ...(reservationName(p.owner.name) ? { name: p.owner.name } : {}),
      }));
  }

  create(networkId: string, req: PortRequest): Promise<PortInfo> {
    return this.hooks.serialize(async () => {
      const net = this.hooks.network(networkId);
      const live = net.liveDef;
      if (!live) throw new VirtError('OPERATION_INVALID', `network '${net.name}' is not active`);
      const bridge = live.bridge?.name;
      if (!bridge)
        throw new VirtError('CONFIG_UNSUPPORTED', `network '${net.name}' has no bridge to plug ports into`);
      const def = this.portDef(live, req, bridge);
      const port: PortInfo = {
        uuid: def.uuid as string,
        network: net.name,
        owner: def.owner,
        mac: def.mac,
        xml: '',
      };
      if (def.group) port.group = def.group;
      if (req.model !== undefined) {
        const problem = interfaceModelProblem(req.model);
        if (problem) throw invalid(problem);
        port.model = req.model;
      }
      if (req.tap !== undefined && req.netns !== undefined)
        throw invalid('a port has either --tap or --netns, not both');
      if (req.tap !== undefined || req.netns !== undefined) {
        const kind = req.netns !== undefined ? 'veth' : 'tap';
        const name = req.tap || this.freeDeviceName(kind, port.uuid);
        if (!validIfName(name)) throw invalid(`device name '${name}' is not a valid interface name`);
        port.device = { kind, name };
        if (req.adopt) this.checkAdopt(port.device);
        if (req.netns !== undefined) {
          if (!req.netns.startsWith('/') || req.netns.length > 4096 || req.netns.includes('\0'))
            throw invalid(`network namespace ${req.netns || '(none)'} must be an absolute path`);
          port.device.netns = req.netns;
        }
        if (req.uid !== undefined) {
          if (!Number.isInteger(req.uid) || req.uid < 0)
            throw invalid(`uid must be a number, not '${req.uid}'`);
          port.device.uid = req.uid;
        }
      }
      if (req.adopt && !port.device) throw invalid('adopting a device needs the name of the existing tap');
      let newLive: NetworkDef | undefined;
      if (req.ip !== undefined) {
        newLive = withReservation(live, {
          mac: port.mac,
          ip: req.ip,
          ...(reservationName(port.owner.name) ? { name: port.owner.name } : {}),
        });
        port.ip = req.ip;
      }
      port.xml = formatPortXml(def);
      if (port.device) await this.runtime.plugPort(live, deviceOf(port, def));
      try {
        await this.filters?.bind(port, req);
        if (newLive) {
          this.hooks.setLiveDef(net.name, newLive);
          await this.runtime.reloadDhcpHosts(newLive, net.runtime ?? {});
        }
        this.store.savePort(port);
      } catch (e) {
        await this.filters?.unbind(port).catch(() => undefined);
        if (port.device) await this.runtime.unplugPort(deviceOf(port, def));
        if (newLive) this.hooks.setLiveDef(net.name, live);
        throw e;
      }
      this.ports.set(port.uuid, port);
      this.hooks.emit(net.name, { port: 'created', uuid: port.uuid, owner: port.owner.name, mac: port.mac });
      return port;
    });
  }

  /** Deletes a port (of an active or an inactive network): its device goes, and its reservation. */
  delete(networkId: string, portId: string): Promise<PortInfo> {
    return this.hooks.serialize(async () => {
      const port = this.get(networkId, portId);
      await this.remove(port, true);
      return port;
    });
  }

  /**
   * A network's ports go with it (a transient network stopped, a network undefined): forgotten, and with `unplug`
   * their devices removed here (a stop with dropPorts removed them already). Runs in the queue.
   */
  async removeAllOf(network: string, unplug: boolean): Promise<void> {
    for (const p of [...this.ports.values()]) if (p.network === network) await this.remove(p, unplug);
  }

  private async remove(port: PortInfo, unplug: boolean): Promise<void> {
    await this.filters?.unbind(port);
    // an adopted tap stays: the hypervisor that made it removes it (it is only released)
    if (unplug && port.device) await this.runtime.unplugPort(deviceOf(port));
    if (port.ip) {
      const net = this.hooks.network(port.network);
      if (net.liveDef) {
        const next = withoutReservation(net.liveDef, port.mac, port.ip);
        this.hooks.setLiveDef(port.network, next);
        await this.runtime.reloadDhcpHosts(next, net.runtime ?? {});
      }
    }
    this.ports.delete(port.uuid);
    this.store.deletePort(port.uuid);
    this.hooks.emit(port.network, {
      port: 'deleted',
      uuid: port.uuid,
      owner: port.owner.name,
      mac: port.mac,
    });
  }

  private portDef(live: NetworkDef, req: PortRequest, bridge: string): PortDef {
    let def: PortDef;
    if (req.xml !== undefined) {
      def = parsePortXml(req.xml);
    } else {
      if (!req.owner) throw invalid('a port needs an owner (the guest it belongs to)');
      const sibling = this.ofOwner(req.owner)[0];
      let ownerUuid: string | undefined = sibling?.owner.uuid;
      if (req.ownerUuid !== undefined) {
        ownerUuid = normalizeUuid(req.ownerUuid);
        if (!ownerUuid) throw invalid(`'${req.ownerUuid}' is not a UUID`);
      }
      def = {
        owner: { name: req.owner, uuid: ownerUuid ?? uuidFromRandom(randomBytes(16)) },
        mac: (req.mac ?? randomMac()).toLowerCase(),
      };
      if (req.group) def.group = req.group;
    }
    if (req.mac !== undefined && !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(req.mac)) {
      throw invalid(`'${req.mac}' is not a MAC address`);
    }
    if (Number.parseInt(def.mac.slice(0, 2), 16) & 1) throw invalid(`MAC ${def.mac} is a multicast address`);
    def.uuid ??= uuidFromRandom(randomBytes(16));
    if (this.ports.has(def.uuid)) {
      throw new VirtError('NETWORK_EXIST', `network port with uuid '${def.uuid}' already exists`);
    }
    const clash = [...this.ports.values()].find((p) => p.mac === def.mac && p.network === live.name);
    if (clash) {
      throw new VirtError(
        'NETWORK_EXIST',
        `MAC ${def.mac} is already used by a port of '${clash.owner.name}'`,
      );
    }
    const pg = def.group
      ? live.portgroups.find((g) => g.name === def.group)
      : live.portgroups.find((g) => g.default);
    if (def.group && !pg) throw invalid(`network '${live.name}' has no portgroup '${def.group}'`);
    if (pg) {
      def.group = pg.name;
      if (!def.bandwidth && pg.bandwidth) def.bandwidth = pg.bandwidth;
      if (!def.vlan && pg.vlan) def.vlan = pg.vlan;
    }
    if (live.portIsolated && def.isolated === undefined) def.isolated = true;
    def.plug = { type: 'network', bridge };
    return def;
  }

  /** adopt: the tap must exist and be nobody's port yet. */
  private checkAdopt(dev: NonNullable<PortInfo['device']>): void {
    if (dev.kind !== 'tap') throw invalid('only a tap can be adopted');
    if (!this.runtime.hostHasDevice(dev.name))
      throw invalid(`there is no device named '${dev.name}' to adopt`);
    const user = [...this.ports.values()].find((p) => p.device?.name === dev.name);
    if (user) throw invalid(`device '${dev.name}' is already a port of '${user.owner.name}'`);
    dev.adopted = true;
  }

  /** libvirt names taps vnetN (lowest free); veths get a name derived from the port UUID. */
  private freeDeviceName(kind: 'tap' | 'veth', uuid: string): string {
    if (kind === 'veth') return `vnv${uuid.replace(/-/g, '').slice(0, 8)}`;
    const taken = new Set([...this.ports.values()].map((p) => p.device?.name));
    for (let i = 0; ; i++) {
      const n = `vnet${i}`;
      if (!taken.has(n) && !this.runtime.hostHasDevice(n)) return n;
    }
  }
}

/** A port's device as the planner takes it (bandwidth and isolation from its port XML). */
function deviceOf(port: PortInfo, def: PortDef = parsePortXml(port.xml)): PortDevice {
  const dev = port.device as NonNullable<PortInfo['device']>;
  return {
    uuid: port.uuid,
    owner: port.owner.name,
    kind: dev.kind,
    name: dev.name,
    mac: port.mac,
    ...(dev.uid !== undefined ? { uid: dev.uid } : {}),
    ...(dev.netns ? { netns: dev.netns } : {}),
    ...(def.bandwidth ? { bandwidth: def.bandwidth } : {}),
    ...(def.isolated ? { isolated: true } : {}),
    ...(dev.adopted ? { adopted: true } : {}),
  };
}

export function randomMac(): string {
  const b = randomBytes(3);
  return `52:54:00:${[...b].map((x) => x.toString(16).padStart(2, '0')).join(':')}`;
}
