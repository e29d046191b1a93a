// Steps of guests' ports: a tap for a VM (owned by a user so QEMU can open it unprivileged) or a veth pair into a
// container's namespace, on the network's bridge with MTU, bandwidth (tc, as libvirt sets it) and isolation.
// A device that is still there (a stopped network keeps them: a VM holds its tap's fd) is only attached again.

import type { BandwidthDef, NetworkDef } from '../model/network-def.js';
import { assertIfName } from '../model/safe-strings.js';
import { portIngressActions } from './bandwidth-steps.js';
import type { PortDevice } from './desired.js';
import type { ObservedHost } from './observed.js';
import type { Action, DriftProblem, Step } from './steps.js';
import { ifbName } from './tc-commands.js';
import { ALL_TC_FEATURES, type TcFeatures } from './tc-features.js';

export const portStepId = (uuid: string) => `port:${uuid}`;

/** libvirt gives the host side of a tap the guest's MAC with 0xfe first, so the bridge never takes it. */
export function hostSideMac(mac: string): string {
  return `fe${mac.slice(2)}`;
}

/**
 * libvirt's virNetDevBandwidthSet: <inbound> (toward the guest) shapes the device's egress with htb; <outbound>
 * (from the guest) limits what the device receives: policed where the kernel has act_police, else shaped on an
 * ifb device (src/plan/bandwidth-steps.ts). Rates are kilobytes per second, bursts kilobytes.
 */
export function bandwidthActions(
  dev: string,
  bw: BandwidthDef | undefined,
  features: TcFeatures = ALL_TC_FEATURES,
  net?: NetworkDef,
): Action[] {
  const out: Action[] = [];
  const inb = bw?.inbound;
  if (inb?.average) {
    const rate = `${inb.average}kbps`;
    const ceil = inb.peak ? ` ceil ${inb.peak}kbps` : '';
    const burst = inb.burst ? ` burst ${inb.burst}kb` : '';
    const htb = `qdisc add dev ${dev} root handle 1: htb default 1\nclass add dev ${dev} parent 1: classid 1:1 htb rate ${rate}${ceil}${burst}\n`;
    out.push({
      kind: 'exec',
      argv: ['tc', '-batch', '-'],
      stdin: `${htb}qdisc add dev ${dev} parent 1:1 handle 2: fq_codel\n`,
      // fq_codel is optional: the htb class alone does the shaping (from a clean root: the batch may have
      // added the htb qdisc before it failed)
      orElse: [
        { argv: ['tc', 'qdisc', 'del', 'dev', dev, 'root'], mayFail: true },
        { argv: ['tc', '-batch', '-'], stdin: htb },
      ],
    });
  }
  out.push(...portIngressActions(dev, bw, net, features));
  return out;
}

/** What a port's outbound limit leaves beside its device (an ifb device), removed with the port. */
function outboundLeftovers(p: PortDevice): Action[] {
  if (!p.bandwidth?.outbound?.average) return [];
  return [{ kind: 'exec', argv: ['ip', 'link', 'del', 'dev', ifbName(p.name)], mayFail: true }];
}

function label(p: PortDevice): string {
  return `${p.kind} ${p.name} of ${p.owner}`;
}

/**
 * Bridge port flags: isolation as the port asks; hairpin on NAT networks, so that a guest reaches its own port
 * forward. With br_netfilter loaded (Docker loads it), a connection DNATed back to the bridge it came from is
 * bridged instead of routed, and a bridge sends no frame back out the port it came in on unless hairpin is on
 * (Docker sets it for the same reason). The bridge forgets these flags when a port leaves it: set on every attach.
 */
function portFlags(p: PortDevice, hairpin: boolean): Action[] {
  const flags = [...(p.isolated ? ['isolated', 'on'] : []), ...(hairpin ? ['hairpin', 'on'] : [])];
  return flags.length ? [{ kind: 'exec', argv: ['bridge', 'link', 'set', 'dev', p.name, ...flags] }] : [];
}

function attachActions(p: PortDevice, bridge: string, mtu: number | undefined, hairpin: boolean): Action[] {
  const set = [
    'ip',
    'link',
    'set',
    'dev',
    p.name,
    'master',
    bridge,
    ...(mtu ? ['mtu', String(mtu)] : []),
    'up',
  ];
  return [{ kind: 'exec', argv: set }, ...portFlags(p, hairpin)];
}

function createActions(
  p: PortDevice,
  bridge: string,
  mtu: number | undefined,
  hairpin: boolean,
  features: TcFeatures,
  net: NetworkDef | undefined,
): Action[] {
  const out: Action[] = [];
  if (p.kind === 'tap') {
    out.push(
      {
        kind: 'exec',
        argv: [
          'ip',
          'tuntap',
          'add',
          'dev',
          p.name,
          'mode',
          'tap',
          ...(p.uid !== undefined ? ['user', String(p.uid)] : []),
        ],
      },
      {
        kind: 'exec',
        argv: ['ip', '-batch', '-'],
        stdin: `link set dev ${p.name} address ${hostSideMac(p.mac)}${mtu ? ` mtu ${mtu}` : ''}\nlink set dev ${p.name} master ${bridge} up\n`,
      },
    );
  } else {
    const m = mtu ? ['mtu', String(mtu)] : [];
    out.push(
      {
        kind: 'exec',
        argv: [
          'ip',
          'link',
          'add',
          p.name,
          ...m,
          'type',
          'veth',
          'peer',
          'name',
          'eth0',
          ...m,
          'netns',
          p.netns as string,
        ],
      },
      {
        kind: 'exec',
        argv: ['nsenter', `--net=${p.netns}`, 'ip', 'link', 'set', 'eth0', 'address', p.mac, 'up'],
      },
      { kind: 'exec', argv: ['ip', 'link', 'set', 'dev', p.name, 'master', bridge, 'up'] },
    );
  }
  out.push(...portFlags(p, hairpin));
  out.push(...bandwidthActions(p.name, p.bandwidth, features, net));
  return out;
}

