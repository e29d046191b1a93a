// Steps of a network's overlay: its VXLAN device on the bridge (the VNI, UDP 4789, local = our VTEP, no learning,
// ARP/ND suppression), its port in the filter that keeps DHCP and RAs on each member's side, and this host's FRR
// (src/plan/frr-steps.ts), made by the first overlay network and stopped with the last. Fresh when planning a
// start; otherwise only what differs from what the probe saw.

import { VXLAN_PORT } from '../model/network-overlay.js';
import { assertIfName } from '../model/safe-strings.js';
import {
  OVERLAY_TABLE,
  OVERLAY_TABLE_CHAINS,
  overlayPortAdd,
  overlayPortRemove,
  overlayTableScript,
} from '../render/nft-overlay.js';
import { frrRemoveSteps, frrSteps } from './frr-steps.js';
import { linkStepId } from './link-steps.js';
import type { ObservedHost } from './observed.js';
import type { DesiredOverlay } from './overlay-desired.js';
import type { DriftProblem, Step } from './steps.js';

export const vxlanStepId = (device: string) => `link:${device}`;
export const OVERLAY_TABLE_STEP = 'nft:overlay-table';
const filterStepId = (device: string) => `nft:overlay:${device}`;

function createLines(ov: DesiredOverlay, bridge: string): string[] {
  const dev = ov.device;
  return [
    `link add ${dev} mtu ${ov.mtu} type vxlan id ${ov.vni} local ${ov.local} dstport ${VXLAN_PORT} nolearning`,
    ...attachLines(ov, bridge),
  ];
}

/** On the bridge without an IPv6 link-local of its own; the bridge learns nothing from it (EVPN does). */
function attachLines(ov: DesiredOverlay, bridge: string): string[] {
  const dev = ov.device;
  return [
    `link set dev ${dev} addrgenmode none master ${bridge}`,
    `link set dev ${dev} type bridge_slave learning off neigh_suppress on`,
    `link set dev ${dev} mtu ${ov.mtu} up`,
  ];
}

function vxlanResource(ov: DesiredOverlay, bridge: string) {
  return {
    kind: 'vxlan' as const,
    name: ov.device,
    vni: ov.vni,
    local: ov.local,
    master: bridge,
    mtu: ov.mtu,
  };
}

/** What differs between the VXLAN device and the desired one: `recreate` when only a new device can fix it. */
function vxlanDrift(
  ov: DesiredOverlay,
  bridge: string,
  o: ObservedHost,
): { drift: DriftProblem[]; recreate: boolean } {
  const v = o.overlay?.vxlans?.get(ov.device);
  const dev = ov.device;
  if (!v) {
    const other = o.links.get(dev);
    return {
      drift: [
        {
          what: `VXLAN device ${dev} is missing${other ? ` (a device of another kind has its name)` : ''}`,
          expected: 'present',
          actual: 'absent',
        },
      ],
      recreate: true,
    };
  }
  const drift: DriftProblem[] = [];
  let recreate = false;
  const fixed = (what: string, expected: string, actual: string | undefined) => {
    drift.push({
      what: `VXLAN device ${dev} has ${what} ${actual ?? 'none'}`,
      expected,
      actual: actual ?? 'none',
    });
    recreate = true;
  };
  if (v.vni !== ov.vni) fixed('VNI', String(ov.vni), String(v.vni));
  if (v.local !== ov.local) fixed('local address', ov.local, v.local);
  if (v.port !== undefined && v.port !== VXLAN_PORT) fixed('UDP port', String(VXLAN_PORT), String(v.port));
  if (v.learning) fixed('learning', 'off', 'on');
  if (v.master !== bridge)
    drift.push({
      what: `VXLAN device ${dev} is ${v.master ? `on bridge ${v.master}` : 'on no bridge'}`,
      expected: bridge,
      actual: v.master ?? 'none',
    });
  else {
    if (v.portLearning !== false)
      drift.push({ what: `bridge port ${dev} learns MACs`, expected: 'learning off', actual: 'on' });
    if (v.neighSuppress !== true)
      drift.push({
        what: `bridge port ${dev} does not suppress ARP/ND`,
        expected: 'neigh_suppress on',
        actual: 'off',
      });
  }
  if (!v.up) drift.push({ what: `VXLAN device ${dev} is down`, expected: 'up', actual: 'down' });
  if (v.mtu !== undefined && v.mtu !== ov.mtu)
    drift.push({
      what: `VXLAN device ${dev} has MTU ${v.mtu}`,
      expected: String(ov.mtu),
      actual: String(v.mtu),
    });
  return { drift, recreate };
}

