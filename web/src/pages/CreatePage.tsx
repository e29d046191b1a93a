// `/create`: a network from a CIDR, with the plan (dry run) shown before anything changes.
import { useState } from 'preact/hooks';
import type { ChangePlan } from '../../../src/api/types';
import { api, errorText } from '../api';
import { BridgePicker, UplinkPicker, withUplink } from '../components/CreatePickers';
import { PlanView } from '../components/PlanView';
import { PROBE_NAME, useLiveCheck } from '../create-live-check';
import { formatIp4, parseCidr4, parseIp4, parseIp6, suggest } from '../net';
import { navigate, networkHref } from '../router';
import { buildNetworkXml, type CreateSpec } from '../xml';
import '../style-forms.css';

type Mode = CreateSpec['mode'];

const MODES: Array<{ value: Mode; label: string }> = [
  { value: 'nat', label: 'NAT (guests reach out through the host)' },
  { value: 'route', label: 'Routed (no NAT)' },
  { value: 'open', label: 'Open (no firewall rules)' },
  { value: 'isolated', label: 'Isolated (guests and host only)' },
  { value: 'bridge', label: 'Bridge (an existing host bridge)' },
];

interface Form {
  name: string;
  cidr: string;
  gateway: string;
  dhcp: boolean;
  dhcpStart: string;
  dhcpEnd: string;
  mode: Mode;
  hostBridge: string;
  /** NAT and routed: the device guests leave through; '' follows the default route. */
  uplink: string;
  domain: string;
  mtu: string;
  stp: boolean;
  ipv6: string;
  start: boolean;
  autostart: boolean;
}

const INITIAL: Form = {
  name: '',
  cidr: '192.168.100.0/24',
  gateway: '192.168.100.1',
  dhcp: true,
  dhcpStart: '192.168.100.2',
  dhcpEnd: '192.168.100.254',
  mode: 'nat',
  hostBridge: 'br0',
  uplink: '',
  domain: '',
  mtu: '',
  stp: true,
  ipv6: '',
  start: true,
  autostart: false,
};

type Errors = Partial<Record<keyof Form, string>>;

export function validate(f: Form): { errors: Errors; spec?: CreateSpec } {
  const errors: Errors = {};
  const name = f.name.trim();
  if (!name) errors.name = 'Enter a name for the network.';
  else if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name) || name.length > 64)
    errors.name = 'Use letters, digits, ".", "_" and "-" (at most 64), starting with a letter or digit.';
  const spec: CreateSpec = { name, mode: f.mode };
  if (f.mode === 'bridge') {
    if (!/^[A-Za-z0-9_.:-]{1,15}$/.test(f.hostBridge.trim()))
      errors.hostBridge = 'Enter the name of an existing host bridge (at most 15 characters), e.g. br0.';
    spec.hostBridge = f.hostBridge.trim();
  } else {
    const c = parseCidr4(f.cidr);
    if (!c) errors.cidr = 'Enter an IPv4 subnet in CIDR form, e.g. 192.168.100.0/24.';
    else if (c.prefix < 8 || c.prefix > 30) errors.cidr = 'The prefix length must be between /8 and /30.';
    else if (c.address !== c.network)
      errors.cidr = `That is a host address; the subnet is ${formatIp4(c.network)}/${c.prefix}.`;
    const inside = (n: number) => c !== undefined && n > c.network && n < c.broadcast;
    const gw = parseIp4(f.gateway);
    if (gw === undefined) errors.gateway = 'Enter the gateway as an IPv4 address, e.g. 192.168.100.1.';
    else if (c && !errors.cidr) {
      if (gw === c.network) errors.gateway = 'The gateway cannot be the network address.';
      else if (gw === c.broadcast) errors.gateway = 'The gateway cannot be the broadcast address.';
      else if (!inside(gw)) errors.gateway = 'The gateway must be inside the subnet.';
    }
    if (c && !errors.cidr && gw !== undefined) {
      spec.gateway = f.gateway.trim();
      spec.prefix = c.prefix;
    }
    if (f.dhcp) {
      const s = parseIp4(f.dhcpStart);
      const e = parseIp4(f.dhcpEnd);
      if (s === undefined) errors.dhcpStart = 'Enter the first DHCP address as an IPv4 address.';
      else if (c && !errors.cidr && !inside(s))
        errors.dhcpStart = 'The DHCP range start is outside the subnet.';
      if (e === undefined) errors.dhcpEnd = 'Enter the last DHCP address as an IPv4 address.';
      else if (c && !errors.cidr && !inside(e)) errors.dhcpEnd = 'The DHCP range end is outside the subnet.';
      if (s !== undefined && e !== undefined && !errors.dhcpStart && !errors.dhcpEnd) {
        if (s > e) errors.dhcpEnd = 'The DHCP range start is after its end.';
        else if (gw !== undefined && gw >= s && gw <= e && !errors.gateway)
          errors.dhcpStart = 'The DHCP range must not contain the gateway.';
      }
      spec.dhcpStart = f.dhcpStart.trim();
      spec.dhcpEnd = f.dhcpEnd.trim();
    }
    if (f.domain.trim()) {
      if (!/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(f.domain.trim()))
        errors.domain = 'Enter a DNS domain like lab.example.';
      spec.domain = f.domain.trim();
    }
    spec.stp = f.stp;
    if (f.ipv6.trim()) {
      const m = /^([0-9A-Fa-f:]+)\/(\d{1,3})$/.exec(f.ipv6.trim());
      const addr = m ? parseIp6(m[1]!) : undefined;
      const prefix = m ? Number(m[2]) : 0;
      if (!m || addr === undefined || prefix < 8 || prefix > 128)
        errors.ipv6 = 'Enter an IPv6 prefix like fd00:100::/64.';
      else {
        // The gateway is the first host of the prefix.
        const shift = BigInt(128 - prefix);
        const net = (addr >> shift) << shift;
        spec.ipv6 = { address: formatIp6(net + 1n), prefix };
      }
    }
  }
  if (f.mtu.trim()) {
    const mtu = Number(f.mtu);
    if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535) errors.mtu = 'The MTU must be a number 68–65535.';
    else spec.mtu = mtu;
  }
  return Object.keys(errors).length ? { errors } : { errors, spec };
}

