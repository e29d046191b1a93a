// Port forwards: the list with guest names and live hit counters, and a form with port ranges, a listen address
// and a guest picker whose rules are previewed (the daemon's dry run, warnings included) before Add.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ChangePlan, ForwardInfo } from '../../../src/api/types';
import { api, errorText } from '../api';
import { choiceLabel, type GuestChoice, guestChoices, guestNameOf, loadGuestData } from '../guest-choices';
import { useAction } from '../useAction';
import { PlanView } from './PlanView';
import '../style-forms.css';

/** How often the hit counters are read while the tab is shown. */
const POLL_MS = 3000;

interface Form {
  proto: string;
  listenAddress: string;
  ports: string;
  /** The guest's address or DHCP host name (the picker fills it). */
  target: string;
  targetPort: string;
  description: string;
}

const EMPTY: Form = {
  proto: 'tcp',
  listenAddress: '',
  ports: '',
  target: '',
  targetPort: '',
  description: '',
};

/** The API's input for the form, or what is wrong with it (the daemon checks the rest, in its words). */
export function forwardInput(f: Form): { input?: Record<string, unknown>; problem?: string } {
  const m = /^\s*(\d{1,5})(?:\s*-\s*(\d{1,5}))?\s*$/.exec(f.ports);
  if (!f.ports.trim()) return {};
  if (!m) return { problem: 'Enter the host port as a number, or a range like 8000-8010.' };
  const first = Number(m[1]);
  const last = m[2] ? Number(m[2]) : undefined;
  if (first < 1 || first > 65535 || (last !== undefined && (last < 1 || last > 65535)))
    return { problem: 'Ports are numbers 1–65535.' };
  if (last !== undefined && last < first) return { problem: 'The range ends before it starts.' };
  const target = f.target.trim();
  if (!target) return { problem: 'Pick a guest, or enter its address (or a DHCP host name).' };
  const input: Record<string, unknown> = { proto: f.proto, listenPort: first, targetAddress: target };
  if (last !== undefined && last !== first) input.listenPortEnd = last;
  if (f.listenAddress.trim()) input.listenAddress = f.listenAddress.trim();
  if (f.targetPort.trim()) {
    const tp = Number(f.targetPort);
    if (!Number.isInteger(tp) || tp < 1 || tp > 65535)
      return { problem: 'The guest port is a number 1–65535.' };
    input.targetPort = tp;
  }
  if (f.description.trim()) input.description = f.description.trim();
  return { input };
}

const fkey = (f: ForwardInfo) => `${f.proto}-${f.listenAddress ?? 'any'}-${f.listenPort}`;
const range = (first: number, last: number | undefined) => (last ? `${first}-${last}` : `${first}`);

/** A guest list that fills the address field; the field takes any address or DHCP host name too. */
function GuestPicker(props: { form: Form; guests: GuestChoice[]; set: (k: keyof Form, v: string) => void }) {
  const { form, guests, set } = props;
  const picked = guests.find((g) => g.ip === form.target.trim())?.ip ?? '';
  return (
    <>
      {guests.length > 0 && (
        <label>
          Guest
          <select
            value={picked}
            onChange={(e) => set('target', e.currentTarget.value)}
            data-testid="forward-guest"
          >
            <option value="">Another address…</option>
            {guests.map((g) => (
              <option key={g.ip} value={g.ip}>
                {choiceLabel(g)}
              </option>
            ))}
          </select>
        </label>
      )}
      <label>
        Guest address
        <input
          value={form.target}
          placeholder="192.168.100.10 or hostname"
          spellcheck={false}
          onInput={(e) => set('target', e.currentTarget.value)}
          data-testid="forward-target"
        />
      </label>
    </>
  );
}

