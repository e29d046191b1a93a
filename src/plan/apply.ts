// Runs a plan's steps through an executor in order, collecting undos; a failure unwinds every step that ran,
// newest first, and reports the step that failed with its command and error. Steps marked `parallel` may overlap
// earlier ones (waiting only for what they name in `after`/`waitFor`), as measured faster for starts.

import { ActionFailed, actionCommand, type Executor } from './executor.js';
import type { Action, Step } from './steps.js';

/** The first failure of an apply, after the unwinding. */
export class StepFailed extends Error {
  constructor(
    readonly step: Step,
    readonly action: Action | undefined,
    readonly reason: string,
  ) {
    super(`step "${step.title}" failed: ${reason}`);
  }
}

async function runActions(step: Step, actions: Action[], ex: Executor, phase: 'do' | 'undo'): Promise<void> {
  // a `do` was announced when it was launched (in list order, so transcripts follow the plan)
  if (phase === 'undo') ex.stepStarted?.(step, phase);
  let ok = false;
  try {
    for (const a of actions) {
      if (phase === 'undo') {
        // best effort: an undo that fails must not stop the others
        await ex.run(a, step).catch(() => undefined);
      } else {
        try {
          await ex.run(a, step);
        } catch (e) {
          const reason = e instanceof ActionFailed ? e.reason : (e as Error).message;
          throw new StepFailed(
            step,
            a,
            reason.startsWith(actionCommand(a)) ? reason : `${actionCommand(a)}: ${reason}`,
          );
        }
      }
    }
    ok = true;
  } finally {
    ex.stepFinished?.(step, phase, ok);
  }
}

/**
 * Applies the steps. On failure the steps that ran (including the one that failed half way: its undo only removes
 * what it may have made) are undone in reverse order, then StepFailed is thrown. Returns the steps applied.
 */
export async function applySteps(steps: Step[], ex: Executor): Promise<Step[]> {
  const finished = new Map<string, Promise<boolean>>();
  const started: Array<{ step: Step; result: Promise<boolean> }> = [];
  let failure: StepFailed | undefined;

  const launch = (step: Step): Promise<boolean> => {
    const deps = [...(step.after ?? []), ...(step.waitFor ?? [])].flatMap((id) => {
      const p = finished.get(id);
      return p ? [p] : [];
    });
    ex.stepStarted?.(step, 'do');
    return (async () => {
      const depsOk = (await Promise.all(deps)).every(Boolean);
      if (!depsOk || failure) {
        ex.stepFinished?.(step, 'do', false);
        return false;
      }
      try {
        await runActions(step, step.do, ex, 'do');
        return true;
      } catch (e) {
        failure ??= e instanceof StepFailed ? e : new StepFailed(step, undefined, (e as Error).message);
        return false;
      }
    })();
  };

  for (const step of steps) {
    if (failure) break;
    if (!step.parallel) await Promise.all(started.map((s) => s.result));
    if (failure) break;
    const result = launch(step);
    finished.set(step.id, result);
    started.push({ step, result });
    if (!step.parallel) await result;
  }
  const outcomes = await Promise.all(started.map((s) => s.result));
  if (!failure) return steps;
  // every step that started its actions gets its undo; skipped ones (dependency failed) made nothing
  const toUndo = started.filter((s, i) => outcomes[i] || s.step === failure?.step);
  for (const { step } of toUndo.reverse()) await runActions(step, step.undo, ex, 'undo');
  throw failure;
}
