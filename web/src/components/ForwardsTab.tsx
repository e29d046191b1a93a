// Port forwards: list, add, delete.
import { useEffect, useState } from 'preact/hooks';
import type { ChangePlan, ForwardInfo } from '../../../src/api/types';
import { api, errorText } from '../api';
import { useAction } from '../useAction';
import { PlanView } from './PlanView';

export function ForwardsTab({ name, version }: { name: string; version: number }) {
  const [list, setList] = useState<ForwardInfo[]>();
  const [plan, setPlan] = useState<ChangePlan>();
  const [form, setForm] = useState({
    proto: 'tcp',
    listenPort: '',
    targetAddress: '',
    targetPort: '',
    description: '',
  });

  const load = async () => {
    try {
      setList(await api.forwards(name));
    } catch (e) {
      setError(errorText(e));
    }
  };
  const { busy, error, setError, run } = useAction(load);
  useEffect(() => {
    void load();
  }, [name, version]);

  const add = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    const listenPort = Number(form.listenPort);
    if (!Number.isInteger(listenPort) || listenPort < 1 || listenPort > 65535) {
      setError('The listen port must be a number 1–65535.');
      return;
    }
    if (!form.targetAddress.trim()) {
      setError('Enter the guest address (or a DHCP host name).');
      return;
    }
    const input: Record<string, unknown> = {
      proto: form.proto,
      listenPort,
      targetAddress: form.targetAddress.trim(),
    };
    if (form.targetPort.trim()) input.targetPort = Number(form.targetPort);
    if (form.description.trim()) input.description = form.description.trim();
    await run('Forward added.', async () => {
      const r = await api.addForward(name, input);
      setPlan(r.plan);
      setForm({ ...form, listenPort: '', targetPort: '', description: '' });
    });
  };

  const del = (f: ForwardInfo) =>
    run('Forward deleted.', async () => {
      setPlan((await api.deleteForward(name, f)).plan);
    });

  const set = (k: keyof typeof form) => (e: Event) =>
    setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement).value });
  const fkey = (f: ForwardInfo) => `${f.proto}-${f.listenAddress ?? 'any'}-${f.listenPort}`;

  return (
    <div data-testid="forwards">
      {error && (
        <p class="error" role="alert" data-testid="forward-error">
          {error}
        </p>
      )}
      {list && list.length === 0 && <p class="muted">No port forwards.</p>}
      {list && list.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Protocol</th>
                <th scope="col">Listen</th>
                <th scope="col">Target</th>
                <th scope="col">Description</th>
                <th scope="col">Where</th>
                <th scope="col">Hits</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((f) => (
                <tr key={fkey(f)} data-testid={`forward-row-${fkey(f)}`}>
                  <td data-label="Protocol">{f.proto}</td>
                  <td data-label="Listen">
                    <code>
                      {f.listenAddress ?? '*'}:{f.listenPort}
                      {f.listenPortEnd ? `-${f.listenPortEnd}` : ''}
                    </code>
                  </td>
                  <td data-label="Target">
                    <code>
                      {f.targetAddress}:{f.targetPort}
                    </code>
                  </td>
                  <td data-label="Description">{f.description ?? ''}</td>
                  <td data-label="Where">
                    {[f.live && 'live', f.config && 'config'].filter(Boolean).join(', ')}
                  </td>
                  <td data-label="Hits">{f.hits ?? '—'}</td>
                  <td>
                    <button
                      type="button"
                      class="danger"
                      disabled={busy}
                      aria-label={`Delete forward ${f.proto} ${f.listenPort}`}
                      data-testid={`forward-delete-${fkey(f)}`}
                      onClick={() => void del(f)}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form class="inline-form" onSubmit={add} aria-label="Add a port forward">
        <h3>Add a port forward</h3>
        <label>
          Protocol
          <select value={form.proto} onChange={set('proto')} data-testid="forward-proto">
            <option value="tcp">tcp</option>
            <option value="udp">udp</option>
            <option value="both">both</option>
          </select>
        </label>
        <label>
          Host port
          <input
            inputMode="numeric"
            value={form.listenPort}
            onInput={set('listenPort')}
            data-testid="forward-listen-port"
          />
        </label>
        <label>
          Guest address
          <input
            value={form.targetAddress}
            placeholder="192.168.100.10 or hostname"
            onInput={set('targetAddress')}
            data-testid="forward-target"
          />
        </label>
        <label>
          Guest port
          <input
            inputMode="numeric"
            value={form.targetPort}
            placeholder="same"
            onInput={set('targetPort')}
            data-testid="forward-target-port"
          />
        </label>
        <label>
          Description
          <input value={form.description} onInput={set('description')} data-testid="forward-description" />
        </label>
        <button type="submit" class="primary" disabled={busy} data-testid="forward-add">
          Add
        </button>
      </form>
      {plan && <PlanView plan={plan} title="Last change" />}
    </div>
  );
}
