// "Which networking mode does this guest use?" — the reasoning, from facts gathered elsewhere (the daemon's view of
// a running network, or a libvirt XML file), to a mode plus the evidence and any contradiction. Pure.

import { formatSubnet } from './addr.js';
import { VirtError } from './errors.js';
import { networkMode } from './network-def.js';
import { ipSubnet } from './network-ip.js';
import { parseNetworkXml } from './network-parse.js';
import { attr, childElements, firstChild, parseXmlDocument, textContent } from './xml-dom.js';

export type NetMode =
  | 'nat'
  | 'route'
  | 'open'
  | 'isolated'
  | 'bridge'
  | 'direct'
  | 'user'
  | 'ethernet'
  | 'hostdev'
  | 'mixed'
  | 'unknown';

export const MODE_LABEL: Record<NetMode, string> = {
  nat: 'NAT',
  route: 'routed',
  open: 'open',
  isolated: 'isolated',
  bridge: 'bridged',
  direct: 'direct (macvtap)',
  user: 'user-mode (SLIRP)',
  ethernet: 'unmanaged tap (ethernet)',
  hostdev: 'PCI passthrough',
  mixed: 'mixed',
  unknown: 'unknown',
};

export interface NetmodeReport {
  subject: { kind: 'network' | 'guest' | 'device' | 'file'; name: string };
  mode: NetMode;
  /** "NAT on default (virbr0)" */
  summary: string;
  evidence: string[];
  /** Where the host contradicts the definition; non-empty means the answer is in doubt. */
  problems: string[];
  interfaces?: NetmodeReport[];
}

/** What the daemon knows about one running (or defined) network. */
export interface NetworkFacts {
  name: string;
  mode: string;
  /** Undefined: not known (a file read without the daemon). */
  active?: boolean;
  /** The host was looked at (check() ran): only then does the evidence say what runs. */
  checked?: boolean;
  bridge?: string;
  forwardDev?: string;
  subnets: string[];
  /** Devices enslaved to the bridge now. */
  members?: string[];
  /** The host has no device of the bridge's name (active networks): nothing is claimed to be on it. */
  bridgeMissing?: boolean;
  /** check() of the running network: rules, addresses, dnsmasq. */
  drift?: string[];
  /** The definition needs a dnsmasq (DHCP or DNS). */
  dnsmasq?: boolean;
  /** Why the network's dnsmasq cannot be kept running, while that is so. */
  degraded?: string;
  firewallRules?: boolean;
  leases?: number;
  forwards?: number;
  /** A direct (macvtap) network: its mode, and its pool devices with their connections and state. */
  direct?: { mode: string; pool: Array<{ dev: string; connections: number; exists: boolean; up?: boolean }> };
}

const l3 = ['nat', 'route', 'open', 'isolated'];

function asMode(m: string): NetMode {
  return (['nat', 'route', 'open', 'isolated', 'bridge'] as string[]).includes(m)
    ? (m as NetMode)
    : 'unknown';
}

/** "direct (macvtap) mode bridge on eth1, eth2" */
export function directSummary(d: NonNullable<NetworkFacts['direct']>): string {
  return `${MODE_LABEL.direct} mode ${d.mode} on ${d.pool.map((p) => p.dev).join(', ') || '(no device)'}`;
}

function explainDirect(f: NetworkFacts, d: NonNullable<NetworkFacts['direct']>): NetmodeReport {
  const evidence = [
    `the definition says <forward mode='${d.mode}'> with ${d.pool.length ? `the pool ${d.pool.map((p) => p.dev).join(', ')}` : 'no pool device'} and no <bridge>`,
  ];
  const problems: string[] = [];
  if (!f.active) problems.push(`network '${f.name}' is not active: no new guest can join it`);
  else {
    evidence.push(
      "guests get macvtap (VMs) or macvlan (containers) devices on the pool's host interfaces; virtnet runs no bridge, DHCP/DNS or rules: the LAN serves the guests",
    );
    for (const p of d.pool) {
      if (!p.exists) problems.push(`pool device ${p.dev} does not exist`);
      else {
        if (p.up === false) problems.push(`pool device ${p.dev} is down`);
        evidence.push(`pool device ${p.dev}${p.up ? ' is up' : ''} with ${p.connections} connection(s)`);
      }
    }
    if (d.mode === 'private') evidence.push('private: guests on the same device cannot reach each other');
    if (d.mode === 'bridge') evidence.push('bridge: guests on the same device reach each other directly');
    if (d.mode === 'passthrough') evidence.push('passthrough: each guest has a pool device to itself');
    evidence.push('the host itself cannot reach its guests through their pool device (macvtap)');
    for (const x of f.drift ?? []) if (!problems.includes(x)) problems.push(x);
  }
  return {
    subject: { kind: 'network', name: f.name },
    mode: 'direct',
    summary: `${directSummary(d)} for network ${f.name}`,
    evidence,
    problems,
  };
}

