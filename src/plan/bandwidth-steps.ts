// A network's and its ports' bandwidth, as libvirt sets it (virnetdevbandwidth.c) with what this kernel has.
// Inbound (towards guests): htb on the device that sends to them — the port's device, and the bridge in libvirt's
// class hierarchy (1:1 caps the network, 1:2 takes what has no floor, floors in src/plan/floor-steps.ts).
// Outbound (from guests): libvirt polices what the port's device and the bridge receive. Without act_police the
// traffic is redirected (act_mirred) to an ifb device and shaped there: a port's own limit on an ifb of its own;
// the network's on the bridge's ifb, fed by every port with the frames it sends to the host (the bridge's MAC),
// since frames redirected from the bridge's own ingress lose their connection tracking (NAT) on this kernel.
// Pure.

import type { BandwidthDef, NetworkDef } from '../model/network-def.js';
import type { PortDevice } from './desired.js';
import { floorAddActions, floorClass, flooredPorts, floorSteps, rateOf2 } from './floor-steps.js';
import type { ObservedHost } from './observed.js';
import type { Action, DriftProblem, Resource, Step } from './steps.js';
import {
  bpfBytecode,
  clearActions,
  ifbName,
  ingressLimit,
  policesIngress,
  quantum,
  tcBatch,
} from './tc-commands.js';
import { ALL_TC_FEATURES, type TcFeatures } from './tc-features.js';

export { ifbName } from './tc-commands.js';

export const bandwidthStepId = (bridge: string) => `bandwidth:${bridge}`;

function hasBandwidth(def: NetworkDef): boolean {
  return !!(def.bandwidth?.inbound?.average || def.bandwidth?.outbound?.average);
}

/** Whether the network's outbound goes through the bridge's ifb, fed by its ports (no act_police here). */
function sharedOutbound(def: NetworkDef, features: TcFeatures): boolean {
  return !!def.bandwidth?.outbound?.average && !policesIngress(features);
}

/** libvirt's hierarchy on the bridge for a network's inbound (virNetDevBandwidthSet, hierarchical, swapped). */
function networkInboundLines(
  def: NetworkDef,
  bridge: string,
  ports: readonly PortDevice[],
  features: TcFeatures,
) {
  const inb = def.bandwidth?.inbound;
  if (!inb?.average) return [];
  const q = quantum(inb.average);
  const ceil = inb.peak ?? inb.average;
  const lines = [
    `qdisc add dev ${bridge} root handle 1: htb default 2`,
    `class add dev ${bridge} parent 1: classid 1:1 htb rate ${inb.average}kbps ceil ${ceil}kbps quantum ${q}`,
    // 1:2 takes what has no floor: libvirt makes it at the average and lowers it as floors are plugged
    `class add dev ${bridge} parent 1:1 classid 1:2 htb rate ${rateOf2(def, ports)}kbps ceil ${ceil}kbps${inb.burst ? ` burst ${inb.burst}kb` : ''} quantum ${q}`,
  ];
  if (features.sfq) lines.push(`qdisc add dev ${bridge} parent 1:2 handle 2: sfq perturb 10`);
  return lines;
}

/** The network's <bandwidth> on its bridge (its ports' floors included); undefined without any. */
export function networkBandwidthStep(
  def: NetworkDef,
  bridge: string,
  ports: readonly PortDevice[],
  features: TcFeatures,
  after: string[],
  drift?: DriftProblem[],
): Step | undefined {
  const out = def.bandwidth?.outbound;
  const lines = networkInboundLines(def, bridge, ports, features);
  if (!lines.length && !out?.average) return undefined;
  // from a clean device, as libvirt's virNetDevBandwidthSet (a host bridge may have qdiscs, a repair half of ours)
  const doActs: Action[] = clearActions(bridge);
  const undo: Action[] = [];
  const provides: Resource[] = [];
  if (lines.length) {
    doActs.push(tcBatch(`${lines.join('\n')}\n`));
    undo.push({ kind: 'exec', argv: ['tc', 'qdisc', 'del', 'dev', bridge, 'root'], mayFail: true });
    provides.push(
      { kind: 'qdisc', dev: bridge, parent: 'root', qdisc: 'htb' },
      { kind: 'tc-class', dev: bridge, classid: '1:2', rate: rateOf2(def, ports) * 8000 },
    );
    for (const p of flooredPorts(ports)) {
      doActs.push(...floorAddActions(def, bridge, p, features));
      provides.push(floorClass(bridge, p));
    }
  }
  if (out?.average && !sharedOutbound(def, features)) {
    const limit = ingressLimit(bridge, out, features);
    doActs.push(...limit.do);
    undo.unshift(...limit.undo);
    provides.push({ kind: 'qdisc', dev: bridge, parent: 'ingress', qdisc: 'ingress' });
  } else if (out?.average) {
    const ifb = ifbName(bridge);
    doActs.push(
      { kind: 'exec', argv: ['ip', 'link', 'del', 'dev', ifb], mayFail: true },
      { kind: 'exec', argv: ['ip', 'link', 'add', ifb, 'type', 'ifb'] },
      { kind: 'exec', argv: ['ip', 'link', 'set', 'dev', ifb, 'up'] },
      tcBatch(
        `qdisc add dev ${ifb} root handle 1: htb default 1\nclass add dev ${ifb} parent 1: classid 1:1 htb rate ${out.average}kbps${out.burst ? ` burst ${out.burst}kb` : ''}\n`,
      ),
    );
    undo.unshift({ kind: 'exec', argv: ['ip', 'link', 'del', 'dev', ifb], mayFail: true });
    provides.push(
      { kind: 'link', name: ifb, type: 'ifb' },
      { kind: 'qdisc', dev: ifb, parent: 'root', qdisc: 'htb' },
    );
  }
  return {
    id: bandwidthStepId(bridge),
    title: `limit the bandwidth of ${bridge}`,
    do: doActs,
    undo,
    after,
    provides,
    ...(drift ? { drift } : {}),
  };
}

