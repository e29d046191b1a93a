// A ChangePlan: the commands, the nft transaction and the files a mutation runs or would run.
import type { ChangePlan } from '../../../src/api/types';

export function PlanView({ plan, title }: { plan: ChangePlan; title?: string }) {
  const empty = plan.commands.length === 0 && !plan.nft.trim() && plan.files.length === 0;
  return (
    <section class="plan" data-testid="plan" aria-label={title ?? 'The plan'}>
      <h3>{title ?? (plan.dryRun ? 'The plan (dry run: nothing changed yet)' : 'What was done')}</h3>
      {empty && <p class="muted">No host changes.</p>}
      {(plan.warnings ?? []).length > 0 && (
        <div role="alert" data-testid="plan-warnings">
          <ul class="plan-warnings">
            {(plan.warnings ?? []).map((w) => (
              <li key={w}>Warning: {w}</li>
            ))}
          </ul>
        </div>
      )}
      {plan.commands.length > 0 && (
        <>
          <h4>Commands</h4>
          <pre>{plan.commands.join('\n')}</pre>
        </>
      )}
      {plan.nft.trim() && (
        <>
          <h4>nftables</h4>
          <pre>{plan.nft}</pre>
        </>
      )}
      {plan.files.length > 0 && (
        <>
          <h4>Files</h4>
          {plan.files.map((f) => (
            <details key={f.path}>
              <summary>
                <code>{f.path}</code> {f.content === undefined ? '(removed)' : ''}
              </summary>
              {f.content !== undefined && <pre>{f.content}</pre>}
            </details>
          ))}
        </>
      )}
    </section>
  );
}