const NOT_CHECKED = '(from the definition; host state not checked)';

/**
 * The evidence says only what was seen: a claim about the host (the bridge's ports, the nft chain, dnsmasq
 * serving) is made when the host was checked and nothing found contradicts it; otherwise the definition's
 * intent is given as such, and a contradiction is a problem, never evidence next to its opposite.
 */
export function explainNetwork(f: NetworkFacts): NetmodeReport {
  if (f.direct) return explainDirect(f, f.direct);
  const mode = asMode(f.mode);
  const evidence: string[] = [];
  const problems: string[] = [];
  const drift = f.drift ?? [];
  const drifted = (re: RegExp) => drift.some((d) => re.test(d));
  const checked = f.checked === true && f.active === true;
  evidence.push(
    mode === 'isolated'
      ? 'the definition has no <forward> element: isolated'
      : `the definition says <forward mode='${f.mode}'${f.forwardDev ? ` dev='${f.forwardDev}'` : ''}/>`,
  );
  if (f.subnets.length) evidence.push(`subnets: ${f.subnets.join(', ')}`);
  if (f.active === false) {
    problems.push(`network '${f.name}' is not active: guests on it have no connectivity`);
  } else if (f.bridge && f.bridgeMissing) {
    // what would run on the bridge cannot be shown as present; check's drift (below) names what is gone
    for (const d of f.drift ?? []) problems.push(d);
  } else if (f.bridge) {
    const bridgeGone = drifted(new RegExp(`bridge ${f.bridge} is missing|bridge ${f.bridge} does not exist`));
    if (!checked) evidence.push(`bridge ${f.bridge} ${NOT_CHECKED}`);
    else if (!bridgeGone)
      evidence.push(
        `bridge ${f.bridge}${f.members ? ` with ${f.members.length ? `ports ${f.members.join(', ')}` : 'no ports'}` : ''}`,
      );
    if (l3.includes(mode)) {
      const what =
        mode === 'nat'
          ? 'masquerading out, established connections in'
          : mode === 'route'
            ? 'forwarding both ways without NAT'
            : 'nothing forwarded';
      if (mode === 'open') evidence.push('no virtnet firewall rules, as the open mode says');
      else if (f.firewallRules !== false) {
        if (!checked) evidence.push(`nft rules for ${f.bridge} (${what}) ${NOT_CHECKED}`);
        else if (!drifted(/^nft /)) evidence.push(`nft chain br_${f.bridge} present (${what})`);
      }
      if (f.forwards) evidence.push(`${f.forwards} port forward(s) into the network`);
      if (f.dnsmasq === false) evidence.push('no dnsmasq: the definition has no DHCP or DNS');
      else if (f.dnsmasq === true) {
        if (!checked) evidence.push(`dnsmasq for DHCP/DNS ${NOT_CHECKED}`);
        else if (f.degraded) problems.push(`dnsmasq cannot be kept running (${f.degraded}): no DHCP/DNS`);
        else if (!drifted(/dnsmasq/)) evidence.push('dnsmasq serves DHCP/DNS on it');
      }
      if (checked && f.leases !== undefined) evidence.push(`${f.leases} active DHCP lease(s)`);
    } else if (mode === 'bridge') {
      evidence.push('guests join the host bridge directly; virtnet runs no DHCP/DNS and adds no rules');
    }
    for (const d of drift) if (!problems.includes(d)) problems.push(d);
  }
  const where = f.bridge ? ` (${f.bridge})` : '';
  return {
    subject: { kind: 'network', name: f.name },
    mode,
    summary: `${MODE_LABEL[mode]} on network ${f.name}${where}`,
    evidence,
    problems,
  };
}

