// The planner: desired state + observed host → the steps that make the host so. Pure. A start plans against what
// a start looks at (is the bridge name free, is the table there, which port devices exist); a reconcile (adoption,
// repair, the heal loop, check) against a full probe, and plans only what is missing or different, plus every step
// that depends on a replanned one.

import { formatSubnet, subnetsOverlap } from '../model/addr.js';
import { isDirectNetwork } from '../model/direct.js';
import { type NetworkDef, networkMode } from '../model/network-def.js';
import { ipSubnet } from '../model/network-ip.js';
import type { PortForward } from '../model/port-forward.js';
import { hasFirewallRules } from '../render/nft-ruleset.js';
import { bridgeBandwidthRemoveStep, bridgeBandwidthSteps } from './bandwidth-steps.js';
import type { DesiredNetwork, PortDevice } from './desired.js';
import {
  planDirectPortPlug,
  planDirectReconcile,
  planDirectStart,
  planDirectStop,
  removePortStep,
} from './direct-steps.js';
import {
  dnsmasqBlockers,
  dnsmasqRemoveSteps,
  dnsmasqSteps,
  hostsReloadSteps,
  leaseFileRemoveStep,
} from './dnsmasq-steps.js';
import {
  baseTableStep,
  forwardChangeStep,
  networkFirewallRemoveStep,
  networkFirewallStep,
} from './firewall-steps.js';
import { bridgeRemoveStep, bridgeSteps, linkStepId } from './link-steps.js';
import type { ObservedHost } from './observed.js';
import { overlayBlockers, overlayRemoveSteps, overlaySteps } from './overlay-steps.js';
import { portStep } from './port-steps.js';
import { type DriftProblem, emptyPlanOf, type Plan, type Step } from './steps.js';

/** Routes on the host that a network's subnets overlap (libvirt's "already in use by interface" check). */
export function routeClashes(def: NetworkDef, o: ObservedHost): string[] {
  const bridge = def.bridge?.name;
  const mine = def.ips.map(ipSubnet).filter((s) => s !== undefined);
  const out: string[] = [];
  for (const r of o.routes) {
    if (r.dev === bridge) continue;
    const hit = mine.find((s) => s.family === r.subnet.family && subnetsOverlap(s, r.subnet));
    if (hit) {
      out.push(
        `Network is already in use by interface ${r.dev} (${formatSubnet(hit)} overlaps route ${formatSubnet(r.subnet)})`,
      );
    }
  }
  return out;
}

function portSteps(
  d: DesiredNetwork,
  o: ObservedHost,
  bridgeFresh: boolean,
  reconcile: boolean,
  problems: DriftProblem[],
): Step[] {
  const bridge = d.def.bridge?.name as string;
  const l3 = networkMode(d.def) !== 'bridge';
  // NAT networks are the ones with port forwards: their guests may reach their own (see port-steps.ts)
  const nat = networkMode(d.def) === 'nat';
  const out: Step[] = [];
  for (const p of d.ports) {
    const s = portStep(
      p,
      bridge,
      d.def.mtu,
      o,
      { bridgeFresh, reconcile, hairpin: nat, net: d.def, ...(l3 ? { bridgeStep: linkStepId(bridge) } : {}) },
      problems,
    );
    if (s) out.push(s);
  }
  return out;
}

/** A network on a host bridge (forward mode='bridge'): nothing is made but its guests' ports. */
function hostBridgePlan(d: DesiredNetwork, o: ObservedHost, reconcile: boolean): Plan {
  const plan = emptyPlanOf();
  const br = d.def.bridge?.name as string;
  const link = o.links.get(br);
  if (link?.type !== 'bridge') {
    if (reconcile)
      plan.problems.push({ what: `host bridge ${br} is missing`, expected: 'present', actual: 'absent' });
    else
      plan.blockers.push({
        step: `check host bridge ${br}`,
        message: `host bridge '${br}' does not exist`,
      });
    return plan;
  }
  plan.steps.push(
    ...bridgeBandwidthSteps(d.def, br, d.ports, o, { fresh: !reconcile, after: [] }),
    ...portSteps(d, o, false, reconcile, plan.problems),
  );
  return plan;
}

