// Steps of this host's FRR, shared by every overlay network: its configuration files, zebra and bgpd (daemonized,
// then supervised), started by the first overlay network and stopped with the last, and started again when the
// configuration (virtnetd's overlay flags) changed.

import type { ObservedHost } from './observed.js';
import type { DesiredFrr, DesiredOverlay } from './overlay-desired.js';
import type { Step } from './steps.js';

const FRR_FILES_STEP = 'frr:files';
/** Debian's frr package runs its daemons as this user. */
const FRR_USER = 'frr';
/** What FRR leaves in its pathspace directory once the daemons are gone. */
const FRR_LEFTOVERS = ['zebra.pid', 'zebra.vty', 'zserv.api', 'bgpd.pid', 'bgpd.vty'];

/**
 * This host's FRR: its files written, zebra then bgpd started, when they do not run (a start finds them running
 * when another overlay network started them). A changed configuration means both are started again. A probe that
 * did not look at processes (the heal loop: the supervisor keeps them) plans nothing here.
 */
export function frrSteps(ov: DesiredOverlay, o: ObservedHost, fresh: boolean): Step[] {
  if (!o.processesKnown) return [];
  const frr = ov.frr;
  const stale = o.filesKnown ? frr.files.filter((f) => o.files.get(f.path) !== f.content) : [];
  const pids = frr.processes.map((p) => o.processes.get(p.ref.id));
  const anyRunning = pids.some((pid) => pid !== undefined);
  const steps: Step[] = [];
  if (stale.length) {
    steps.push({
      id: FRR_FILES_STEP,
      title: 'write FRR configuration (zebra, bgpd)',
      do: stale.map((f) => ({ kind: 'write' as const, path: f.path, content: f.content, mode: 0o644 })),
      // files FRR runs with are not taken back; new ones go with a start that fails
      undo: anyRunning ? [] : stale.map((f) => ({ kind: 'remove' as const, path: f.path })),
      // FRR needs nothing of the network's: it starts while the rest is made (bgpd still waits for zebra)
      parallel: true,
      provides: stale.map((f) => ({ kind: 'file' as const, path: f.path, content: f.content })),
      ...(!fresh && anyRunning
        ? { drift: stale.map((f) => ({ what: `${f.path} differs from the overlay configuration` })) }
        : {}),
    });
  }
  const restart = stale.length > 0 && anyRunning;
  if (restart) {
    // bgpd first: it withdraws its routes at once instead of losing zebra under it
    for (const [i, p] of [...frr.processes.entries()].reverse()) {
      const pid = pids[i];
      if (pid === undefined) continue;
      steps.push({
        id: `frr-stop:${p.ref.program}`,
        title: `stop ${p.ref.program} (its configuration changed)`,
        do: [{ kind: 'stop-process', process: p.ref, pid }],
        undo: [],
        removes: [{ kind: 'process', process: p.ref }],
      });
    }
  }
  for (const [i, p] of frr.processes.entries()) {
    const dead = pids[i] === undefined;
    if (!dead && !restart) continue;
    steps.push({
      id: p.ref.id,
      title: `start ${p.ref.program} (FRR's ${p.ref.program === 'zebra' ? 'kernel side' : 'BGP-EVPN'})`,
      do: [
        // the daemons drop root for user frr and then write their pid files and sockets here
        {
          kind: 'exec',
          argv: ['install', '-d', '-o', FRR_USER, '-g', FRR_USER, '-m', '0755', frr.stateDir],
        },
        { kind: 'spawn', process: p.ref, argv: p.argv },
      ],
      undo: [{ kind: 'stop-process', process: p.ref }],
      after: [FRR_FILES_STEP, ...frr.processes.slice(0, i).map((x) => x.ref.id)],
      parallel: true,
      provides: [{ kind: 'process', process: p.ref }],
      ...(!fresh && dead
        ? { drift: [{ what: `${p.ref.program} is not running`, expected: 'running', actual: 'dead' }] }
        : {}),
    });
  }
  return steps;
}

/** The end of FRR (no overlay network is active any more): bgpd, then zebra, then their files and directory. */
export function frrRemoveSteps(frr: DesiredFrr, o: ObservedHost): Step[] {
  if (!frr.processes.length) return [];
  const steps: Step[] = [];
  for (const p of [...frr.processes].reverse()) {
    const pid = o.processes.get(p.ref.id);
    steps.push({
      id: p.ref.id,
      title: `stop ${p.ref.program} (no overlay network is active)`,
      do: [{ kind: 'stop-process', process: p.ref, ...(pid !== undefined ? { pid } : {}) }],
      undo: [],
      removes: [{ kind: 'process', process: p.ref }],
    });
  }
  steps.push({
    id: FRR_FILES_STEP,
    title: 'remove FRR configuration and sockets',
    do: [
      ...frr.files.map((f) => ({ kind: 'remove' as const, path: f.path })),
      ...FRR_LEFTOVERS.map((f) => ({ kind: 'remove' as const, path: `${frr.stateDir}/${f}` })),
      { kind: 'exec', argv: ['rmdir', '--', frr.stateDir], mayFail: true },
    ],
    undo: [],
    removes: frr.files.map((f) => ({ kind: 'file' as const, path: f.path, content: '' })),
  });
  return steps;
}