/** One guest interface (port) on a network whose report is known. */
export interface PortFacts {
  device?: string;
  mac: string;
  /** The bridge the device is really enslaved to now (undefined: no device, or not on any bridge). */
  master?: string;
  deviceExists?: boolean;
  addresses: string[];
  network: NetmodeReport;
  bridge?: string;
  /** A direct port: its device kind, the pool device and mode it should have, the pool device seen. */
  direct?: { kind: string; link: string; mode: string; lower?: string };
}

export function explainPort(p: PortFacts): NetmodeReport {
  const evidence = [`MAC ${p.mac} has a port on network ${p.network.subject.name}`, ...p.network.evidence];
  const problems = [...p.network.problems];
  const d = p.direct;
  if (d) {
    const what = d.kind === 'macvlan' ? 'container macvlan' : `device ${p.device}`;
    if (d.kind === 'macvtap' && p.deviceExists === false) problems.push(`device ${p.device} does not exist`);
    else if (d.kind === 'macvtap' && d.lower !== d.link)
      problems.push(`device ${p.device} sits on ${d.lower ?? 'no device'}, expected ${d.link}`);
    else evidence.push(`${what} is a ${d.kind} on ${d.link} (mode ${d.mode})`);
    return {
      subject: { kind: 'device', name: p.device ?? p.mac },
      mode: 'direct',
      summary: `${MODE_LABEL.direct} mode ${d.mode} on ${d.link} via ${p.device ?? p.mac} on network ${p.network.subject.name}`,
      evidence,
      problems,
    };
  }
  if (p.device) {
    if (p.deviceExists === false) problems.push(`device ${p.device} does not exist`);
    else if (p.bridge && p.master !== p.bridge) {
      problems.push(
        `device ${p.device} is on ${p.master ? `bridge ${p.master}` : 'no bridge'}, expected ${p.bridge}`,
      );
    } else evidence.push(`device ${p.device} is a port of bridge ${p.bridge}`);
  }
  if (p.addresses.length) evidence.push(`leased address ${p.addresses.join(', ')}`);
  else if (p.network.mode !== 'bridge') evidence.push('no DHCP lease yet');
  return {
    subject: { kind: 'device', name: p.device ?? p.mac },
    mode: p.network.mode,
    summary: `${MODE_LABEL[p.network.mode]} via ${p.device ?? p.mac} on network ${p.network.subject.name}`,
    evidence,
    problems,
  };
}

export function explainGuest(name: string, interfaces: NetmodeReport[]): NetmodeReport {
  const modes = [...new Set(interfaces.map((i) => i.mode))];
  const mode: NetMode = modes.length === 1 ? (modes[0] as NetMode) : modes.length ? 'mixed' : 'unknown';
  return {
    subject: { kind: 'guest', name },
    mode,
    summary:
      interfaces.length === 1
        ? (interfaces[0] as NetmodeReport).summary.replace(/^/, `${name}: `)
        : `${name}: ${interfaces.map((i) => i.summary).join('; ') || 'no interfaces'}`,
    evidence: interfaces.flatMap((i) => i.evidence.map((e) => `${i.subject.name}: ${e}`)),
    problems: interfaces.flatMap((i) => i.problems.map((e) => `${i.subject.name}: ${e}`)),
    interfaces,
  };
}

/** A network virtnet has defined, as the daemon lists it (NetworkInfo's fields that matter here). */
export interface KnownNetwork {
  name: string;
  mode: string;
  active: boolean;
  bridge?: string;
}

/** What a domain file is checked against: virtnet's networks (undefined: the daemon did not answer). */
export interface XmlContext {
  networks?: KnownNetwork[];
  /** Why the networks are not known (shown in the evidence). */
  networksUnknown?: string;
}