/** What the heal loop sees of the device (sysfs only): gone, off its bridge, down. */
function linkDrift(
  ov: DesiredOverlay,
  bridge: string,
  o: ObservedHost,
): { drift: DriftProblem[]; recreate: boolean } {
  const link = o.links.get(ov.device);
  const dev = ov.device;
  if (!link)
    return {
      drift: [{ what: `VXLAN device ${dev} is missing`, expected: 'present', actual: 'absent' }],
      recreate: true,
    };
  const drift: DriftProblem[] = [];
  if (link.master !== bridge)
    drift.push({
      what: `VXLAN device ${dev} is ${link.master ? `on bridge ${link.master}` : 'on no bridge'}`,
      expected: bridge,
      actual: link.master ?? 'none',
    });
  if (!link.up) drift.push({ what: `VXLAN device ${dev} is down`, expected: 'up', actual: 'down' });
  return { drift, recreate: false };
}

/** The VXLAN device: made (start, or gone/wrong), attached again (the bridge was made again), or its flags fixed. */
export function vxlanSteps(
  ov: DesiredOverlay,
  bridge: string,
  o: ObservedHost,
  fresh: boolean,
  bridgeFresh: boolean,
): Step[] {
  assertIfName(ov.device, 'VXLAN device name');
  const id = vxlanStepId(ov.device);
  const after = [linkStepId(bridge)];
  const del = { kind: 'exec' as const, argv: ['ip', 'link', 'del', 'dev', ov.device], mayFail: true };
  if (fresh) {
    return [
      {
        id,
        title: `create VXLAN device ${ov.device} (VNI ${ov.vni}) on ${bridge}`,
        do: [{ kind: 'exec', argv: ['ip', '-batch', '-'], stdin: `${createLines(ov, bridge).join('\n')}\n` }],
        undo: [del],
        after,
        provides: [vxlanResource(ov, bridge)],
      },
    ];
  }
  const { drift, recreate } = o.overlay?.vxlans ? vxlanDrift(ov, bridge, o) : linkDrift(ov, bridge, o);
  if (recreate) {
    const exists = o.links.has(ov.device);
    return [
      {
        id,
        title: `create VXLAN device ${ov.device} (VNI ${ov.vni}) on ${bridge}`,
        do: [
          ...(exists ? [del] : []),
          { kind: 'exec', argv: ['ip', '-batch', '-'], stdin: `${createLines(ov, bridge).join('\n')}\n` },
        ],
        undo: [del],
        after,
        provides: [vxlanResource(ov, bridge)],
        drift,
      },
    ];
  }
  if (!drift.length && !bridgeFresh) return [];
  return [
    {
      id,
      title: `attach VXLAN device ${ov.device} to ${bridge}`,
      do: [{ kind: 'exec', argv: ['ip', '-batch', '-'], stdin: `${attachLines(ov, bridge).join('\n')}\n` }],
      undo: [],
      after,
      provides: [vxlanResource(ov, bridge)],
      ...(drift.length ? { drift } : {}),
    },
  ];
}

