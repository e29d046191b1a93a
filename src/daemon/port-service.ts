// Network ports: libvirt's port objects, plus the devices virtnet makes for guests (taps for VMs, veth pairs for
// containers) and their DHCP reservations. Ports are part of a network's desired state: a persistent network keeps
// them across stops (its start plugs them in again), a transient one's go with it. Ports with one owner form a
// guest. Mutations run in the daemon's queue (passed in), so they never interleave with starts and stops.

import { randomBytes } from 'node:crypto';
import type { PortInfo } from '../api/types.js';
import { checkBandwidthRequest, checkFloor, floorOf, nextClassId } from '../model/bandwidth-floor.js';
import { withConnections } from '../model/connections.js';
import { isDirectNetwork } from '../model/direct.js';
import { interfaceModelProblem } from '../model/domain-interfaces.js';
import { VirtError } from '../model/errors.js';
import type { BandwidthDef, NetworkDef } from '../model/network-def.js';
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
import { deviceKindFor, directDeviceFields, directPlug, plugDevOf } from './direct-ports.js';
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
  /** A macvtap for a VM on a direct network (a tap asked of a direct network is one too). */
  macvtap?: boolean;
  /** The port's own <bandwidth> (attach-interface --inbound/--outbound), over its portgroup's. */
  bandwidth?: BandwidthDef;
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

  /** The running definition as libvirt prints it: with the connections of the network's ports. */
  liveView(network: string, live: NetworkDef, extra: PortInfo[] = []): NetworkDef {
    const ports = [...this.ports.values()].filter((p) => p.network === network);
    return withConnections(
      live,
      [...ports, ...extra].map((p) => {
        const dev = plugDevOf(p);
        return dev === undefined ? {} : { dev };
      }),
    );
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
      if (!bridge && !isDirectNetwork(live))
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
      const kind = deviceKindFor(live, req);
      if (kind) {
        const name = req.tap || this.freeDeviceName(kind, port.uuid);
        if (!validIfName(name)) throw invalid(`device name '${name}' is not a valid interface name`);
        port.device = { kind, name, ...directDeviceFields(def.plug) };
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
      if (port.device) Object.assign(port.device, await this.runtime.plugPort(live, deviceOf(port, def)));
      try {
        await this.filters?.bind(port, req);
        if (newLive) {
          this.hooks.setLiveDef(net.name, newLive);
          await this.runtime.reloadDhcpHosts(newLive, net.runtime ?? {});
        }
        // a floor is a class on the bridge, found by the guest's MAC (libvirt's networkPlugBandwidth)
        if (floorOf(def.bandwidth) && port.device)
          await this.runtime.setFloors(live, [...this.devicesOf(net.name), deviceOf(port, def)]);
        // libvirt: a failing port-created hook refuses the port (the network XML already counts it)
        await this.runtime.runHooks(
          'port-created',
          this.liveView(net.name, newLive ?? live, [port]),
          port.xml,
        );
        this.store.savePort(port);
      } catch (e) {
        await this.filters?.unbind(port).catch(() => undefined);
        if (port.device) await this.runtime.unplugPort(deviceOf(port, def));
        if (floorOf(def.bandwidth) && port.device)
          await this.runtime.setFloors(live, this.devicesOf(net.name)).catch(() => undefined);
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
      const live = this.hooks.network(port.network).liveDef;
      if (live) await this.runtime.runHooks('port-deleted', this.liveView(port.network, live), port.xml);
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
    const active = this.hooks.network(port.network).liveDef;
    if (active && port.device && floorOf(parsePortXml(port.xml).bandwidth)) {
      const rest = this.devicesOf(port.network).filter((d) => d.uuid !== port.uuid);
      await this.runtime.setFloors(active, rest).catch(() => undefined);
    }
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

  private portDef(live: NetworkDef, req: PortRequest, bridge: string | undefined): PortDef {
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
    if (req.bandwidth !== undefined) {
      if (req.xml !== undefined) throw invalid('a port from XML takes its bandwidth from the XML');
      def.bandwidth = checkBandwidthRequest(req.bandwidth);
    }
    if (pg) {
      def.group = pg.name;
      if (!def.bandwidth && pg.bandwidth) def.bandwidth = pg.bandwidth;
      if (!def.vlan && pg.vlan) def.vlan = pg.vlan;
    }
    if (floorOf(def.bandwidth)) {
      const others = [...this.ports.values()]
        .filter((p) => p.network === live.name)
        .map((p) => parsePortXml(p.xml).bandwidth);
      checkFloor(
        live,
        def.mac,
        def.bandwidth,
        others.reduce((n, b) => n + floorOf(b), 0),
      );
      const classID = nextClassId(others.flatMap((b) => (b?.classID ? [b.classID] : [])));
      def.bandwidth = { ...def.bandwidth, classID };
    }
    if (live.portIsolated && def.isolated === undefined) def.isolated = true;
    def.plug = bridge
      ? { type: 'network', bridge }
      : directPlug(
          live,
          def,
          [...this.ports.values()].filter((p) => p.network === live.name),
        );
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

  /**
   * libvirt names taps vnetN and macvtaps macvtapN (lowest free); veths and containers' macvlans (eth0 inside)
   * get a name derived from the port UUID.
   */
  private freeDeviceName(kind: 'tap' | 'veth' | 'macvtap' | 'macvlan', uuid: string): string {
    if (kind === 'veth') return `vnv${uuid.replace(/-/g, '').slice(0, 8)}`;
    if (kind === 'macvlan') return `vnm${uuid.replace(/-/g, '').slice(0, 8)}`;
    const prefix = kind === 'macvtap' ? 'macvtap' : 'vnet';
    const taken = new Set([...this.ports.values()].map((p) => p.device?.name));
    for (let i = 0; ; i++) {
      const n = `${prefix}${i}`;
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
    ...(dev.link ? { link: dev.link } : {}),
    ...(dev.mode ? { mode: dev.mode as PortDevice['mode'] } : {}),
    ...(dev.lowerMac ? { lowerMac: dev.lowerMac } : {}),
    ...(dev.tapNode ? { tapNode: dev.tapNode } : {}),
    ...(def.bandwidth?.classID && floorOf(def.bandwidth) ? { classId: def.bandwidth.classID } : {}),
  };
}

export function randomMac(): string {
  const b = randomBytes(3);
  return `52:54:00:${[...b].map((x) => x.toString(16).padStart(2, '0')).join(':')}`;
}