function networkInterface(net: string | undefined, ctx: XmlContext): Omit<NetmodeReport, 'subject'> {
  const evidence = [`source network='${net}'`];
  if (!ctx.networks) {
    evidence.push(
      `virtnet's networks not looked up (${ctx.networksUnknown ?? 'no daemon'}): its mode is the <forward> of that network`,
    );
    return { mode: 'unknown', summary: `network '${net}' (not looked up)`, evidence, problems: [] };
  }
  const n = ctx.networks.find((x) => x.name === net);
  if (!n) {
    const names = ctx.networks.map((x) => x.name).join(', ') || 'none';
    return {
      mode: 'unknown',
      summary: `network '${net}' is not a virtnet network`,
      evidence,
      problems: [`network '${net}' is not defined in virtnet (defined: ${names}): the guest would not start`],
    };
  }
  const mode = asMode(n.mode);
  evidence.push(
    `virtnet network '${n.name}': ${MODE_LABEL[mode]}${n.bridge ? ` on bridge ${n.bridge}` : ''}`,
  );
  return {
    mode,
    summary: `${MODE_LABEL[mode]} on network ${n.name}${n.bridge ? ` (${n.bridge})` : ''}`,
    evidence,
    problems: n.active ? [] : [`network '${n.name}' is not active: guests on it have no connectivity`],
  };
}

/**
 * The same reasoning for a libvirt XML file: a network definition (its forward mode and subnets, nothing claimed
 * about the host) or a domain (each <interface>: what its type means, and `source network=` resolved against
 * virtnet's definitions when the daemon answered).
 */
export function explainLibvirtXml(xml: string, file: string, ctx: XmlContext = {}): NetmodeReport {
  const root = parseXmlDocument(xml);
  if (root.name === 'network') {
    const def = parseNetworkXml(xml);
    const r = explainNetwork({
      name: def.name,
      mode: networkMode(def),
      ...(def.bridge?.name ? { bridge: def.bridge.name } : {}),
      ...(def.forward?.dev ? { forwardDev: def.forward.dev } : {}),
      subnets: def.ips.map(ipSubnet).flatMap((sn) => (sn ? [formatSubnet(sn)] : [])),
    });
    r.subject = { kind: 'file', name: file };
    return r;
  }
  if (root.name !== 'domain') {
    throw new VirtError(
      'XML_ERROR',
      `${file}: expected a libvirt <network> or <domain> document, not <${root.name}>`,
    );
  }
  const name = firstChild(root, 'name');
  const devices = firstChild(root, 'devices');
  const reports: NetmodeReport[] = [];
  for (const iface of devices ? childElements(devices, 'interface') : []) {
    const type = attr(iface, 'type') ?? '';
    const source = firstChild(iface, 'source');
    const mac = firstChild(iface, 'mac');
    const label = (mac && attr(mac, 'address')) || `interface ${reports.length + 1}`;
    const ev: string[] = [`<interface type='${type}'>`];
    let mode: NetMode = 'unknown';
    let summary = '';
    let problems: string[] = [];
    if (type === 'network') {
      const r = networkInterface(source ? attr(source, 'network') : undefined, ctx);
      mode = r.mode;
      summary = r.summary;
      ev.push(...r.evidence);
      problems = r.problems;
    } else if (type === 'bridge') {
      const br = source ? attr(source, 'bridge') : undefined;
      const owner = ctx.networks?.find((n) => n.bridge === br);
      mode = owner ? asMode(owner.mode) : 'bridge';
      summary = owner
        ? `bridge ${br} of virtnet network '${owner.name}': ${MODE_LABEL[mode]}`
        : `bridged to host bridge ${br}: the guest is on the host's LAN`;
      ev.push(`source bridge='${br}'`);
    } else if (type === 'direct') {
      const dev = source ? attr(source, 'dev') : undefined;
      mode = 'direct';
      summary = `direct (macvtap) on ${dev} mode ${(source && attr(source, 'mode')) ?? 'vepa'}: on the LAN, but the host itself cannot reach the guest`;
      ev.push(`source dev='${dev}'`);
    } else if (type === 'user') {
      mode = 'user';
      summary = 'user-mode networking: NAT inside the hypervisor (SLIRP/passt), no host bridge';
    } else if (type === 'ethernet') {
      mode = 'ethernet';
      summary = 'a tap device libvirt does not connect to anything: whatever the host does with it';
    } else if (type === 'hostdev') {
      mode = 'hostdev';
      summary = 'a host NIC (SR-IOV VF) passed through: the guest is on that NIC’s network';
    } else summary = `interface type '${type}' is not one virtnet can reason about`;
    reports.push({ subject: { kind: 'device', name: label }, mode, summary, evidence: ev, problems });
  }
  const g = explainGuest(name ? textContent(name).trim() : file, reports);
  g.subject = { kind: 'file', name: file };
  return g;
}
