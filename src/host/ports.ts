// Guest devices on a network's bridge: persistent taps for VMs (owned by a user, so QEMU, Firecracker or
// cloud-hypervisor can open them unprivileged) and veth pairs into a container's network namespace; bandwidth
// with tc as libvirt sets it (htb toward the guest, an ingress policer from it), bridge port isolation.

import { existsSync, readFileSync } from 'node:fs';
import type { BandwidthDef } from '../model/network-def.js';
import { assertIfName } from '../model/safe-strings.js';
import { exec, run } from './exec.js';

export interface PlugRequest {
  kind: 'tap' | 'veth';
  /** Host-side device name. */
  name: string;
  bridge: string;
  /** The guest's MAC (the container end of a veth gets it; a tap gets fe:… like libvirt's). */
  mac: string;
  mtu?: number;
  uid?: number;
  /** veth: path of the container's network namespace (e.g. /var/run/netns/NAME or /proc/PID/ns/net). */
  netns?: string;
  bandwidth?: BandwidthDef;
  isolated?: boolean;
}

/** libvirt gives the host side of a tap the guest's MAC with 0xfe first, so the bridge never takes it. */
export function hostSideMac(mac: string): string {
  return `fe${mac.slice(2)}`;
}

export function deviceExists(name: string): boolean {
  return existsSync(`/sys/class/net/${name}`);
}

export async function plugDevice(r: PlugRequest): Promise<void> {
  assertIfName(r.name, 'port device name');
  if (deviceExists(r.name)) throw new Error(`a device named '${r.name}' already exists on the host`);
  const mtu = r.mtu ? ` mtu ${r.mtu}` : '';
  try {
    if (r.kind === 'tap') {
      await run({
        argv: [
          'ip',
          'tuntap',
          'add',
          'dev',
          r.name,
          'mode',
          'tap',
          ...(r.uid !== undefined ? ['user', String(r.uid)] : []),
        ],
      });
      await run({
        argv: ['ip', '-batch', '-'],
        stdin: `link set dev ${r.name} address ${hostSideMac(r.mac)}${mtu}\nlink set dev ${r.name} master ${r.bridge} up\n`,
      });
    } else {
      const ns = r.netns ?? '';
      if (!ns.startsWith('/') || !existsSync(ns))
        throw new Error(`network namespace ${ns || '(none)'} does not exist`);
      await run({
        argv: [
          'ip',
          'link',
          'add',
          r.name,
          ...(r.mtu ? ['mtu', String(r.mtu)] : []),
          'type',
          'veth',
          'peer',
          'name',
          'eth0',
          ...(r.mtu ? ['mtu', String(r.mtu)] : []),
          'netns',
          ns,
        ],
      });
      await run({ argv: ['nsenter', `--net=${ns}`, 'ip', 'link', 'set', 'eth0', 'address', r.mac, 'up'] });
      await run({ argv: ['ip', 'link', 'set', 'dev', r.name, 'master', r.bridge, 'up'] });
    }
    if (r.isolated) await run({ argv: ['bridge', 'link', 'set', 'dev', r.name, 'isolated', 'on'] });
    if (r.bandwidth) await applyBandwidth(r.name, r.bandwidth);
  } catch (e) {
    await exec({ argv: ['ip', 'link', 'del', 'dev', r.name] });
    throw e;
  }
}

/** Puts an existing tap (made by the hypervisor, e.g. QEMU before it runs its ifup script) on a bridge. */
export async function attachExistingTap(name: string, bridge: string, mtu?: number): Promise<void> {
  assertIfName(name, 'port device name');
  assertIfName(bridge, 'bridge name');
  if (!deviceExists(name)) throw new Error(`there is no device named '${name}' to attach`);
  await run({
    argv: ['ip', 'link', 'set', 'dev', name, 'master', bridge, ...(mtu ? ['mtu', String(mtu)] : []), 'up'],
  });
}

