// The recording executor: writes every action down, step by step, and applies each finished step's resources
// to a fake host. With an inner executor it also runs them for real (the test that a dry run equals what a
// start runs). Dry runs, goldens and the memory runtime use it.

import type { ActionResult, Executor } from '../plan/executor.js';
import { ActionFailed } from '../plan/executor.js';
import type { Action, Step } from '../plan/steps.js';
import type { TranscriptStep } from '../plan/transcript.js';
import type { FakeHost } from './fake-host.js';

export interface RecordingOptions {
  /** Updated as steps finish (memory runtime, dry runs). */
  host?: FakeHost;
  /** Runs every action for real too (its result is returned). */
  inner?: Executor;
  /** Test hook: a reason for this action to fail, or undefined. */
  failOn?: (a: Action) => string | undefined;
  /** Keep only the last this many steps (a long-running memory daemon must not grow without bound). */
  limit?: number;
}

export class RecordingExecutor implements Executor {
  readonly transcript: TranscriptStep[] = [];
  private readonly open = new Map<string, TranscriptStep>();

  constructor(private readonly opts: RecordingOptions = {}) {}

  /** Starts a new transcript (keeps the fake host). */
  reset(): void {
    this.transcript.length = 0;
    this.open.clear();
  }

  stepStarted(step: Step, phase: 'do' | 'undo'): void {
    const entry: TranscriptStep = { id: step.id, title: step.title, phase, actions: [] };
    this.transcript.push(entry);
    const limit = this.opts.limit;
    if (limit !== undefined && this.transcript.length > limit)
      this.transcript.splice(0, this.transcript.length - limit);
    this.open.set(`${phase}:${step.id}`, entry);
    this.opts.inner?.stepStarted?.(step, phase);
  }

  stepFinished(step: Step, phase: 'do' | 'undo', ok: boolean): void {
    const entry = this.open.get(`${phase}:${step.id}`);
    this.open.delete(`${phase}:${step.id}`);
    // a step skipped because an earlier one failed ran nothing: it is not part of what happened
    if (entry && !ok && entry.actions.length === 0) this.transcript.splice(this.transcript.indexOf(entry), 1);
    const h = this.opts.host;
    if (h && phase === 'do' && ok) {
      h.apply(step.removes ?? [], false);
      h.apply(step.provides ?? [], true);
    }
    if (h && phase === 'undo') h.apply(step.provides ?? [], false);
    this.opts.inner?.stepFinished?.(step, phase, ok);
  }

  async run(a: Action, step?: Step): Promise<ActionResult> {
    const entry = step ? (this.open.get(`do:${step.id}`) ?? this.open.get(`undo:${step.id}`)) : undefined;
    if (entry) entry.actions.push(a);
    else this.transcript.push({ id: '', title: '(outside a step)', phase: 'do', actions: [a] });
    const reason = this.opts.failOn?.(a);
    if (reason !== undefined) {
      if (a.kind === 'exec' && a.mayFail) return { ok: false, stderr: reason };
      throw new ActionFailed(a, reason);
    }
    if (this.opts.inner) return this.opts.inner.run(a, step);
    if (a.kind === 'spawn' && this.opts.host) {
      const pid = this.opts.host.newPid();
      this.opts.host.processes.set(a.process.id, pid);
      return { ok: true, pid };
    }
    return { ok: true };
  }
}