/** Start: every step a network needs, against what a start observes (the base table only when it is absent). */
export function planStart(d: DesiredNetwork, o: ObservedHost): Plan {
  if (isDirectNetwork(d.def)) return planDirectStart(d, o);
  if (networkMode(d.def) === 'bridge') return hostBridgePlan(d, o, false);
  const plan = emptyPlanOf();
  const def = d.def;
  const bridge = def.bridge?.name as string;
  for (const clash of routeClashes(def, o)) plan.blockers.push({ step: 'check addresses', message: clash });
  if (o.links.has(bridge))
    plan.blockers.push({
      step: `create bridge ${bridge}`,
      message: `a device named '${bridge}' already exists on the host`,
    });
  plan.blockers.push(...dnsmasqBlockers(d, o));
  if (d.overlay) plan.blockers.push(...overlayBlockers(d.overlay, o));
  const steps: Step[] = [
    ...bridgeSteps(def, o, true),
    ...bridgeBandwidthSteps(def, bridge, d.ports, o, { fresh: true, after: [linkStepId(bridge)] }),
  ];
  if (d.overlay) steps.push(...overlaySteps(d.overlay, bridge, o, true, true));
  if (hasFirewallRules(def)) {
    const table = baseTableStep(o, true);
    if (table) steps.push(table);
    steps.push(networkFirewallStep(def, o, true) as Step);
  }
  steps.push(...dnsmasqSteps(d, o, true, true).steps);
  steps.push(...portSteps(d, o, true, false, plan.problems));
  const ids = new Set(steps.map((s) => s.id));
  plan.steps = steps.map((s) => prune(s, ids));
  return plan;
}

/** Reconcile: only what differs from the definition (empty when the host is as started). */
export function planReconcile(d: DesiredNetwork, o: ObservedHost): Plan {
  if (isDirectNetwork(d.def)) return planDirectReconcile(d, o);
  if (networkMode(d.def) === 'bridge') return hostBridgePlan(d, o, true);
  const plan = emptyPlanOf();
  const def = d.def;
  const bridge = def.bridge?.name as string;
  const link = bridgeSteps(def, o, false);
  const bridgeReplanned = link.some((s) => s.id === linkStepId(bridge));
  const steps: Step[] = [
    ...link,
    ...bridgeBandwidthSteps(def, bridge, d.ports, o, {
      fresh: bridgeReplanned,
      after: [linkStepId(bridge)],
    }),
  ];
  if (d.overlay && !d.overlay.problems.length)
    steps.push(...overlaySteps(d.overlay, bridge, o, false, bridgeReplanned));
  if (hasFirewallRules(def)) {
    const table = baseTableStep(o, false);
    if (table) steps.push(table);
    const net = networkFirewallStep(def, o, table !== undefined);
    if (net) steps.push(net);
    const mode = networkMode(def);
    if (mode === 'nat' || mode === 'route') plan.problems.push(...foreignDrops(bridge, o));
  }
  const dns = dnsmasqSteps(d, o, false, bridgeReplanned);
  steps.push(...dns.steps);
  steps.push(...portSteps(d, o, bridgeReplanned, true, plan.problems));
  // steps may name dependencies this plan does not have (they are satisfied on the host)
  const ids = new Set([...dns.early, ...steps].map((s) => s.id));
  plan.steps = [...dns.early, ...steps].map((s) => prune(s, ids));
  return plan;
}

function prune(s: Step, ids: Set<string>): Step {
  const after = s.after?.filter((a) => ids.has(a));
  const waitFor = s.waitFor?.filter((a) => ids.has(a));
  const { after: _a, waitFor: _w, ...rest } = s;
  return { ...rest, ...(after?.length ? { after } : {}), ...(waitFor?.length ? { waitFor } : {}) };
}