/** attachExistingTap plus the port's isolation and bandwidth; on failure takes the tap off the bridge again. */
export async function attachExistingDevice(r: PlugRequest): Promise<void> {
  await attachExistingTap(r.name, r.bridge, r.mtu);
  try {
    if (r.isolated) await run({ argv: ['bridge', 'link', 'set', 'dev', r.name, 'isolated', 'on'] });
    if (r.bandwidth) await applyBandwidth(r.name, r.bandwidth);
  } catch (e) {
    await exec({ argv: ['ip', 'link', 'set', 'dev', r.name, 'nomaster'] });
    throw e;
  }
}

/** Takes an adopted tap off its bridge and drops its bandwidth qdiscs; the device stays (its hypervisor owns it). */
export async function releaseExistingTap(name: string): Promise<void> {
  if (!deviceExists(name)) return;
  await exec({ argv: ['ip', 'link', 'set', 'dev', name, 'nomaster'] });
  await exec({ argv: ['tc', 'qdisc', 'del', 'dev', name, 'root'] });
  await exec({ argv: ['tc', 'qdisc', 'del', 'dev', name, 'ingress'] });
}

/** Removing the device removes its qdiscs and bridge membership too; the peer of a veth goes with it. */
export async function unplugDevice(name: string): Promise<void> {
  if (deviceExists(name)) await exec({ argv: ['ip', 'link', 'del', 'dev', name] });
}

/**
 * libvirt's virNetDevBandwidthSet: <inbound> (toward the guest) shapes the device's egress with htb; <outbound>
 * (from the guest) polices the device's ingress. Rates are kilobytes per second, bursts kilobytes.
 */
export async function applyBandwidth(dev: string, bw: BandwidthDef): Promise<void> {
  const inb = bw.inbound;
  if (inb?.average) {
    const rate = `${inb.average}kbps`;
    const ceil = inb.peak ? ` ceil ${inb.peak}kbps` : '';
    const burst = inb.burst ? ` burst ${inb.burst}kb` : '';
    await run({
      argv: ['tc', '-batch', '-'],
      stdin: [
        `qdisc add dev ${dev} root handle 1: htb default 1`,
        `class add dev ${dev} parent 1: classid 1:1 htb rate ${rate}${ceil}${burst}`,
        `qdisc add dev ${dev} parent 1:1 handle 2: fq_codel`,
        '',
      ].join('\n'),
    }).catch(async () => {
      // fq_codel is optional: the htb class alone does the shaping
      await exec({ argv: ['tc', 'qdisc', 'del', 'dev', dev, 'root'] });
      await run({
        argv: ['tc', '-batch', '-'],
        stdin: `qdisc add dev ${dev} root handle 1: htb default 1\nclass add dev ${dev} parent 1: classid 1:1 htb rate ${rate}${ceil}${burst}\n`,
      });
    });
  }
  const out = bw.outbound;
  if (out?.average) {
    const burst = out.burst ?? Math.max(1, Math.ceil(out.average / 8));
    const r = await exec({
      argv: ['tc', '-batch', '-'],
      stdin: `qdisc add dev ${dev} ingress\nfilter add dev ${dev} parent ffff: protocol all u32 match u32 0 0 police rate ${out.average}kbps burst ${burst}kb mtu 64kb drop flowid :1\n`,
    });
    if (r.code !== 0) {
      throw new Error(
        `outbound bandwidth needs tc police (kernel module act_police), which this kernel lacks: ${r.stderr.trim()}`,
      );
    }
  }
}

/** Byte and packet counters of a device, from the host side (rx = sent by the guest). */
export function deviceStats(name: string): { rxBytes: number; txBytes: number } | undefined {
  try {
    const read = (f: string) => Number(readFileSync(`/sys/class/net/${name}/statistics/${f}`, 'utf8'));
    return { rxBytes: read('rx_bytes'), txBytes: read('tx_bytes') };
  } catch {
    return undefined;
  }
}
