// Network hooks as libvirt runs them: `<config-dir>/hooks/network`, then `hooks/network.d/*` in byte order, each
// called as `SCRIPT NETWORK OP SUBOP -` with `<hookData>` (the network's XML, and the port's for port operations)
// on stdin. A hook is a step of the plan it belongs to: a failing `start` or `started` hook fails the start, and
// the start unwinds like any failed step. Pure.

import type { NetworkDef } from '../model/network-def.js';
import { formatNetworkXml } from '../model/network-format.js';
import type { Plan, Step } from './steps.js';

export type HookOp = 'start' | 'started' | 'stopped' | 'port-created' | 'port-deleted' | 'updated';

/** A hook script found on the host (main script first, then network.d in order). */
export interface HookScript {
  path: string;
  executable: boolean;
}

/** What a hook's failure does: `start`, `started` and `port-created` abort what they announce (libvirt). */
export function hookAborts(op: HookOp): boolean {
  return op === 'start' || op === 'started' || op === 'port-created' || op === 'updated';
}

/** libvirt's sub-operation: `end` after a stop, `begin` for everything else. */
export function hookSubOp(op: HookOp): 'begin' | 'end' {
  return op === 'stopped' ? 'end' : 'begin';
}

const indent = (xml: string) =>
  xml
    .replace(/\n+$/, '')
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n');

/**
 * The stdin of a network hook, byte for byte as libvirt 9.0 writes it: the live network XML (and the port's
 * XML), indented inside <hookData>, with no newline after the closing tag.
 */
export function hookData(network: NetworkDef, portXml?: string): string {
  const parts = [indent(formatNetworkXml(network))];
  if (portXml !== undefined) parts.push(indent(portXml));
  return `<hookData>\n${parts.join('\n')}\n</hookData>`;
}

export const hookStepId = (op: HookOp) => `hook:${op}`;

/** The step that runs the executable scripts for one operation, or undefined when there are none. */
export function hookStep(
  scripts: readonly HookScript[],
  network: NetworkDef,
  op: HookOp,
  timeoutMs: number,
  portXml?: string,
): Step | undefined {
  const run = scripts.filter((s) => s.executable).map((s) => s.path);
  if (!run.length) return undefined;
  const sub = hookSubOp(op);
  return {
    id: hookStepId(op),
    title: `run network hooks (${network.name} ${op} ${sub})`,
    do: [
      {
        kind: 'hook',
        scripts: run,
        args: [network.name, op, sub, '-'],
        stdin: hookData(network, portXml),
        timeoutMs,
      },
    ],
    undo: [],
  };
}

/** Scripts that are there but will not run (libvirt skips them silently; virtnet says so). */
export function skippedHooks(scripts: readonly HookScript[]): string[] {
  return scripts
    .filter((s) => !s.executable)
    .map((s) => `hook script ${s.path} is not executable: not run (chmod +x to use it)`);
}

/**
 * A start with its hooks: `start` before anything is made, `started` once everything runs (its failure unwinds
 * the whole start). The network XML they get is the live definition.
 */
export function withStartHooks(
  plan: Plan,
  scripts: readonly HookScript[],
  network: NetworkDef,
  timeoutMs: number,
): Plan {
  const before = hookStep(scripts, network, 'start', timeoutMs);
  const after = hookStep(scripts, network, 'started', timeoutMs);
  return {
    ...plan,
    steps: [...(before ? [before] : []), ...plan.steps, ...(after ? [after] : [])],
    warnings: [...plan.warnings, ...skippedHooks(scripts)],
  };
}

/** A stop with its `stopped` hook last (the network's XML as it ran, connections included). */
export function withStopHook(
  plan: Plan,
  scripts: readonly HookScript[],
  network: NetworkDef,
  timeoutMs: number,
): Plan {
  const step = hookStep(scripts, network, 'stopped', timeoutMs);
  return { ...plan, steps: [...plan.steps, ...(step ? [step] : [])] };
}
