// Direct (macvtap) networks: nothing of their own on the host — no bridge, dnsmasq or rules (the LAN serves DHCP)
// — only their guests' devices on the pool's host interfaces: a macvtap per VM (the hypervisor opens its
// /dev/tapN), a macvlan per container (eth0 in its namespace). A start checks the pool and plugs kept ports in.

import { poolDevices } from '../model/direct.js';
import { assertIfName } from '../model/safe-strings.js';
import type { DesiredNetwork, PortDevice } from './desired.js';
import { nsLinkKey, type ObservedHost, type ProbeScope } from './observed.js';
import { portRemoveStep, portStepId } from './port-steps.js';
import { type Action, type DriftProblem, emptyPlanOf, type Plan, type Step } from './steps.js';

/** A port whose device sits on a pool interface rather than on a bridge. */
export function isDirectPort(p: PortDevice): boolean {
  return p.kind === 'macvtap' || p.kind === 'macvlan';
}

/** The name a container's macvlan has inside its namespace (as a veth's peer). */
export const CONTAINER_IFNAME = 'eth0';

/** What a probe must look at for a direct network: the pool (or its <pf>), the macvtaps, the macvlans. */
export function directScope(d: DesiredNetwork, tapNodeDir?: string): ProbeScope {
  const f = d.def.forward;
  const pool = [...poolDevices(d.def), ...(f?.pf && !f.interfaces.length ? [f.pf.dev] : [])];
  const taps = d.ports.filter((p) => p.kind === 'macvtap');
  const ctrs = d.ports.filter((p) => p.kind === 'macvlan' && p.netns);
  return {
    links: [
      ...new Set([...pool, ...d.ports.flatMap((p) => (p.link ? [p.link] : [])), ...taps.map((p) => p.name)]),
    ],
    nsLinks: ctrs.map((p) => ({ netns: p.netns as string, name: CONTAINER_IFNAME })),
    namespaces: ctrs.map((p) => p.netns as string),
    deviceDetails: true,
    ...(tapNodeDir ? { tapNodeDir } : {}),
  };
}

/** The pool as this host has it: a <pf> stands for its VFs (libvirt's interface pool), or what is wrong. */
export function resolvePool(d: DesiredNetwork, o: ObservedHost): { devices: string[]; problems: string[] } {
  const def = d.def;
  const f = def.forward;
  const problems: string[] = [];
  let devices = poolDevices(def);
  if (!devices.length && f?.pf) {
    const pf = o.links.get(f.pf.dev);
    if (!pf) problems.push(`pool device '${f.pf.dev}' of network '${def.name}' does not exist`);
    // libvirt 9.0's words for a <pf> without virtual functions bound to a network driver
    else if (!pf.vfs?.length) problems.push(`No usable Vf's present on SRIOV PF ${f.pf.dev}`);
    devices = pf?.vfs ?? [];
  }
  for (const dev of devices) {
    const l = o.links.get(dev);
    if (!l) problems.push(`pool device '${dev}' of network '${def.name}' does not exist`);
    else if (l.master) {
      problems.push(
        `pool device '${dev}' of network '${def.name}' is a port of '${l.master}': macvtap devices cannot sit on it`,
      );
    }
  }
  return { devices, problems };
}

function label(p: PortDevice): string {
  return `${p.kind} ${p.kind === 'macvlan' ? `${CONTAINER_IFNAME} in ${p.netns}` : p.name} of ${p.owner}`;
}

/** Why a device may not take this port: a bridge port, or (passthrough) a device something else sits on. */
function deviceBlocker(d: DesiredNetwork, p: PortDevice, o: ObservedHost): string | undefined {
  const dev = p.link as string;
  const l = o.links.get(dev);
  if (!l) return `pool device '${dev}' of network '${d.def.name}' does not exist`;
  if (l.master) return `pool device '${dev}' of network '${d.def.name}' is a port of '${l.master}'`;
  const others = (l.uppers ?? []).filter((u) => u !== p.name);
  if (p.mode === 'passthru' && others.length) {
    return `passthrough needs pool device '${dev}' of network '${d.def.name}' for one guest, but ${others.join(', ')} ${others.length > 1 ? 'sit' : 'sits'} on it`;
  }
  return undefined;
}

