// The create form's device pickers: the host bridge of a bridge-mode network, and the uplink of a NAT or routed
// one (with its link state, and the route back a routed network needs on the LAN). The full listener lists every
// host device; the read-only socket only virtnet's own (the API filters), so the pickers then offer less.
import { useEffect, useState } from 'preact/hooks';
import { api, errorText, type HostDevice } from '../api';
import '../style-forms.css';

/** Host bridges a bridge-mode network may use: not the bridge of a NAT, routed, open or isolated virtnet network. */
async function usableBridges(): Promise<HostDevice[]> {
  const [devices, nets] = await Promise.all([api.hostDevices(), api.list()]);
  const own = new Map(nets.map((n) => [n.name, n.mode]));
  const ownBridges = new Set(
    nets.filter((n) => n.mode !== 'bridge' && n.bridge).map((n) => n.bridge as string),
  );
  return devices
    .filter((d) => d.kind === 'bridge')
    .filter((d) => !ownBridges.has(d.name))
    .filter((d) => !d.virtnet || own.get(d.virtnet) === 'bridge')
    .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
}

export function BridgePicker(props: {
  value: string;
  error?: string | undefined;
  onChange: (v: string) => void;
}) {
  const [bridges, setBridges] = useState<HostDevice[]>();
  const [loadError, setLoadError] = useState<string>();
  useEffect(() => {
    let alive = true;
    usableBridges().then(
      (b) => {
        if (!alive) return;
        setBridges(b);
        if (b.length > 0 && !b.some((d) => d.name === props.value)) props.onChange(b[0]!.name);
      },
      (e) => alive && setLoadError(errorText(e)),
    );
    return () => {
      alive = false;
    };
  }, []);
  const described = [props.error ? 'e-hostBridge' : '', 'bridge-note'].filter(Boolean).join(' ');
  return (
    <div class="field">
      <label for="f-hostBridge">Host bridge</label>
      {bridges && bridges.length > 0 ? (
        <select
          id="f-hostBridge"
          data-testid="create-host-bridge"
          value={props.value}
          aria-invalid={props.error ? true : undefined}
          aria-describedby={described}
          onChange={(e) => props.onChange(e.currentTarget.value)}
        >
          {bridges.map((b) => (
            <option key={b.name} value={b.name}>
              {b.name} — {b.up ? 'up' : 'down'}
              {b.addresses.length ? `, ${b.addresses.join(', ')}` : ', no address'}
              {b.virtnet ? ` (used by ${b.virtnet})` : ''}
            </option>
          ))}
        </select>
      ) : (
        <input
          id="f-hostBridge"
          data-testid="create-host-bridge"
          value={props.value}
          spellcheck={false}
          aria-invalid={props.error ? true : undefined}
          aria-describedby={described}
          onInput={(e) => props.onChange(e.currentTarget.value)}
        />
      )}
      <span class="muted devices-note" id="bridge-note">
        {loadError
          ? `The host's devices could not be listed (${loadError}); type the bridge's name.`
          : bridges === undefined
            ? 'Looking for host bridges…'
            : bridges.length === 0
              ? 'No usable host bridge was found (bridges of NAT and routed networks are not offered); type its name.'
              : 'Bridges of NAT and routed virtnet networks are not offered.'}
      </span>
      {props.error && (
        <span class="field-error" id="e-hostBridge">
          {props.error}
        </span>
      )}
    </div>
  );
}

/** Devices NAT and routed traffic may leave through: not loopback, taps, bridge ports or virtnet's own bridges. */
async function uplinkCandidates(): Promise<HostDevice[]> {
  const [devices, nets] = await Promise.all([api.hostDevices(), api.list()]);
  const ownBridges = new Set(
    nets.filter((n) => n.mode !== 'bridge' && n.bridge).map((n) => n.bridge as string),
  );
  return devices
    .filter((d) => d.kind !== 'loopback' && d.kind !== 'tap' && !d.master && !ownBridges.has(d.name))
    .sort(
      (a, b) =>
        Number(!!b.defaultRoute) - Number(!!a.defaultRoute) ||
        Number(b.up) - Number(a.up) ||
        a.name.localeCompare(b.name, undefined, { numeric: true }),
    );
}

const ipv4Of = (d: HostDevice | undefined) =>
  d?.addresses.find((a) => /^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(a))?.split('/')[0];

/** The uplink as `dev=` on the <forward> element (libvirt's way of pinning NAT and routed traffic to a device). */
export function withUplink(xml: string, mode: string, dev: string): string {
  if (!dev || (mode !== 'nat' && mode !== 'route')) return xml;
  const safe = dev.replace(/[^A-Za-z0-9_.:@-]/g, '');
  return xml.replace(`<forward mode='${mode}'/>`, `<forward mode='${mode}' dev='${safe}'/>`);
}

export function UplinkPicker(props: {
  mode: 'nat' | 'route';
  cidr: string;
  value: string;
  onChange: (v: string) => void;
}) {
  const [devices, setDevices] = useState<HostDevice[]>();
  const [loadError, setLoadError] = useState<string>();
  useEffect(() => {
    let alive = true;
    uplinkCandidates().then(
      (d) => alive && setDevices(d),
      (e) => alive && setLoadError(errorText(e)),
    );
    return () => {
      alive = false;
    };
  }, []);
  const chosen = devices?.find((d) => d.name === props.value);
  const byDefault = devices?.find((d) => d.defaultRoute);
  const via = ipv4Of(chosen ?? byDefault);
  const label = (d: HostDevice) =>
    `${d.name} — ${d.up ? 'up' : 'down'}${d.addresses.length ? `, ${d.addresses.join(', ')}` : ', no address'}${d.defaultRoute ? ' (default route)' : ''}`;
  return (
    <div class="field">
      <label for="f-uplink">Uplink</label>
      <select
        id="f-uplink"
        data-testid="create-uplink"
        value={props.value}
        aria-describedby="uplink-note"
        onChange={(e) => props.onChange(e.currentTarget.value)}
      >
        <option value="">Any: follow the default route{byDefault ? ` (now ${byDefault.name})` : ''}</option>
        {(devices ?? []).map((d) => (
          <option key={d.name} value={d.name}>
            {label(d)}
          </option>
        ))}
      </select>
      <span class="muted devices-note" id="uplink-note" data-testid="create-uplink-note">
        {loadError
          ? `The host's devices could not be listed (${loadError}).`
          : devices === undefined
            ? 'Looking for host devices…'
            : props.mode === 'nat'
              ? 'Guests reach out through this device, their addresses hidden behind the host.'
              : 'Guests are routed out through this device with their own addresses.'}
      </span>
      {chosen && !chosen.up && (
        <span class="field-warn" data-testid="create-uplink-down">
          {chosen.name} is down: guests have no way out until its link is up.
        </span>
      )}
      {props.mode === 'route' && (
        <p class="field-warn" data-testid="create-route-hint">
          Routed mode needs a route back: the LAN's router (or each host that talks to the guests) must send{' '}
          <code>{props.cidr || 'the subnet'}</code> to this host
          {via ? (
            <>
              {' '}
              at <code>{via}</code>, e.g.{' '}
              <code>
                ip route add {props.cidr || 'SUBNET'} via {via}
              </code>
            </>
          ) : null}
          . Without it, replies to guests never arrive.
        </p>
      )}
    </div>
  );
}
