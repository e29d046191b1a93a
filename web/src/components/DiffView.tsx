// A line diff of two texts: removed lines red with "-", added green with "+".
import { hasChanges, lineDiff } from '../diff';

export function DiffView(props: {
  from: string;
  to: string;
  fromLabel: string;
  toLabel: string;
  testid?: string;
}) {
  const lines = lineDiff(props.from, props.to);
  return (
    <figure class="diff" data-testid={props.testid}>
      <figcaption class="muted">
        <span class="del">− {props.fromLabel}</span> <span class="add">+ {props.toLabel}</span>
      </figcaption>
      {hasChanges(lines) ? (
        <pre>
          {lines.map((l, i) => (
            <div key={i} class={l.op === '-' ? 'del' : l.op === '+' ? 'add' : undefined}>
              {l.op} {l.text}
            </div>
          ))}
        </pre>
      ) : (
        <p class="muted">No differences.</p>
      )}
    </figure>
  );
}
