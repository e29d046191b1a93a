// The engine's network hooks: which scripts there are (the probe looks, each time, so a script added later runs
// too), the hook steps a start or stop gets, the hooks of port and update operations, and the report of a script
// that is not executable (once, until it changes). The steps themselves are src/plan/hook-steps.ts.

import { VirtError } from '../model/errors.js';
import type { NetworkDef } from '../model/network-def.js';
import { applySteps, StepFailed } from '../plan/apply.js';
import {
  type HookOp,
  type HookScript,
  hookAborts,
  hookStep,
  skippedHooks,
  withStartHooks,
  withStopHook,
} from '../plan/hook-steps.js';
import type { HostSide } from '../plan/host-side.js';
import type { Plan } from '../plan/steps.js';

/** libvirt waits for hooks forever; virtnet gives up on one after this unless told otherwise. */
const DEFAULT_TIMEOUT_MS = 30_000;

export class HookRunner {
  /** Scripts reported as not executable (each once, again after it was fixed and broke again). */
  private readonly reported = new Set<string>();

  constructor(
    private readonly host: HostSide,
    /** Something a person should know about a network (logged by the daemon, and an event). */
    private readonly notify: (network: string, message: string) => void,
  ) {}

  private get timeoutMs(): number {
    return this.host.hookTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  private report(scripts: readonly HookScript[], network: string): void {
    for (const s of scripts) {
      if (s.executable) this.reported.delete(s.path);
      else if (!this.reported.has(s.path)) {
        this.reported.add(s.path);
        for (const message of skippedHooks([s])) this.notify(network, message);
      }
    }
  }

  /** A start's plan with its `start` and `started` hooks (the same for the real start and its dry run). */
  start(plan: Plan, scripts: readonly HookScript[] | undefined, def: NetworkDef): Plan {
    this.report(scripts ?? [], def.name);
    return withStartHooks(plan, scripts ?? [], def, this.timeoutMs);
  }

  /** A stop's plan with its `stopped` hook last. */
  stop(plan: Plan, scripts: readonly HookScript[] | undefined, def: NetworkDef): Plan {
    return withStopHook(plan, scripts ?? [], def, this.timeoutMs);
  }

  /** The hooks of a port or update operation; those that abort throw a VirtError, the others are reported. */
  async run(op: HookOp, def: NetworkDef, portXml?: string): Promise<void> {
    const o = await this.host.probe.observe({ links: [], hooks: true });
    this.report(o.hooks ?? [], def.name);
    const step = hookStep(o.hooks ?? [], def, op, this.timeoutMs, portXml);
    if (!step) return;
    try {
      await applySteps([step], this.host.executor);
    } catch (e) {
      const reason = e instanceof StepFailed ? e.message : (e as Error).message;
      if (hookAborts(op))
        throw new VirtError('OPERATION_FAILED', `network '${def.name}': ${reason}`, { cause: e });
      this.notify(def.name, reason);
    }
  }
}