function createActions(p: PortDevice): Action[] {
  const dev = p.link as string;
  const mode = p.mode ?? 'vepa';
  // passthru: the device takes the pool interface's MAC; setting the guest's MAC sets the interface's too
  const macLater = p.mode === 'passthru' ? ['address', p.mac] : [];
  const explain =
    p.mode === 'passthru'
      ? `passthrough needs ${dev} for this guest alone (the kernel refuses while another macvlan or macvtap uses it)`
      : undefined;
  if (p.kind === 'macvtap') {
    return [
      {
        kind: 'exec',
        argv: [
          'ip',
          'link',
          'add',
          'link',
          dev,
          'name',
          p.name,
          'address',
          p.mac,
          'type',
          'macvtap',
          'mode',
          mode,
        ],
        ...(explain ? { explain } : {}),
      },
      { kind: 'exec', argv: ['ip', 'link', 'set', 'dev', p.name, ...macLater, 'up'] },
    ];
  }
  const ns = p.netns as string;
  return [
    {
      kind: 'exec',
      argv: [
        ...['ip', 'link', 'add', 'link', dev, 'name', CONTAINER_IFNAME, 'address', p.mac],
        ...['netns', ns, 'type', 'macvlan', 'mode', mode],
      ],
      ...(explain ? { explain } : {}),
    },
    {
      kind: 'exec',
      argv: ['nsenter', `--net=${ns}`, 'ip', 'link', 'set', 'dev', CONTAINER_IFNAME, ...macLater, 'up'],
    },
  ];
}

function deleteActions(p: PortDevice, lowerMac?: string): Action[] {
  const del: Action =
    p.kind === 'macvtap'
      ? { kind: 'exec', argv: ['ip', 'link', 'del', 'dev', p.name], mayFail: true }
      : {
          kind: 'exec',
          argv: ['nsenter', `--net=${p.netns}`, 'ip', 'link', 'del', 'dev', CONTAINER_IFNAME],
          mayFail: true,
        };
  const out: Action[] = [del];
  if (p.mode === 'passthru' && lowerMac && p.link) {
    out.push({
      kind: 'exec',
      argv: ['ip', 'link', 'set', 'dev', p.link, 'address', lowerMac],
      mayFail: true,
    });
  }
  if (p.tapNode) out.push({ kind: 'remove', path: p.tapNode });
  return out;
}

/** The step that makes a direct port's device, or undefined when it is there (on the right pool device). */
export function directPortStep(
  p: PortDevice,
  o: ObservedHost,
  opts: { reconcile: boolean },
  problems: DriftProblem[],
): Step | undefined {
  if (p.kind === 'macvtap') assertIfName(p.name, 'macvtap device name');
  if (!p.link) return undefined;
  assertIfName(p.link, 'pool device name');
  const seen =
    p.kind === 'macvtap'
      ? o.links.get(p.name)
      : p.netns
        ? o.nsLinks.get(nsLinkKey(p.netns, CONTAINER_IFNAME))
        : undefined;
  if (seen && (p.kind === 'macvlan' || seen.lower === undefined || seen.lower === p.link)) return undefined;
  if (p.kind === 'macvlan' && !(p.netns && o.namespaces.has(p.netns))) {
    problems.push({
      what: `port ${p.uuid} (${p.owner}): network namespace ${p.netns ?? '(none)'} no longer exists`,
      expected: 'present',
      actual: 'absent',
    });
    return undefined;
  }
  const drift: DriftProblem[] = [];
  if (opts.reconcile) {
    drift.push(
      seen
        ? {
            what: `device ${p.name} of port ${p.uuid} (${p.owner}) sits on ${seen.lower}, expected ${p.link}`,
            expected: p.link,
            actual: seen.lower ?? 'none',
          }
        : {
            what: `device ${label(p)} (port ${p.uuid}) is missing`,
            expected: 'present',
            actual: 'absent',
          },
    );
  }
  // passthru changes the pool device's MAC: its own is put back by the undo and when the port goes
  const lowerMac = p.lowerMac ?? (p.mode === 'passthru' ? o.links.get(p.link)?.mac : undefined);
  return {
    id: portStepId(p.uuid),
    title: `create ${label(p)} on ${p.link} (mode ${p.mode ?? 'vepa'})`,
    do: [...(seen ? deleteActions(p) : []), ...createActions(p)],
    undo: deleteActions({ ...p, tapNode: undefined }, lowerMac),
    parallel: true,
    provides: [
      {
        kind: 'link',
        name: p.kind === 'macvtap' ? p.name : CONTAINER_IFNAME,
        type: p.kind as 'macvtap' | 'macvlan',
        lower: p.link,
        mac: p.mac,
        ...(p.kind === 'macvlan' && p.netns ? { netns: p.netns } : {}),
      },
    ],
    ...(drift.length ? { drift } : {}),
  };
}

/** Removing a direct port: its device goes; passthrough gives the pool device its own MAC back. */
export function directPortRemoveStep(p: PortDevice): Step {
  return {
    id: portStepId(p.uuid),
    title: `delete ${label(p)}`,
    do: deleteActions(p, p.lowerMac),
    undo: [],
    removes: [
      {
        kind: 'link',
        name: p.kind === 'macvtap' ? p.name : CONTAINER_IFNAME,
        type: p.kind as 'macvtap' | 'macvlan',
        ...(p.kind === 'macvlan' && p.netns ? { netns: p.netns } : {}),
      },
    ],
  };
}

