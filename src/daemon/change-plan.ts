// Dry runs as the API answers them: the recording executor's transcript of a plan, as a ChangePlan — the steps in
// run order, and for older clients the same commands, nft transaction and files listed by kind.

import type { ChangePlan } from '../api/types.js';
import type { Action } from '../plan/steps.js';
import { formatAction, type TranscriptStep } from '../plan/transcript.js';

export function emptyPlan(dryRun = true): ChangePlan {
  return { dryRun, commands: [], nft: '', files: [] };
}

/** The commands list of older clients: everything but nft transactions and files, which have their own fields. */
function commandOf(a: Action): string | undefined {
  return a.kind === 'nft' || a.kind === 'write' || a.kind === 'remove' ? undefined : formatAction(a);
}

/** A transcript (steps with their actions) as a ChangePlan. */
export function toChangePlan(
  transcript: TranscriptStep[],
  warnings: string[] = [],
  dryRun = true,
): ChangePlan {
  const plan = emptyPlan(dryRun);
  const nft: string[] = [];
  for (const s of transcript) {
    for (const a of s.actions) {
      const cmd = commandOf(a);
      if (cmd !== undefined) plan.commands.push(cmd);
      if (a.kind === 'nft') nft.push(a.script.trimEnd());
      if (a.kind === 'write') plan.files.push({ path: a.path, content: a.content });
      if (a.kind === 'remove') plan.files.push({ path: a.path });
    }
  }
  plan.nft = nft.length ? `${nft.join('\n')}\n` : '';
  plan.steps = transcript.map((s) => ({ id: s.id, title: s.title, commands: s.actions.map(formatAction) }));
  if (warnings.length) plan.warnings = [...new Set(warnings)];
  return plan;
}
