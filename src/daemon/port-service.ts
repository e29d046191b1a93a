// Network ports: libvirt's port objects of active networks, plus the devices virtnet makes for guests (taps for
// VMs, veth pairs for containers) and their DHCP reservations. Ports with the same owner form a guest.
// Mutations run in the daemon's queue (passed in), so they never interleave with network starts and stops.

import { randomBytes } from 'node:crypto';
import type { PortInfo } from '../api/types.js';
import { parseIPv4, subnetContains } from '../model/addr.js';
import { VirtError } from '../model/errors.js';
import type { NetworkDef } from '../model/network-def.js';
import { ipSubnet } from '../model/network-ip.js';
import { formatPortXml, type PortDef, parsePortXml } from '../model/port-def.js';
import { normalizeUuid, uuidFromRandom } from '../model/uuid.js';
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
}

export interface PortHooks {
  /** The network by name or UUID; throws when unknown. liveDef is absent when it is not active. */
  network(id: string): { name: string; liveDef?: NetworkDef; runtime?: RuntimeState };
  /** Replaces the running definition (DHCP reservations of ports) and saves the network's status. */
  setLiveDef(name: string, def: NetworkDef): void;
  emit(network: string, detail: Record<string, unknown>): void;
  serialize<T>(fn: () => Promise<T>): Promise<T>;
}

const HOSTNAME_RE = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const IFNAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/;

const invalid = (msg: string) => new VirtError('INVALID_ARG', msg);

export class PortService {
  private readonly ports = new Map<string, PortInfo>();
  /** Traffic filters of ports (set by the daemon's start-up when the filter service runs). */
  filters?: PortFilterHook;

  constructor(
    private readonly store: Store,
    private readonly runtime: NetworkRuntime,
    private readonly hooks: PortHooks,
  ) {}