/**
 * The step that puts a port on the bridge, or undefined when it is there already. `bridgeFresh`: the bridge is
 * made (again) by this plan, so no port is on it yet. A port that cannot be plugged is reported in `problems`.
 */
export function portStep(
  p: PortDevice,
  bridge: string,
  mtu: number | undefined,
  o: ObservedHost,
  opts: {
    bridgeFresh: boolean;
    reconcile: boolean;
    bridgeStep?: string;
    firstAttach?: boolean;
    hairpin?: boolean;
    /** The network (its outbound limit takes a share of each port's frames). */
    net?: NetworkDef;
  },
  problems: DriftProblem[],
): Step | undefined {
  assertIfName(p.name, 'port device name');
  const dev = o.links.get(p.name);
  const after = opts.bridgeStep ? [opts.bridgeStep] : [];
  if (dev && dev.master === bridge && !opts.bridgeFresh) return undefined;
  if (dev) {
    const drift: DriftProblem[] =
      opts.reconcile && !opts.bridgeFresh
        ? [
            {
              what: `device ${p.name} of port ${p.uuid} (${p.owner}) ${dev.master ? `is on bridge ${dev.master}` : 'is on no bridge'}, expected ${bridge}`,
              expected: bridge,
              actual: dev.master ?? 'none',
            },
          ]
        : [];
    return {
      id: portStepId(p.uuid),
      title: `attach ${label(p)} to ${bridge}`,
      // a hypervisor's tap attached for the first time gets its bandwidth; later attaches find the qdiscs there
      do: [
        ...attachActions(p, bridge, mtu, opts.hairpin === true),
        ...(opts.firstAttach
          ? bandwidthActions(p.name, p.bandwidth, o.tc, opts.net)
          : // the network's ifb was made again with it: the redirect to it is made again too
            p.bandwidth?.outbound?.average
            ? []
            : portIngressActions(p.name, undefined, opts.net, o.tc ?? ALL_TC_FEATURES)),
      ],
      undo: [{ kind: 'exec', argv: ['ip', 'link', 'set', 'dev', p.name, 'nomaster'], mayFail: true }],
      after,
      parallel: true,
      provides: [{ kind: 'link', name: p.name, type: p.kind, master: bridge }],
      ...(drift.length ? { drift } : {}),
    };
  }
  const missing: DriftProblem = {
    what: `device ${p.name} of port ${p.uuid} (${p.owner}) is missing`,
    expected: 'present',
    actual: 'absent',
  };
  if (p.adopted) {
    // the hypervisor made it and will make it again; virtnet never creates an adopted tap
    if (opts.reconcile) problems.push(missing);
    return undefined;
  }
  if (p.kind === 'veth' && !(p.netns && o.namespaces.has(p.netns))) {
    problems.push({
      what: `port ${p.uuid} (${p.owner}): network namespace ${p.netns ?? '(none)'} no longer exists`,
      expected: 'present',
      actual: 'absent',
    });
    return undefined;
  }
  return {
    id: portStepId(p.uuid),
    title:
      p.kind === 'tap' ? `create ${label(p)} on ${bridge}` : `create ${label(p)} in ${p.netns} on ${bridge}`,
    do: createActions(p, bridge, mtu, opts.hairpin === true, o.tc ?? ALL_TC_FEATURES, opts.net),
    undo: [
      { kind: 'exec', argv: ['ip', 'link', 'del', 'dev', p.name], mayFail: true },
      ...outboundLeftovers(p),
    ],
    after,
    parallel: true,
    provides: [{ kind: 'link', name: p.name, type: p.kind, master: bridge }],
    ...(opts.reconcile ? { drift: [missing] } : {}),
  };
}

/** Removing a port: virtnet's own devices are deleted; an adopted tap is only released to its hypervisor. */
export function portRemoveStep(p: PortDevice): Step {
  const actions: Action[] = p.adopted
    ? [
        { kind: 'exec', argv: ['ip', 'link', 'set', 'dev', p.name, 'nomaster'], mayFail: true },
        { kind: 'exec', argv: ['tc', 'qdisc', 'del', 'dev', p.name, 'root'], mayFail: true },
        { kind: 'exec', argv: ['tc', 'qdisc', 'del', 'dev', p.name, 'ingress'], mayFail: true },
        ...outboundLeftovers(p),
      ]
    : [{ kind: 'exec', argv: ['ip', 'link', 'del', 'dev', p.name], mayFail: true }, ...outboundLeftovers(p)];
  return {
    id: portStepId(p.uuid),
    title: p.adopted ? `release ${label(p)}` : `delete ${label(p)}`,
    do: actions,
    undo: [],
    removes: [{ kind: 'link', name: p.name, type: p.kind }],
  };
}
