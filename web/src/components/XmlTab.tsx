// The network XML: view live or saved, validate (dry run) and apply (define).
import { useEffect, useState } from 'preact/hooks';
import type { ChangePlan } from '../../../src/api/types';
import { ApiError, api, errorText } from '../api';
import type { NetDetails } from '../data';
import { PlanView } from './PlanView';

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

  const validate = async () => {
    setBusy(true);
    setError(undefined);
    setOk(undefined);
    try {
      setPlan(await api.planDefine(text));
      setOk('Valid: this is what applying it would do.');
    } catch (e) {
      setPlan(undefined);
      fail(e);
    } finally {
      setBusy(false);
    }
  };

  const apply = async () => {
    setBusy(true);
    setError(undefined);
    setOk(undefined);
    try {
      const info = await api.define(text);
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
      <textarea
        id="xml-text"
        data-testid="xml-text"
        spellcheck={false}
        rows={Math.min(40, Math.max(12, text.split('\n').length + 1))}
        value={text}
        onInput={(e) => {
          setText(e.currentTarget.value);
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
          Apply
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
                Line {error.line}
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
      {plan && <PlanView plan={plan} />}
    </div>
  );
}