function formatIp6(v: bigint): string {
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((v >> BigInt(i * 16)) & 0xffffn).toString(16));
  // Compress the longest run of zero groups.
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

export function CreatePage() {
  const [f, setF] = useState<Form>(INITIAL);
  const [touched, setTouched] = useState(false);
  const [serverError, setServerError] = useState<string>();
  const [plan, setPlan] = useState<ChangePlan>();
  const [planXml, setPlanXml] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<string>();

  const set = <K extends keyof Form>(k: K, v: Form[K]) => setF((prev) => ({ ...prev, [k]: v }));

  const onCidr = (cidr: string) => {
    setF((prev) => {
      const next = { ...prev, cidr };
      const oldC = parseCidr4(prev.cidr);
      const oldS = oldC ? suggest(oldC) : undefined;
      const c = parseCidr4(cidr);
      const s = c ? suggest({ ...c, address: c.network }) : undefined;
      if (s) {
        // Follow the CIDR unless the user changed the derived value.
        if (!prev.gateway || prev.gateway === oldS?.gateway) next.gateway = s.gateway;
        if (!prev.dhcpStart || prev.dhcpStart === oldS?.start) next.dhcpStart = s.start;
        if (!prev.dhcpEnd || prev.dhcpEnd === oldS?.end) next.dhcpEnd = s.end;
      }
      return next;
    });
  };

  const { errors, spec } = validate(f);
  const probe = f.mode === 'bridge' ? undefined : validate({ ...f, name: PROBE_NAME }).spec;
  const live = useLiveCheck(f.name, probe ? withUplink(buildNetworkXml(probe), f.mode, f.uplink) : undefined);
  const shownErrors: Errors = touched ? { ...errors } : {};
  // the clash checks show as the user types, not only after a submit
  if (live.name) shownErrors.name = live.name;
  const xml = spec ? withUplink(buildNetworkXml(spec), f.mode, f.uplink) : undefined;

  const preview = async (): Promise<boolean> => {
    setTouched(true);
    setServerError(undefined);
    if (!xml) return false;
    try {
      const p = await api.planDefine(xml);
      setPlan(p);
      setPlanXml(xml);
      return true;
    } catch (e) {
      setPlan(undefined);
      setServerError(errorText(e));
      return false;
    }
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setStatus(undefined);
    try {
      if (live.name || !(await preview()) || !xml || !spec) return;
      if (f.start) {
        // one change: a start that fails leaves nothing defined
        setStatus('Creating and starting…');
        const info = await api.defineAndStart(xml, f.autostart);
        navigate(networkHref(info.name));
        return;
      }
      setStatus('Defining…');
      const info = await api.define(xml);
      if (f.autostart) await api.setAutostart(info.name, true);
      navigate(networkHref(info.name));
    } catch (err) {
      setServerError(
        f.start
          ? `The network was not created: ${errorText(err)}. Nothing was left defined; to keep it as an inactive definition, untick "Start it now" and create it again.`
          : errorText(err),
      );
      setStatus(undefined);
    } finally {
      setBusy(false);
    }
  };

  const field = (k: keyof Form, testid: string, label: string, extra: Record<string, unknown> = {}) => (
    <div class="field">
      <label for={`f-${k}`}>{label}</label>
      <input
        id={`f-${k}`}
        data-testid={testid}
        value={String(f[k])}
        aria-invalid={shownErrors[k] ? true : undefined}
        aria-describedby={
          [shownErrors[k] ? `e-${k}` : '', k === 'cidr' && live.subnet.length ? 'w-cidr' : '']
            .filter(Boolean)
            .join(' ') || undefined
        }
        onInput={(ev) =>
          k === 'cidr' ? onCidr(ev.currentTarget.value) : set(k, ev.currentTarget.value as never)
        }
        {...extra}
      />
      {shownErrors[k] && (
        <span class="field-error" id={`e-${k}`} data-testid={`${testid}-error`}>
          {shownErrors[k]}
        </span>
      )}
      {k === 'cidr' && live.subnet.length > 0 && (
        <span class="field-warn" id="w-cidr" data-testid="create-cidr-clash">
          {live.subnet.map((w) => (
            <span key={w} class="warn-line">
              {w}
            </span>
          ))}
          {f.start ? 'The start would be refused, and nothing would be left defined.' : ''}
        </span>
      )}
    </div>
  );

  const messages = [...Object.values(shownErrors)];
  return (
    <section aria-labelledby="create-title">
      <h1 id="create-title">Create a network</h1>
      <form class="create" onSubmit={submit} noValidate>
        {field('name', 'create-name', 'Name', { required: true, autocomplete: 'off', placeholder: 'lab' })}
        <div class="field">
          <label for="f-mode">Mode</label>
          <select
            id="f-mode"
            data-testid="create-mode"
            value={f.mode}
            onChange={(e) => set('mode', e.currentTarget.value as Mode)}
          >
            {MODES.map((m) => (
              <option key={m.value} value={m.value}>
                {m.label}
              </option>
            ))}
          </select>
        </div>
        {f.mode === 'bridge' ? (
          <BridgePicker
            value={f.hostBridge}
            error={shownErrors.hostBridge}
            onChange={(v) => set('hostBridge', v)}
          />
        ) : (
          <>
            {field('cidr', 'create-cidr', 'Subnet (CIDR)', {
              placeholder: '192.168.100.0/24',
              spellcheck: false,
            })}
            {(f.mode === 'nat' || f.mode === 'route') && (
              <UplinkPicker
                mode={f.mode}
                cidr={f.cidr.trim()}
                value={f.uplink}
                onChange={(v) => set('uplink', v)}
              />
            )}
            {field('gateway', 'create-gateway', 'Gateway (host address)', { spellcheck: false })}
            <div class="field check">
              <label>
                <input
                  type="checkbox"
                  checked={f.dhcp}
                  data-testid="create-dhcp"
                  onChange={(e) => set('dhcp', e.currentTarget.checked)}
                />{' '}
                DHCP
              </label>
            </div>
            {f.dhcp && (
              <div class="row2">
                {field('dhcpStart', 'create-dhcp-start', 'DHCP range start', { spellcheck: false })}
                {field('dhcpEnd', 'create-dhcp-end', 'DHCP range end', { spellcheck: false })}
              </div>
            )}
            {field('domain', 'create-domain', 'DNS domain (optional)', { placeholder: 'lab.example' })}
          </>
        )}
        <details class="advanced">
          <summary>Advanced</summary>
          {field('mtu', 'create-mtu', 'MTU', { inputMode: 'numeric', placeholder: '1500' })}
          {f.mode !== 'bridge' && (
            <>
              <div class="field check">
                <label>
                  <input
                    type="checkbox"
                    checked={f.stp}
                    data-testid="create-stp"
                    onChange={(e) => set('stp', e.currentTarget.checked)}
                  />{' '}
                  STP on the bridge
                </label>
              </div>
              {field('ipv6', 'create-ipv6', 'IPv6 prefix (optional)', { placeholder: 'fd00:100::/64' })}
            </>
          )}
        </details>
        <div class="field check">
          <label>
            <input
              type="checkbox"
              checked={f.start}
              data-testid="create-start"
              onChange={(e) => set('start', e.currentTarget.checked)}
            />{' '}
            Start it now
          </label>
          <label>
            <input
              type="checkbox"
              checked={f.autostart}
              data-testid="create-autostart"
              onChange={(e) => set('autostart', e.currentTarget.checked)}
            />{' '}
            Start with the host (autostart)
          </label>
        </div>
        <div class="error-area" data-testid="create-error" role="alert" aria-live="assertive">
          {messages.length > 0 && (
            <ul>
              {messages.map((m) => (
                <li key={m}>{m}</li>
              ))}
            </ul>
          )}
          {serverError && (
            <p class="error" data-testid="create-server-error">
              {serverError}
            </p>
          )}
          {live.other.length > 0 && (
            <ul class="field-warn" data-testid="create-warnings">
              {live.other.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          )}
        </div>
        <div class="actions">
          <button type="button" data-testid="create-preview" disabled={busy} onClick={() => void preview()}>
            Show the plan
          </button>
          <button type="submit" class="primary" data-testid="create-submit" disabled={busy}>
            {busy ? (status ?? 'Working…') : 'Create'}
          </button>
        </div>
      </form>
      {xml && (
        <details class="xml-preview">
          <summary>Network XML</summary>
          <pre data-testid="create-xml">{xml}</pre>
        </details>
      )}
      {plan && planXml === xml && <PlanView plan={plan} />}
      {plan && planXml !== xml && <p class="muted">The form changed since the plan was made.</p>}
    </section>
  );
}
