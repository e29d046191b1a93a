// The network XML: view live or saved, validated as you type (dry run), compared with the saved and the live
// version, and applied (define) after the plan is shown.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ChangePlan } from '../../../src/api/types';
import { ApiError, api, errorText } from '../api';
import type { NetDetails } from '../data';
import { CodeEditor } from './CodeEditor';
import { DiffView } from './DiffView';
import { PlanView } from './PlanView';

const VALIDATE_DELAY_MS = 600;

export function XmlTab({ d, onApplied }: { d: NetDetails; onApplied: () => Promise<void> }) {
  const hasInactive = d.inactiveXmlText !== undefined;
  const [which, setWhich] = useState<'live' | 'inactive'>('live');
  const source = which === 'inactive' && hasInactive ? d.inactiveXmlText! : (d.xmlText ?? '');
  const [text, setText] = useState(source);
  const [dirty, setDirty] = useState(false);
  const [error, setError] = useState<{ message: string; line?: number; column?: number }>();
  const [plan, setPlan] = useState<ChangePlan>();
  const [ok, setOk] = useState<string>();
  const [busy, setBusy] = useState(false);
  /** The plan shown before applying: Apply asks first, then defines. */
  const [confirming, setConfirming] = useState(false);
  const [compare, setCompare] = useState<'none' | 'saved' | 'live'>('none');
  const [checking, setChecking] = useState(false);
  const seq = useRef(0);

  // Follow server changes until the user edits.
  useEffect(() => {
    if (!dirty) setText(source);
  }, [source, dirty]);

  const fail = (e: unknown) => {
    if (e instanceof ApiError) {
      const err: { message: string; line?: number; column?: number } = { message: e.message };
      if (e.line !== undefined) err.line = e.line;
      if (e.column !== undefined) err.column = e.column;
      setError(err);
    } else setError({ message: errorText(e) });
  };

  /** A dry run of the text; only the latest answer counts. */
  const check = async (xml: string): Promise<ChangePlan | undefined> => {
    const mine = ++seq.current;
    setChecking(true);
    try {
      const p = await api.planDefine(xml);
      if (mine !== seq.current) return undefined;
      setError(undefined);
      return p;
    } catch (e) {
      if (mine === seq.current) fail(e);
      return undefined;
    } finally {
      if (mine === seq.current) setChecking(false);
    }
  };

  // Validate as you type, 600 ms after the last key.
  useEffect(() => {
    if (!dirty) return;
    setConfirming(false);
    const t = setTimeout(() => {
      void check(text).then((p) => {
        setPlan(p);
        if (p) setOk('Valid.');
        else setOk(undefined);
      });
    }, VALIDATE_DELAY_MS);
    return () => clearTimeout(t);
  }, [text, dirty]);

  const validate = async () => {
    setBusy(true);
    setError(undefined);
    setOk(undefined);
    setConfirming(false);
    try {
      const p = await check(text);
      setPlan(p);
      if (p) setOk('Valid: this is what applying it would do.');
    } finally {
      setBusy(false);
    }
  };

  /** Apply, first step: the plan. */
  const apply = async () => {
    setBusy(true);
    setError(undefined);
    setOk(undefined);
    try {
      const p = await check(text);
      setPlan(p);
      setConfirming(p !== undefined);
    } finally {
      setBusy(false);
    }
  };

  /** Apply, second step: define. */
  const confirmApply = async () => {
    setBusy(true);
    setError(undefined);
    setOk(undefined);
    try {
      const info = await api.define(text);
      setConfirming(false);
      setOk(
        info.active
          ? 'Saved. The running network keeps its current configuration until it is restarted.'
          : 'Saved.',
      );
      setPlan(undefined);
      setDirty(false);
      await onApplied();
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="xml-tab">
      {hasInactive && (
        <fieldset class="seg">
          <legend>Show</legend>
          <label>
            <input
              type="radio"
              name="xml-which"
              checked={which === 'live'}
              data-testid="xml-live"
              onChange={() => {
                setWhich('live');
                setDirty(false);
              }}
            />{' '}
            Live
          </label>
          <label>
            <input
              type="radio"
              name="xml-which"
              checked={which === 'inactive'}
              data-testid="xml-inactive"
              onChange={() => {
                setWhich('inactive');
                setDirty(false);
              }}
            />{' '}
            Saved (inactive)
          </label>
        </fieldset>
      )}
      <label for="xml-text" class="sr-only">
        Network XML
      </label>
      <p class="validity muted" aria-live="polite" data-testid="xml-validity">
        {checking ? 'Checking…' : dirty ? (error ? 'Not valid.' : plan ? 'Valid.' : '') : 'Unchanged.'}
      </p>
      <CodeEditor
        id="xml-text"
        testid="xml-text"
        value={text}
        errorLine={dirty ? error?.line : undefined}
        onInput={(v) => {
          setText(v);
          setDirty(true);
        }}
      />
      <div class="actions">
        <button type="button" disabled={busy} data-testid="xml-validate" onClick={() => void validate()}>
          Validate
        </button>
        <button
          type="button"
          class="primary"
          disabled={busy}
          data-testid="xml-apply"
          onClick={() => void apply()}
        >
          Apply…
        </button>
        {dirty && (
          <button
            type="button"
            disabled={busy}
            data-testid="xml-revert"
            onClick={() => {
              setText(source);
              setDirty(false);
              setError(undefined);
            }}
          >
            Revert
          </button>
        )}
      </div>
      <div role="alert" data-testid="xml-error">
        {error && (
          <p class="error">
            {error.line !== undefined && (
              <strong>
                line {error.line}
                {error.column !== undefined ? `, column ${error.column}` : ''}:{' '}
              </strong>
            )}
            {error.message}
          </p>
        )}
      </div>
      {ok && (
        <p class="ok" role="status" data-testid="xml-ok">
          {ok}
        </p>
      )}
      {confirming && plan && (
        <div class="banner" data-testid="xml-confirm">
          <p>Applying saves this definition and runs the plan below.</p>
          <div class="actions">
            <button
              type="button"
              class="primary"
              disabled={busy}
              data-testid="xml-apply-confirm"
              onClick={() => void confirmApply()}
            >
              Save the definition
            </button>
            <button
              type="button"
              disabled={busy}
              data-testid="xml-apply-cancel"
              onClick={() => setConfirming(false)}
            >
              Cancel
            </button>
          </div>
        </div>
      )}
      {plan && <PlanView plan={plan} />}
      <fieldset class="seg">
        <legend>Compare with</legend>
        {(['none', 'saved', 'live'] as const).map((c) => (
          <label key={c}>
            <input
              type="radio"
              name="xml-compare"
              checked={compare === c}
              data-testid={`xml-compare-${c}`}
              onChange={() => setCompare(c)}
            />{' '}
            {c === 'none' ? 'Nothing' : c === 'saved' ? 'Saved' : 'Live'}
          </label>
        ))}
      </fieldset>
      {compare !== 'none' && (
        <DiffView
          from={compare === 'saved' ? (d.inactiveXmlText ?? d.xmlText ?? '') : (d.xmlText ?? '')}
          to={text}
          fromLabel={compare === 'saved' ? (hasInactive ? 'saved' : 'saved (same as live)') : 'live'}
          toLabel="this text"
          testid="xml-diff"
        />
      )}
    </div>
  );
}