/** The removal step of any port. */
export function removePortStep(p: PortDevice): Step {
  return isDirectPort(p) ? directPortRemoveStep(p) : portRemoveStep(p);
}

/**
 * The step that gives a macvtap a node to open when /dev/tapN is not its own (no devtmpfs, or another namespace's
 * macvtap with the same ifindex holds the name), and the path a hypervisor opens. Undefined step: nothing to make.
 */
export function tapNodeStep(p: PortDevice, o: ObservedHost, dir: string): { path?: string; step?: Step } {
  const tap = o.links.get(p.name)?.tap;
  if (!tap) return {};
  const chown = (path: string): Action[] =>
    p.uid !== undefined ? [{ kind: 'exec', argv: ['chown', String(p.uid), path] }] : [];
  if (tap.node) {
    const own = chown(tap.node);
    return {
      path: tap.node,
      ...(own.length
        ? { step: { id: `tap-node:${p.uuid}`, title: `give ${tap.node} to uid ${p.uid}`, do: own, undo: [] } }
        : {}),
    };
  }
  const [major, minor] = tap.dev.split(':');
  const path = `${dir}/tap${tap.index}`;
  return {
    path,
    step: {
      id: `tap-node:${p.uuid}`,
      title: `make ${path} for ${p.name} (character device ${tap.dev})`,
      do: [
        { kind: 'remove', path },
        { kind: 'exec', argv: ['mkdir', '-p', dir] },
        { kind: 'exec', argv: ['mknod', '-m', '0600', path, 'c', String(major), String(minor)] },
        ...chown(path),
      ],
      undo: [{ kind: 'remove', path }],
    },
  };
}

function portSteps(d: DesiredNetwork, o: ObservedHost, reconcile: boolean, problems: DriftProblem[]): Step[] {
  return d.ports.flatMap((p) => {
    const s = directPortStep(p, o, { reconcile }, problems);
    return s ? [s] : [];
  });
}

/** Start: the pool must be there and usable; the network's kept ports are plugged in again. */
export function planDirectStart(d: DesiredNetwork, o: ObservedHost): Plan {
  const plan = emptyPlanOf();
  const pool = resolvePool(d, o);
  for (const message of pool.problems) {
    // libvirt's own refusal of a <pf> without VFs is an internal error; virtnet's checks name what is missing
    const step = `check pool of ${d.def.name}`;
    plan.blockers.push(
      message.startsWith('No usable Vf') ? { step, message, code: 'INTERNAL_ERROR' } : { step, message },
    );
  }
  for (const dev of pool.devices) {
    const l = o.links.get(dev);
    if (l && !l.up)
      plan.warnings.push(`pool device '${dev}' is down: guests on it have no link until it is up`);
  }
  plan.steps = portSteps(d, o, false, plan.problems);
  return plan;
}

/** Reconcile: the guests' devices that are missing or on the wrong pool device. */
export function planDirectReconcile(d: DesiredNetwork, o: ObservedHost): Plan {
  const plan = emptyPlanOf();
  for (const dev of resolvePool(d, o).devices) {
    const l = o.links.get(dev);
    if (!l)
      plan.problems.push({ what: `pool device ${dev} is missing`, expected: 'present', actual: 'absent' });
    else if (!l.up)
      plan.problems.push({ what: `pool device ${dev} is down`, expected: 'up', actual: 'down' });
  }
  plan.steps = portSteps(d, o, true, plan.problems);
  return plan;
}

/** Stop: nothing of the network's own to remove; its ports' devices only when they go with it. */
export function planDirectStop(d: DesiredNetwork, opts: { dropPorts: boolean }): Plan {
  return { ...emptyPlanOf(), steps: opts.dropPorts ? d.ports.map(directPortRemoveStep) : [] };
}

/** A new port of an active direct network, on the pool device chosen for it. */
export function planDirectPortPlug(d: DesiredNetwork, port: PortDevice, o: ObservedHost): Plan {
  const plan = emptyPlanOf();
  const step = `create ${label(port)}`;
  const blocked = deviceBlocker(d, port, o);
  if (blocked) {
    plan.blockers.push({ step, message: blocked });
    return plan;
  }
  if (port.kind === 'macvtap' && o.links.has(port.name)) {
    plan.blockers.push({ step, message: `a device named '${port.name}' already exists on the host` });
    return plan;
  }
  const s = directPortStep(port, o, { reconcile: false }, plan.problems);
  if (s) plan.steps.push(s);
  for (const p of plan.problems) plan.blockers.push({ step, message: p.what });
  return plan;
}

/** The pool device's MAC a passthrough port must give back (as observed before the port took it). */
export function lowerMacOf(port: PortDevice, o: ObservedHost): string | undefined {
  return port.mode === 'passthru' && port.link ? o.links.get(port.link)?.mac : undefined;
}