  /** After the networks were adopted: keep ports whose network runs, recreate devices that vanished. */
  async load(log: (m: string) => void): Promise<void> {
    for (const p of this.store.loadPorts()) {
      let net: ReturnType<PortHooks['network']> | undefined;
      try {
        net = this.hooks.network(p.network);
      } catch {
        net = undefined;
      }
      if (!net?.liveDef) {
        this.store.deletePort(p.uuid);
        continue;
      }
      this.ports.set(p.uuid, p);
      const dev = p.device;
      // an adopted tap belongs to the hypervisor: never recreated here
      if (!dev || dev.adopted || this.runtime.portDeviceExists(dev.name)) continue;
      try {
        await this.runtime.plugPort(this.plugRequest(net.liveDef, p));
        log(`port ${p.uuid} of '${p.owner.name}': recreated ${dev.kind} ${dev.name}`);
      } catch (e) {
        log(
          `port ${p.uuid} of '${p.owner.name}': ${dev.name} could not be recreated: ${(e as Error).message}`,
        );
      }
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
      if (req.tap !== undefined && req.netns !== undefined)
        throw invalid('a port has either --tap or --netns, not both');
      if (req.tap !== undefined || req.netns !== undefined) {
        const kind = req.netns !== undefined ? 'veth' : 'tap';
        const name = req.tap || this.freeDeviceName(kind, port.uuid);
        if (!IFNAME_RE.test(name)) throw invalid(`device name '${name}' is not a valid interface name`);
        port.device = { kind, name };
        if (req.adopt) this.checkAdopt(port.device);
        if (req.netns !== undefined) port.device.netns = req.netns;
        if (req.uid !== undefined) {
          if (!Number.isInteger(req.uid) || req.uid < 0)
            throw invalid(`uid must be a number, not '${req.uid}'`);
          port.device.uid = req.uid;
        }
      }
      let newLive: NetworkDef | undefined;
      if (req.adopt && !port.device) throw invalid('adopting a device needs the name of the existing tap');
      if (req.ip !== undefined) {
        newLive = this.withReservation(live, port, req.ip);
        port.ip = req.ip;
      }
      port.xml = formatPortXml(def);
      if (port.device?.adopted) await this.runtime.attachExistingPort?.(this.plugRequest(live, port, def));
      else if (port.device) await this.runtime.plugPort(this.plugRequest(live, port, def));
      try {
        await this.filters?.bind(port, req);
        if (newLive) {
          this.hooks.setLiveDef(net.name, newLive);
          await this.runtime.reloadDhcpHosts(newLive, net.runtime ?? {});
        }
        this.store.savePort(port);
      } catch (e) {
        await this.filters?.unbind(port).catch(() => undefined);
        if (port.device?.adopted) await this.runtime.releaseExistingPort?.(port.device.name);
        else if (port.device) await this.runtime.unplugPort(port.device.name);
        if (newLive) this.hooks.setLiveDef(net.name, live);
        throw e;
      }
      this.ports.set(port.uuid, port);
      this.hooks.emit(net.name, { port: 'created', uuid: port.uuid, owner: port.owner.name, mac: port.mac });
      return port;
    });
  }

  delete(networkId: string, portId: string): Promise<PortInfo> {
    return this.hooks.serialize(async () => {
      const port = this.get(networkId, portId);
      await this.remove(port);
      return port;
    });
  }

  /** Network destroy: its ports go with it (libvirt drops them too); the devices are removed. Runs in the queue. */
  async removeAllOf(network: string): Promise<void> {
    for (const p of [...this.ports.values()]) if (p.network === network) await this.remove(p, false);
  }

  private async remove(port: PortInfo, dropReservation = true): Promise<void> {
    await this.filters?.unbind(port);
    // an adopted tap stays: the hypervisor that made it removes it
    if (port.device?.adopted) await this.runtime.releaseExistingPort?.(port.device.name);
    else if (port.device) await this.runtime.unplugPort(port.device.name);
    if (port.ip && dropReservation) {
      const net = this.hooks.network(port.network);
      if (net.liveDef) {
        const next = structuredClone(net.liveDef);
        for (const ip of next.ips) {
          if (ip.dhcp) ip.dhcp.hosts = ip.dhcp.hosts.filter((h) => !(h.mac === port.mac && h.ip === port.ip));
        }
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
    if (def.group && !pg) {
      throw invalid(`network '${live.name}' has no portgroup '${def.group}'`);
    }
    if (pg) {
      def.group = pg.name;
      if (!def.bandwidth && pg.bandwidth) def.bandwidth = pg.bandwidth;
      if (!def.vlan && pg.vlan) def.vlan = pg.vlan;
    }
    if (live.portIsolated && def.isolated === undefined) def.isolated = true;
    def.plug = { type: 'network', bridge };
    return def;
  }

  private plugRequest(live: NetworkDef, port: PortInfo, def: PortDef = parsePortXml(port.xml)) {
    const dev = port.device as NonNullable<PortInfo['device']>;
    return {
      kind: dev.kind,
      name: dev.name,
      bridge: live.bridge?.name as string,
      mac: port.mac,
      ...(live.mtu ? { mtu: live.mtu } : {}),
      ...(dev.uid !== undefined ? { uid: dev.uid } : {}),
      ...(dev.netns ? { netns: dev.netns } : {}),
      ...(def.bandwidth ? { bandwidth: def.bandwidth } : {}),
      ...(def.isolated ? { isolated: true } : {}),
    };
  }

  /** adopt: the tap must exist, be nobody's port yet, and the runtime must be able to attach it. */
  private checkAdopt(dev: NonNullable<PortInfo['device']>): void {
    if (dev.kind !== 'tap') throw invalid('only a tap can be adopted');
    if (!this.runtime.attachExistingPort)
      throw new VirtError('CONFIG_UNSUPPORTED', 'this runtime cannot attach existing devices');
    if (!this.runtime.portDeviceExists(dev.name))
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
      if (!taken.has(n) && !this.runtime.portDeviceExists(n)) return n;
    }
  }

  /** The live definition with a DHCP host entry reserving `ip` for the port's MAC. */
  private withReservation(live: NetworkDef, port: PortInfo, ip: string): NetworkDef {
    const addr = parseIPv4(ip);
    if (!addr) throw invalid(`'${ip}' is not an IPv4 address`);
    const next = structuredClone(live);
    const block = next.ips.find((x) => {
      const s = ipSubnet(x);
      return s?.family === 4 && subnetContains(s, addr);
    });
    if (!block?.dhcp) {
      throw invalid(`${ip} is not inside a subnet of network '${live.name}' that has DHCP`);
    }
    const s = ipSubnet(block);
    const offset = s ? addr.value - s.network : 0n;
    if (!s || offset === 0n || offset === (1n << BigInt(32 - s.prefix)) - 1n || block.address === ip) {
      throw invalid(`${ip} is not a guest address of network '${live.name}'`);
    }
    const taken = block.dhcp.hosts.find((h) => h.ip === ip);
    if (taken) throw invalid(`${ip} is already reserved for ${taken.mac ?? taken.name ?? 'another host'}`);
    const name = HOSTNAME_RE.test(port.owner.name) ? port.owner.name : undefined;
    block.dhcp.hosts.push({ mac: port.mac, ip, ...(name ? { name } : {}) });
    return next;
  }
}

export function randomMac(): string {
  const b = randomBytes(3);
  return `52:54:00:${[...b].map((x) => x.toString(16).padStart(2, '0')).join(':')}`;
}
