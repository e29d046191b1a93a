// What a probe looks at for a network's overlay, added to the scopes of src/plan/probe-scopes.ts: its VXLAN device
// with its attributes and the filter table (starts and reconciles), FRR's daemons and files (the start, to know
// whether another overlay network runs them; reconciles); in the heal loop the device from sysfs and the filter
// table (one listing per round for every overlay network: it goes with the nft session, as virtnet's table does).

import type { DesiredNetwork } from './desired.js';
import type { ProbeScope } from './observed.js';

/** The overlay's part of a scope. `kind` 'heal': the device as a link only (cheap; the supervisor keeps FRR). */
export function overlayScope(d: DesiredNetwork, kind: 'start' | 'reconcile' | 'heal'): Partial<ProbeScope> {
  const ov = d.overlay;
  if (!ov) return {};
  if (kind === 'heal') return { links: [ov.device], overlay: { vxlans: [], filter: true } };
  return {
    links: [ov.device],
    overlay: { vxlans: [ov.device], filter: true },
    processes: ov.frr.processes.map((p) => p.ref),
    files: ov.frr.files.map((f) => f.path),
  };
}

/** Two scopes as one (the union of what each looks at). */
export function mergeScope(a: ProbeScope, b: Partial<ProbeScope>): ProbeScope {
  const out: ProbeScope = { ...a };
  if (b.links) out.links = [...a.links, ...b.links];
  if (b.overlay)
    out.overlay = {
      vxlans: [...(a.overlay?.vxlans ?? []), ...b.overlay.vxlans],
      filter: (a.overlay?.filter ?? false) || b.overlay.filter,
    };
  if (b.processes) out.processes = [...(a.processes ?? []), ...b.processes];
  if (b.files) out.files = [...(a.files ?? []), ...b.files];
  return out;
}
