// The list's "Clone…": a copy of a definition under a new name, shown before it is defined.
import { useState } from 'preact/hooks';
import { api, errorText } from '../api';
import { navigate, networkHref } from '../router';
import { cloneNetworkXml } from '../xml';
import { ConfirmDialog } from './ConfirmDialog';

export function CloneDialog(props: { from: string; xml: string; onClose: () => void }) {
  const [name, setName] = useState(`${props.from}-clone`);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  let cloneXml: string | undefined;
  let cloneError: string | undefined;
  try {
    cloneXml = cloneNetworkXml(props.xml, name.trim());
  } catch (e) {
    cloneError = errorText(e);
  }
  return (
    <ConfirmDialog
      title={`Clone network ${props.from}`}
      confirmLabel="Define the clone"
      confirmClass="primary"
      confirmTestId="clone-submit"
      busy={busy || !cloneXml || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name.trim())}
      onCancel={props.onClose}
      onConfirm={async () => {
        if (!cloneXml) return;
        setBusy(true);
        try {
          const info = await api.define(cloneXml);
          props.onClose();
          navigate(networkHref(info.name, 'xml'));
        } catch (e) {
          setBusy(false);
          setError(errorText(e));
        }
      }}
    >
      <div class="field">
        <label for="clone-name">Name of the new network</label>
        <input
          id="clone-name"
          data-testid="clone-name"
          value={name}
          autocomplete="off"
          onInput={(e) => {
            setName(e.currentTarget.value);
            setError(undefined);
          }}
        />
      </div>
      <p>
        The copy gets a new UUID, MAC address and bridge name (the daemon picks the next free{' '}
        <code>virbrN</code>).
      </p>
      <p class="warn">
        Its subnets are the same as {props.from}'s: starting it while {props.from} runs fails with an address
        clash. Change the addresses in its XML tab before starting it.
      </p>
      {(error || cloneError) && (
        <p class="error" role="alert" data-testid="clone-error">
          {error ?? cloneError}
        </p>
      )}
      {cloneXml && (
        <details>
          <summary>The XML that will be defined</summary>
          <pre data-testid="clone-xml">{cloneXml}</pre>
        </details>
      )}
    </ConfirmDialog>
  );
}
