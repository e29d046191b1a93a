// A plain textarea with line numbers and XML highlighting drawn underneath it (no editor library): the textarea
// keeps typing, selection, undo and accessibility native; the overlay only colours the same text.
import { useRef } from 'preact/hooks';
import { highlightXml } from '../xml-highlight';
import '../style-forms.css';

export interface CodeEditorProps {
  id: string;
  value: string;
  onInput: (text: string) => void;
  /** A line to mark in the gutter (an error's). */
  errorLine?: number | undefined;
  testid?: string;
  'aria-describedby'?: string;
}

export function CodeEditor(props: CodeEditorProps) {
  const under = useRef<HTMLPreElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const lines = props.value.split('\n').length;
  const rows = Math.min(40, Math.max(12, lines + 1));
  const sync = (ta: HTMLTextAreaElement) => {
    if (under.current) {
      under.current.scrollTop = ta.scrollTop;
      under.current.scrollLeft = ta.scrollLeft;
    }
    if (gutter.current) gutter.current.scrollTop = ta.scrollTop;
  };
  return (
    <div class="code-editor" data-testid="code-editor">
      <div class="code-gutter" ref={gutter} aria-hidden="true" data-testid="code-gutter">
        {Array.from({ length: lines }, (_, i) => (
          <div key={i} class={i + 1 === props.errorLine ? 'code-line-error' : undefined}>
            {i + 1}
          </div>
        ))}
        {/* room for the textarea's last line and its horizontal scrollbar */}
        <div>&nbsp;</div>
      </div>
      <div class="code-area">
        <pre class="code-under" ref={under} aria-hidden="true" data-testid="code-highlight">
          {highlightXml(props.value).map((t, i) =>
            t.kind === 'text' ? (
              t.text
            ) : (
              <span key={i} class={`tok-${t.kind}`}>
                {t.text}
              </span>
            ),
          )}
          {'\n '}
        </pre>
        <textarea
          id={props.id}
          class="code-input"
          data-testid={props.testid}
          spellcheck={false}
          wrap="off"
          autocapitalize="off"
          autocomplete="off"
          rows={rows}
          value={props.value}
          aria-describedby={props['aria-describedby']}
          onInput={(e) => {
            props.onInput(e.currentTarget.value);
            sync(e.currentTarget);
          }}
          onScroll={(e) => sync(e.currentTarget)}
        />
      </div>
    </div>
  );
}