/** The filter table (when missing or incomplete: made again in one transaction) and this network's port in it. */
export function overlayFilterSteps(ov: DesiredOverlay, o: ObservedHost, fresh: boolean): Step[] {
  const f = o.overlay?.filter;
  // a probe that did not look at the table has nothing to compare
  if (!fresh && !f) return [];
  const steps: Step[] = [];
  const complete =
    f?.table === true &&
    (f.chains === undefined ||
      Object.entries(OVERLAY_TABLE_CHAINS).every(([c, n]) => f.chains?.get(c) === n));
  if (!complete) {
    steps.push({
      id: OVERLAY_TABLE_STEP,
      title: `${f?.table ? 'replace' : 'create'} nft table ${OVERLAY_TABLE}`,
      do: [
        {
          kind: 'nft',
          script: `${f?.table ? `delete table ${OVERLAY_TABLE}\n` : ''}${overlayTableScript()}`,
        },
      ],
      // like virtnet's inet table: it stays, empty, when a start fails
      undo: [],
      provides: [{ kind: 'overlay-filter' }],
      ...(fresh
        ? {}
        : {
            drift: [
              {
                what: `nft table ${OVERLAY_TABLE} is ${f?.table ? 'incomplete' : 'missing'}`,
                expected: 'present',
                actual: f?.table ? 'incomplete' : 'absent',
              },
            ],
          }),
    });
  }
  if (!complete || !f?.ports.has(ov.device)) {
    steps.push({
      id: filterStepId(ov.device),
      title: `keep DHCP and router advertisements of other members off ${ov.device}`,
      do: [{ kind: 'nft', script: overlayPortAdd(ov.device) }],
      undo: [{ kind: 'nft', script: overlayPortRemove(ov.device), mayFail: true }],
      ...(complete ? {} : { after: [OVERLAY_TABLE_STEP] }),
      provides: [{ kind: 'overlay-filter', port: ov.device }],
      ...(fresh || !complete
        ? {}
        : {
            drift: [
              {
                what: `${ov.device} is not in the overlay filter`,
                expected: 'filtered',
                actual: 'not filtered',
              },
            ],
          }),
    });
  }
  return steps;
}

/** Stop: the VXLAN device and its filter port; FRR too when no other overlay network is active. */
export function overlayRemoveSteps(ov: DesiredOverlay, o: ObservedHost): Step[] {
  const steps: Step[] = [
    {
      id: vxlanStepId(ov.device),
      title: `delete VXLAN device ${ov.device}`,
      do: [{ kind: 'exec', argv: ['ip', 'link', 'del', 'dev', ov.device], mayFail: true }],
      undo: [],
      removes: [{ kind: 'vxlan', name: ov.device, vni: ov.vni, local: ov.local, master: '', mtu: ov.mtu }],
    },
    {
      id: filterStepId(ov.device),
      title: `remove ${ov.device} from the overlay filter`,
      do: [{ kind: 'nft', script: overlayPortRemove(ov.device), mayFail: true }],
      undo: [],
      removes: [{ kind: 'overlay-filter', port: ov.device }],
    },
  ];
  if (!ov.keepFrr) steps.push(...frrRemoveSteps(ov.frr, o));
  return steps;
}

/** Every overlay step of a start (`fresh`) or a reconcile, in run order: filter, VXLAN device, FRR. */
export function overlaySteps(
  ov: DesiredOverlay,
  bridge: string,
  o: ObservedHost,
  fresh: boolean,
  bridgeFresh: boolean,
): Step[] {
  return [
    ...overlayFilterSteps(ov, o, fresh),
    ...vxlanSteps(ov, bridge, o, fresh, bridgeFresh),
    ...frrSteps(ov, o, fresh),
  ];
}

/** Why the overlay cannot start here, named by the step it stops. */
export function overlayBlockers(
  ov: DesiredOverlay,
  o: ObservedHost,
): Array<{ step: string; message: string }> {
  const step = `create VXLAN device ${ov.device}`;
  const out = ov.problems.map((message) => ({ step, message }));
  if (o.links.has(ov.device))
    out.push({ step, message: `a device named '${ov.device}' already exists on the host` });
  return out;
}