/**
 * What limits a port's device receives (its guest's outbound): its own limit (policed, or on its ifb), else its
 * share of the network's outbound (the frames it sends to the host, redirected to the bridge's ifb). The port's
 * own limit takes all its frames: those are then not counted in the network's outbound.
 */
export function portIngressActions(
  dev: string,
  bw: BandwidthDef | undefined,
  net: NetworkDef | undefined,
  features: TcFeatures,
): Action[] {
  if (bw?.outbound?.average) return ingressLimit(dev, bw.outbound, features).do;
  if (!net?.bridge?.name || !net.mac || !sharedOutbound(net, features)) return [];
  const ifb = ifbName(net.bridge.name);
  const b = net.mac.split(':');
  const match = features.u32
    ? `u32 match u32 0x${b.slice(2).join('')} 0xffffffff at -12 match u16 0x${b.slice(0, 2).join('')} 0xffff at -14`
    : `bpf bytecode "${bpfBytecode(net.mac)}"`;
  return [
    { kind: 'exec', argv: ['tc', 'qdisc', 'del', 'dev', dev, 'ingress'], mayFail: true },
    tcBatch(
      `qdisc add dev ${dev} ingress\nfilter add dev ${dev} parent ffff: protocol all ${match} action mirred egress redirect dev ${ifb}\n`,
    ),
  ];
}

/** What differs from the network's bandwidth on its bridge (qdiscs, the ifb device), for reconciles. */
export function networkBandwidthDrift(def: NetworkDef, bridge: string, o: ObservedHost): DriftProblem[] {
  const seen = o.qdiscs.get(bridge);
  if (!seen) return [];
  const out: DriftProblem[] = [];
  if (def.bandwidth?.inbound?.average && seen.root !== 'htb') {
    out.push({
      what: `inbound bandwidth of ${bridge} is not set (no htb root qdisc)`,
      expected: 'htb',
      actual: seen.root ?? 'none',
    });
  }
  if (def.bandwidth?.outbound?.average) {
    const ifb = ifbName(bridge);
    if (!sharedOutbound(def, o.tc ?? ALL_TC_FEATURES)) {
      if (!seen.ingress) out.push({ what: `outbound bandwidth of ${bridge} is not set (no ingress qdisc)` });
    } else if (!o.links.has(ifb)) {
      out.push({ what: `ifb device ${ifb} (outbound bandwidth of ${bridge}) is missing` });
    } else if (o.qdiscs.get(ifb)?.root !== 'htb') {
      out.push({ what: `outbound bandwidth of ${bridge} is not set (no htb on ${ifb})` });
    }
  }
  return out;
}

/**
 * The bandwidth steps of a network's bridge: all of it on a bridge made by this plan (`fresh`); in a reconcile,
 * all of it again when a part is missing, else only the floors that differ.
 */
export function bridgeBandwidthSteps(
  def: NetworkDef,
  bridge: string,
  ports: readonly PortDevice[],
  o: ObservedHost,
  opts: { fresh: boolean; after: string[] },
): Step[] {
  if (!hasBandwidth(def)) return [];
  const features = o.tc ?? ALL_TC_FEATURES;
  const drift = opts.fresh ? [] : networkBandwidthDrift(def, bridge, o);
  if (opts.fresh || drift.length) {
    const s = networkBandwidthStep(
      def,
      bridge,
      ports,
      features,
      opts.after,
      drift.length ? drift : undefined,
    );
    return s ? [s] : [];
  }
  return o.qdiscs.has(bridge) ? floorSteps(def, bridge, ports, o, features) : [];
}

/** What a stop removes of a network's bandwidth beside its bridge: the ifb device (and a host bridge's qdiscs). */
export function bridgeBandwidthRemoveStep(
  def: NetworkDef,
  bridge: string,
  hostBridge: boolean,
): Step | undefined {
  if (!hasBandwidth(def)) return undefined;
  const acts: Action[] = hostBridge ? clearActions(bridge) : [];
  if (def.bandwidth?.outbound?.average)
    acts.push({ kind: 'exec', argv: ['ip', 'link', 'del', 'dev', ifbName(bridge)], mayFail: true });
  if (!acts.length) return undefined;
  return {
    id: bandwidthStepId(bridge),
    title: `remove the bandwidth limits of ${bridge}`,
    do: acts,
    undo: [],
    removes: [{ kind: 'link', name: ifbName(bridge), type: 'ifb' }],
  };
}
