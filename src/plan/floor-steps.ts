// libvirt's floors (guaranteed minimums) on a network's bridge: a class 1:ID per floored port under the network's
// 1:1, found by the guest's MAC, and 1:2 (traffic without a floor) lowered by the floors' sum; brought to the
// ports' floors as ports come and go (networkPlugBandwidth / networkUnplugBandwidth). Pure.

import { nonGuaranteedRate } from '../model/bandwidth-floor.js';
import type { NetworkDef } from '../model/network-def.js';
import type { PortDevice } from './desired.js';
import type { ObservedHost } from './observed.js';
import type { Action, Resource, Step } from './steps.js';
import { bpfBytecode, quantum, tcBatch } from './tc-commands.js';
import type { TcFeatures } from './tc-features.js';

/** The rate of 1:2 (traffic without a floor) in kB/s: the average until floors take part of the peak/average. */
export function rateOf2(def: NetworkDef, ports: readonly PortDevice[]): number {
  const sum = floorSumOf(ports);
  return sum ? nonGuaranteedRate(def, sum) : (def.bandwidth?.inbound?.average ?? 0);
}

export function floorClass(bridge: string, p: PortDevice): Resource {
  return {
    kind: 'tc-class',
    dev: bridge,
    classid: `1:${(p.classId as number).toString(16)}`,
    rate: (p.bandwidth?.inbound?.floor ?? 0) * 8000,
  };
}

/** Ports whose floor the bridge guarantees (those with a device and a class ID). */
export function flooredPorts(ports: readonly PortDevice[]): PortDevice[] {
  return ports.filter((p) => p.classId !== undefined && (p.bandwidth?.inbound?.floor ?? 0) > 0);
}

export const floorSumOf = (ports: readonly PortDevice[]) =>
  flooredPorts(ports).reduce((n, p) => n + (p.bandwidth?.inbound?.floor ?? 0), 0);

/** A floored port's class on the bridge (virNetDevBandwidthPlug): its floor guaranteed, the network's cap shared. */
export function floorAddActions(
  def: NetworkDef,
  bridge: string,
  p: PortDevice,
  features: TcFeatures,
): Action[] {
  const inb = def.bandwidth?.inbound;
  const id = p.classId as number;
  const hex = id.toString(16);
  const ceil = inb?.peak ?? inb?.average;
  const lines = [
    `class add dev ${bridge} parent 1:1 classid 1:${hex} htb rate ${p.bandwidth?.inbound?.floor}kbps ceil ${ceil}kbps quantum ${quantum(p.bandwidth?.inbound?.average)}`,
  ];
  if (features.sfq) lines.push(`qdisc add dev ${bridge} parent 1:${hex} handle ${hex}: sfq perturb 10`);
  if (features.u32) {
    // libvirt's u32 match of the destination MAC (offsets before the IP header), IPv4 only
    const b = p.mac.split(':');
    lines.push(
      `filter add dev ${bridge} protocol ip prio 2 handle 800::${id} u32 match u16 0x0800 0xffff at -2 match u32 0x${b.slice(2).join('')} 0xffffffff at -12 match u16 0x${b.slice(0, 2).join('')} 0xffff at -14 flowid 1:${hex}`,
    );
  } else {
    // cls_bpf matches the destination MAC of any protocol (IPv6 and ARP get the floor too)
    lines.push(
      `filter add dev ${bridge} parent 1: protocol all prio 2 handle ${id} bpf bytecode "${bpfBytecode(p.mac)}" flowid 1:${hex}`,
    );
  }
  return [tcBatch(`${lines.join('\n')}\n`)];
}

function floorRemoveActions(bridge: string, id: number, features: TcFeatures): Action[] {
  const hex = id.toString(16);
  const may = { mayFail: true } as const;
  return [
    ...(features.sfq
      ? [{ kind: 'exec' as const, argv: ['tc', 'qdisc', 'del', 'dev', bridge, 'handle', `${hex}:`], ...may }]
      : []),
    features.u32
      ? {
          kind: 'exec',
          argv: ['tc', 'filter', 'del', 'dev', bridge, 'prio', '2', 'handle', `800::${id}`, 'u32'],
          ...may,
        }
      : {
          kind: 'exec',
          argv: [
            'tc',
            'filter',
            'del',
            'dev',
            bridge,
            'parent',
            '1:',
            'prio',
            '2',
            'handle',
            String(id),
            'bpf',
          ],
          ...may,
        },
    { kind: 'exec', argv: ['tc', 'class', 'del', 'dev', bridge, 'classid', `1:${hex}`], ...may },
  ];
}

/**
 * Brings the bridge's floor classes to the ports' floors (libvirt's plug and unplug of bandwidth): classes added
 * for new floors, removed for ports gone, and 1:2 set to what the floors leave.
 */
export function floorSteps(
  def: NetworkDef,
  bridge: string,
  ports: readonly PortDevice[],
  o: ObservedHost,
  features: TcFeatures,
): Step[] {
  const inb = def.bandwidth?.inbound;
  if (!inb?.average) return [];
  const seen = o.qdiscs.get(bridge)?.classes ?? new Map<string, number>();
  const want = new Map(flooredPorts(ports).map((p) => [`1:${(p.classId as number).toString(16)}`, p]));
  const steps: Step[] = [];
  for (const [cls, p] of want) {
    if (seen.has(cls)) continue;
    steps.push({
      id: `floor:${p.uuid}`,
      title: `guarantee ${p.bandwidth?.inbound?.floor} kB/s to ${p.owner} (${p.mac}) on ${bridge}`,
      do: floorAddActions(def, bridge, p, features),
      undo: floorRemoveActions(bridge, p.classId as number, features),
      provides: [
        { kind: 'tc-class', dev: bridge, classid: cls, rate: (p.bandwidth?.inbound?.floor ?? 0) * 8000 },
      ],
    });
  }
  for (const cls of seen.keys()) {
    const id = Number.parseInt(cls.split(':')[1] ?? '', 16);
    if (id < 3 || want.has(cls)) continue;
    steps.push({
      id: `floor-gone:${bridge}:${cls}`,
      title: `remove floor class ${cls} of a port gone from ${bridge}`,
      do: floorRemoveActions(bridge, id, features),
      undo: [],
      removes: [{ kind: 'tc-class', dev: bridge, classid: cls, rate: 0 }],
    });
  }
  const rate = nonGuaranteedRate(def, floorSumOf(ports));
  const have = seen.get('1:2');
  if (steps.length || have === undefined || Math.abs(have - rate * 8000) > rate * 80) {
    const ceil = inb.peak ?? inb.average;
    steps.push({
      id: `floor-rate:${bridge}`,
      title: `leave ${rate} kB/s to traffic without a floor on ${bridge}`,
      do: [
        {
          kind: 'exec',
          argv: [
            ...['tc', 'class', 'change', 'dev', bridge, 'classid', '1:2', 'htb'],
            ...['rate', `${rate}kbps`, 'ceil', `${ceil}kbps`, 'quantum', String(quantum(inb.average))],
          ],
        },
      ],
      undo: [],
      provides: [{ kind: 'tc-class', dev: bridge, classid: '1:2', rate: rate * 8000 }],
    });
  }
  return steps;
}
