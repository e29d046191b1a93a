// The reconciler's overlay part, kept beside engine.ts: the facts a desired overlay is built from, what a probe
// must look at for it, and the supervision of an FRR found running (adoption). Networks without the element
// get nothing from here.

import type { NetworkDef } from '../model/network-def.js';
import { readOverlay } from '../model/network-overlay.js';
import type { DesiredNetwork } from '../plan/desired.js';
import type { HostSide } from '../plan/host-side.js';
import type { ObservedHost, ProbeScope } from '../plan/observed.js';
import type { OverlayFacts } from '../plan/overlay-desired.js';

export function overlayFactsOf(host: HostSide, def: NetworkDef): OverlayFacts | undefined {
  const ov = host.overlay;
  if (!ov || !readOverlay(def)) return undefined;
  const underlay = ov.underlay();
  return {
    config: ov.config,
    frr: ov.frr,
    frrInstalled: ov.frrInstalled(),
    ...(underlay ? { underlay } : {}),
    bindings: ov.bindings(def.name),
  };
}

/** What a probe adds for a network's overlay. `processes`: FRR's daemons and files too (not in the heal loop). */
export function overlayScope(d: DesiredNetwork, processes: boolean): Partial<ProbeScope> {
  const ov = d.overlay;
  if (!ov) return {};
  return {
    overlay: { vxlans: [ov.device], filter: true },
    ...(processes
      ? { processes: ov.frr.processes.map((p) => p.ref), files: ov.frr.files.map((f) => f.path) }
      : {}),
  };
}

/** Two scopes as one (the union of what each looks at). */
export function mergeScope(a: ProbeScope, b: Partial<ProbeScope>): ProbeScope {
  const out: ProbeScope = { ...a };
  if (b.overlay)
    out.overlay = {
      vxlans: [...(a.overlay?.vxlans ?? []), ...b.overlay.vxlans],
      filter: (a.overlay?.filter ?? false) || b.overlay.filter,
    };
  if (b.processes) out.processes = [...(a.processes ?? []), ...b.processes];
  if (b.files) out.files = [...(a.files ?? []), ...b.files];
  if (b.overlay) out.links = [...a.links, ...b.overlay.vxlans];
  return out;
}

/** FRR's daemons that run (adopted after a restart of virtnetd) are supervised from now on. */
export function superviseFrr(host: HostSide, d: DesiredNetwork, o: ObservedHost | undefined): void {
  for (const p of d.overlay?.frr.processes ?? []) {
    const pid = o?.processes.get(p.ref.id);
    if (pid !== undefined) host.supervise(p.ref, p.argv, pid);
  }
}
