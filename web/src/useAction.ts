// One change at a time from a tab's forms: busy while it runs, then the success text or the daemon's error.

import { useState } from 'preact/hooks';
import { errorText } from './api';

export function useAction(onChanged: () => Promise<void> | void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [ok, setOk] = useState<string>();
  const run = async (what: string, fn: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(undefined);
    setOk(undefined);
    try {
      await fn();
      await onChanged();
      setOk(what);
      return true;
    } catch (e) {
      setError(errorText(e));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, ok, setError, setOk, run };
}