export function ForwardsTab({ name, version }: { name: string; version: number }) {
  const [list, setList] = useState<ForwardInfo[]>();
  const [plan, setPlan] = useState<ChangePlan>();
  const [guests, setGuests] = useState<GuestChoice[]>([]);
  const [form, setForm] = useState<Form>(EMPTY);
  const [preview, setPreview] = useState<{ key: string; plan?: ChangePlan; error?: string }>();
  const seq = useRef(0);

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
    loadGuestData(name).then(
      (g) => setGuests(guestChoices(g)),
      () => undefined,
    );
  }, [name, version]);
  // the hit counters, live: a quiet poll while the page is shown
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') api.forwards(name).then(setList, () => undefined);
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [name]);

  const { input, problem } = forwardInput(form);
  const inputKey = input ? JSON.stringify(input) : '';
  // the rules it would add, before Add: the daemon's dry run, debounced while typing
  useEffect(() => {
    if (!input) return;
    const mine = ++seq.current;
    const timer = setTimeout(() => {
      api.planForward(name, input).then(
        (r) => mine === seq.current && setPreview({ key: inputKey, plan: r.plan }),
        (e) => mine === seq.current && setPreview({ key: inputKey, error: errorText(e) }),
      );
    }, 300);
    return () => clearTimeout(timer);
  }, [inputKey, name, version]);
  const shownPreview = preview && preview.key === inputKey ? preview : undefined;

  const add = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    if (!input) {
      setError(problem ?? 'Enter the host port.');
      return;
    }
    await run('Forward added.', async () => {
      const r = await api.addForward(name, input);
      setPlan(r.plan);
      setPreview(undefined);
      setForm({ ...form, ports: '', targetPort: '', description: '' });
    });
  };

  const del = (f: ForwardInfo) =>
    run('Forward deleted.', async () => {
      setPlan((await api.deleteForward(name, f)).plan);
    });

  const set = (k: keyof Form, v: string) => setForm((prev) => ({ ...prev, [k]: v }));
  const onInput = (k: keyof Form) => (e: Event) => set(k, (e.currentTarget as HTMLInputElement).value);

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
          <table class="phone-cards" data-testid="forward-table">
            <thead>
              <tr>
                <th scope="col">Protocol</th>
                <th scope="col">Listen</th>
                <th scope="col">Guest</th>
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
              {list.map((f) => {
                const span = f.listenPortEnd ? f.listenPortEnd - f.listenPort : 0;
                return (
                  <tr key={fkey(f)} data-testid={`forward-row-${fkey(f)}`}>
                    <td data-label="Protocol">{f.proto}</td>
                    <td data-label="Listen">
                      <code>
                        {f.listenAddress ?? '*'}:{range(f.listenPort, f.listenPortEnd)}
                      </code>
                    </td>
                    <td data-label="Guest" data-testid={`forward-guest-${fkey(f)}`}>
                      {guestNameOf(guests, f.targetAddress) ?? <span class="muted">unknown</span>}
                    </td>
                    <td data-label="Target">
                      <code>
                        {f.targetAddress}:{range(f.targetPort, span ? f.targetPort + span : undefined)}
                      </code>
                    </td>
                    <td data-label="Description">{f.description ?? ''}</td>
                    <td data-label="Where">
                      {[f.live && 'live', f.config && 'config'].filter(Boolean).join(', ')}
                    </td>
                    <td data-label="Hits" data-testid={`forward-hits-${fkey(f)}`}>
                      {f.hits ?? '—'}
                    </td>
                    <td data-label="">
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
                );
              })}
            </tbody>
          </table>
          <p class="muted small">Hits: new connections forwarded, read every {POLL_MS / 1000} s.</p>
        </div>
      )}
      <form class="inline-form" onSubmit={add} aria-label="Add a port forward">
        <h3>Add a port forward</h3>
        <label>
          Protocol
          <select value={form.proto} onChange={onInput('proto')} data-testid="forward-proto">
            <option value="tcp">tcp</option>
            <option value="udp">udp</option>
            <option value="both">both</option>
          </select>
        </label>
        <label>
          Listen address
          <input
            value={form.listenAddress}
            placeholder="any"
            spellcheck={false}
            onInput={onInput('listenAddress')}
            data-testid="forward-listen-address"
          />
        </label>
        <label>
          Host port or range
          <input
            value={form.ports}
            placeholder="8080 or 8000-8010"
            onInput={onInput('ports')}
            data-testid="forward-listen-port"
          />
        </label>
        <GuestPicker form={form} guests={guests} set={set} />
        <label>
          Guest port
          <input
            inputMode="numeric"
            value={form.targetPort}
            placeholder="same"
            onInput={onInput('targetPort')}
            data-testid="forward-target-port"
          />
        </label>
        <label>
          Description
          <input
            value={form.description}
            onInput={onInput('description')}
            data-testid="forward-description"
          />
        </label>
        <button type="submit" class="primary" disabled={busy} data-testid="forward-add">
          Add
        </button>
      </form>
      {problem && form.ports.trim() && (
        <p class="field-warn" data-testid="forward-problem">
          {problem}
        </p>
      )}
      {shownPreview?.error && (
        <p class="error" data-testid="forward-preview-error">
          {shownPreview.error}
        </p>
      )}
      {shownPreview?.plan && (
        <div data-testid="forward-preview">
          <PlanView plan={shownPreview.plan} title="Preview: what Add would do (nothing changed yet)" />
        </div>
      )}
      {plan && !shownPreview && <PlanView plan={plan} title="Last change" />}
    </div>
  );
}