/**
 * Docker's `ip filter FORWARD` is let through by accept rules in its DOCKER-USER chain (the heal loop keeps them);
 * any other base chain with policy drop on the forward hook drops guest traffic and is reported.
 */
function foreignDrops(bridge: string, o: ObservedHost): DriftProblem[] {
  const out: DriftProblem[] = [];
  for (const chain of o.foreignForwardDrops ?? []) {
    const [family, table] = chain.split(' ');
    if (chain.endsWith(' filter FORWARD') && o.dockerUserTables?.has(`${family} ${table}`)) continue;
    out.push({
      what: `forwarded traffic of ${bridge} is dropped by base chain '${chain}' (policy drop) outside virtnet's table`,
      expected: 'accept',
      actual: 'drop',
    });
  }
  return out;
}

/** Stop: dnsmasq, its files, the rules, the bridge; the ports too when they go with the network (`dropPorts`). */
export function planStop(d: DesiredNetwork, o: ObservedHost, opts: { dropPorts: boolean }): Plan {
  if (isDirectNetwork(d.def)) return planDirectStop(d, opts);
  const plan = emptyPlanOf();
  const ports = opts.dropPorts ? d.ports.map(removePortStep) : [];
  const bridge = d.def.bridge?.name as string;
  if (networkMode(d.def) === 'bridge') {
    const bw = bridgeBandwidthRemoveStep(d.def, bridge, true);
    plan.steps = [...ports, ...(bw ? [bw] : [])];
    return plan;
  }
  plan.steps.push(...dnsmasqRemoveSteps(d, o));
  if (hasFirewallRules(d.def)) plan.steps.push(networkFirewallRemoveStep(d.def));
  if (d.overlay) plan.steps.push(...overlayRemoveSteps(d.overlay, o));
  const bw = bridgeBandwidthRemoveStep(d.def, bridge, false);
  plan.steps.push(...ports, bridgeRemoveStep(bridge), ...(bw ? [bw] : []));
  return plan;
}

/** A new port of an active network. */
export function planPortPlug(d: DesiredNetwork, port: PortDevice, o: ObservedHost): Plan {
  if (isDirectNetwork(d.def)) return planDirectPortPlug(d, port, o);
  const plan = emptyPlanOf();
  const bridge = d.def.bridge?.name as string;
  const dev = o.links.get(port.name);
  if (!port.adopted && dev) {
    plan.blockers.push({
      step: `create ${port.kind} ${port.name}`,
      message: `a device named '${port.name}' already exists on the host`,
    });
    return plan;
  }
  if (port.adopted && !dev) {
    plan.blockers.push({
      step: `attach tap ${port.name}`,
      message: `there is no device named '${port.name}' to attach`,
    });
    return plan;
  }
  const step = portStep(
    port,
    bridge,
    d.def.mtu,
    o,
    {
      bridgeFresh: true,
      reconcile: false,
      firstAttach: true,
      hairpin: networkMode(d.def) === 'nat',
      net: d.def,
    },
    plan.problems,
  );
  if (step) plan.steps.push(step);
  for (const p of plan.problems)
    plan.blockers.push({ step: `create ${port.kind} ${port.name}`, message: p.what });
  return plan;
}

export function planPortUnplug(port: PortDevice): Plan {
  return { ...emptyPlanOf(), steps: [removePortStep(port)] };
}

export function planForwardChange(def: NetworkDef, add: PortForward[], remove: PortForward[]): Plan {
  return { ...emptyPlanOf(), steps: [forwardChangeStep(def.bridge?.name as string, add, remove)] };
}

export function planHostsReload(d: DesiredNetwork, o: ObservedHost): Plan {
  return { ...emptyPlanOf(), steps: hostsReloadSteps(d, o) };
}

/** The end of a network (undefined while inactive, or transient and stopped): its kept ports and lease file. */
export function planForget(d: DesiredNetwork): Plan {
  return { ...emptyPlanOf(), steps: [...d.ports.map(removePortStep), leaseFileRemoveStep(d)] };
}
