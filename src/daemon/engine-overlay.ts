// The reconciler's overlay part, kept beside engine.ts: the facts a desired overlay is built from and the
// supervision of an FRR found running (adoption). Networks without the element get nothing from here.

import type { NetworkDef } from '../model/network-def.js';
import { readOverlay } from '../model/network-overlay.js';
import type { DesiredNetwork } from '../plan/desired.js';
import type { HostSide } from '../plan/host-side.js';
import type { ObservedHost } from '../plan/observed.js';
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

/** FRR's daemons that run (adopted after a restart of virtnetd) are supervised from now on. */
export function superviseFrr(host: HostSide, d: DesiredNetwork, o: ObservedHost | undefined): void {
  for (const p of d.overlay?.frr.processes ?? []) {
    const pid = o?.processes.get(p.ref.id);
    if (pid !== undefined) host.supervise({ kind: 'spawn', process: p.ref, argv: p.argv }, pid);
  }
}
