// NetworkDef → libvirt 9.0's canonical network XML (what `virsh net-dumpxml` prints, minus virsh's extra newline).

import type {
  BandwidthDef,
  DhcpHost,
  DnsDef,
  ForwardDef,
  IpDef,
  LeaseDef,
  NetworkDef,
  PortGroupDef,
  VirtualPortDef,
  VlanDef,
  XmlNode,
} from './network-def.js';
import { DNSMASQ_NS } from './network-parse.js';
import { escapeXml as esc, escapeXmlAttrDouble, escapeXmlText } from './xml-dom.js';

export interface FormatOptions {
  /** Persistent form: leave out run-time only details (connections, interfaces listed next to a pf). */
  inactive?: boolean;
}

const yn = (b: boolean) => (b ? 'yes' : 'no');

/** Formats the document exactly as libvirt does; the text ends with "</network>\n". */
export function formatNetworkXml(def: NetworkDef, opts: FormatOptions = {}): string {
  const out: string[] = [];
  const inactive = opts.inactive === true;
  let open = '<network';
  if (def.dnsmasqOptions.length) open += ` xmlns:dnsmasq='${DNSMASQ_NS}'`;
  if (!inactive && def.connections) open += ` connections='${def.connections}'`;
  if (def.ipv6 === true) open += " ipv6='yes'";
  if (def.trustGuestRxFilters !== undefined) open += ` trustGuestRxFilters='${yn(def.trustGuestRxFilters)}'`;
  out.push(`${open}>`);
  out.push(`  <name>${esc(def.name)}</name>`);
  if (def.uuid) out.push(`  <uuid>${def.uuid}</uuid>`);
  if (def.title !== undefined) out.push(`  <title>${esc(def.title)}</title>`);
  if (def.description !== undefined) out.push(`  <description>${esc(def.description)}</description>`);
  if (def.metadata) formatMetadata(out, def.metadata, def.metadataNamespaces ?? []);
  if (def.forward) formatForward(out, def.forward, inactive);
  formatBridge(out, def);
  if (def.mtu !== undefined) out.push(`  <mtu size='${def.mtu}'/>`);
  if (def.mac) out.push(`  <mac address='${def.mac}'/>`);
  if (def.domain) {
    let d = `  <domain name='${esc(def.domain.name)}'`;
    if (def.domain.localOnly !== undefined) d += ` localOnly='${yn(def.domain.localOnly)}'`;
    out.push(`${d}/>`);
  }
  if (def.dns) formatDns(out, def.dns);
  if (def.vlan) formatVlan(out, def.vlan, '  ');
  if (def.bandwidth) formatBandwidth(out, def.bandwidth, '  ');
  if (def.portIsolated !== undefined) out.push(`  <port isolated='${yn(def.portIsolated)}'/>`);
  for (const ip of def.ips) formatIp(out, ip);
  for (const r of def.routes) {
    let s = '  <route';
    if (r.family) s += ` family='${r.family}'`;
    s += ` address='${r.address}'`;
    if (r.netmask) s += ` netmask='${r.netmask}'`;
    if (r.prefix !== undefined) s += ` prefix='${r.prefix}'`;
    s += ` gateway='${r.gateway}'`;
    if (r.metric !== undefined) s += ` metric='${r.metric}'`;
    out.push(`${s}/>`);
  }
  if (def.virtualport) formatVirtualPort(out, def.virtualport, '  ');
  for (const pg of def.portgroups) formatPortGroup(out, pg);
  if (def.dnsmasqOptions.length) {
    out.push('  <dnsmasq:options>');
    for (const o of def.dnsmasqOptions) out.push(`    <dnsmasq:option value='${esc(o)}'/>`);
    out.push('  </dnsmasq:options>');
  }
  out.push('</network>');
  return `${out.join('\n')}\n`;
}

function formatMetadata(out: string[], nodes: XmlNode[], attrs: Array<[string, string]>): void {
  const open = `  <metadata${attrs.map(([k, v]) => ` ${k}="${escapeXmlAttrDouble(v)}"`).join('')}`;
  if (nodes.length === 0) {
    out.push(`${open}/>`);
    return;
  }
  out.push(`${open}>`);
  for (const n of nodes) out.push(`    ${serializeNode(n, 2)}`);
  out.push('  </metadata>');
}

/** libxml2-style formatted dump (xmlNodeDump with format=1): double quotes, children indented when no text. */
function serializeNode(n: XmlNode, level: number): string {
  const attrs = n.attributes.map(([k, v]) => ` ${k}="${escapeXmlAttrDouble(v)}"`).join('');
  const kids = n.children.filter(
    (c) => typeof c !== 'string' || c.trim() !== '' || n.children.every((x) => typeof x === 'string'),
  );
  if (kids.length === 0) return `<${n.name}${attrs}/>`;
  const hasText = kids.some((c) => typeof c === 'string');
  if (hasText) {
    const inner = n.children
      .map((c) => (typeof c === 'string' ? escapeXmlText(c) : serializeNode(c, 0)))
      .join('');
    return `<${n.name}${attrs}>${inner}</${n.name}>`;
  }
  const pad = '  '.repeat(level + 1);
  const inner = kids.map((c) => `\n${pad}${serializeNode(c as XmlNode, level + 1)}`).join('');
  return `<${n.name}${attrs}>${inner}\n${'  '.repeat(level)}</${n.name}>`;
}

function formatForward(out: string[], f: ForwardDef, inactive: boolean): void {
  let s = '  <forward';
  const dev = !f.pf ? f.interfaces[0]?.dev : undefined;
  if (dev !== undefined) s += ` dev='${esc(dev)}'`;
  s += ` mode='${f.mode}'`;
  if (f.mode === 'hostdev') s += ` managed='${yn(f.managed === true)}'`;
  const children: string[] = [];
  if (f.driver?.name) children.push(`    <driver name='${f.driver.name}'/>`);
  if (f.nat && f.mode === 'nat') formatNat(children, f.nat);
  if (f.pf) children.push(`    <pf dev='${esc(f.pf.dev)}'/>`);
  if (!f.pf || !inactive) {
    for (const i of f.interfaces) {
      const c = !inactive && i.connections ? ` connections='${i.connections}'` : '';
      children.push(`    <interface dev='${esc(i.dev)}'${c}/>`);
    }
    for (const a of f.pciAddresses) {
      const h = (n: number, w: number) => `0x${n.toString(16).padStart(w, '0')}`;
      const c = !inactive && a.connections ? ` connections='${a.connections}'` : '';
      children.push(
        `    <address type='pci' domain='${h(a.domain, 4)}' bus='${h(a.bus, 2)}' slot='${h(a.slot, 2)}' function='0x${a.function}'${c}/>`,
      );
    }
  }
  // libvirt closes the element at once when nothing (not even a pool hidden by --inactive) goes inside
  const nat = f.nat;
  const hasNat =
    nat && (nat.addressStart !== undefined || nat.portStart || nat.portEnd || nat.ipv6 !== undefined);
  const short = !(f.interfaces.length || f.pciAddresses.length || f.pf || f.driver?.name || hasNat);
  if (short) {
    out.push(`${s}/>`);
    return;
  }
  out.push(`${s}>`, ...children, '  </forward>');
}

function formatNat(out: string[], nat: NonNullable<ForwardDef['nat']>): void {
  const hasAddr = nat.addressStart !== undefined;
  const hasPort = !!nat.portStart || !!nat.portEnd;
  if (!hasAddr && !hasPort && nat.ipv6 === undefined) return;
  const open = `    <nat${nat.ipv6 !== undefined ? ` ipv6='${yn(nat.ipv6)}'` : ''}`;
  if (!hasAddr && !hasPort) {
    out.push(`${open}/>`);
    return;
  }
  out.push(`${open}>`);
  if (hasAddr) {
    const end = nat.addressEnd !== undefined ? ` end='${nat.addressEnd}'` : '';
    out.push(`      <address start='${nat.addressStart}'${end}/>`);
  }
  if (hasPort)
    out.push(`      <port start='${nat.portStart ?? 0}'${nat.portEnd ? ` end='${nat.portEnd}'` : ''}/>`);
  out.push('    </nat>');
}

function isL3(def: NetworkDef): boolean {
  const m = def.forward?.mode;
  return m === undefined || m === 'nat' || m === 'route' || m === 'open';
}

function formatBridge(out: string[], def: NetworkDef): void {
  const b = def.bridge;
  const l3 = isL3(def);
  if (!l3 && !b?.name && !b?.macTableManager) return;
  let s = '  <bridge';
  if (b?.name !== undefined) s += ` name='${esc(b.name)}'`;
  if (b?.zone !== undefined) s += ` zone='${esc(b.zone)}'`;
  if (l3) s += ` stp='${b?.stp === false ? 'off' : 'on'}' delay='${b?.delay ?? 0}'`;
  if (b?.macTableManager) s += ` macTableManager='${b.macTableManager}'`;
  out.push(`${s}/>`);
}

function formatDns(out: string[], dns: DnsDef): void {
  const empty = !dns.forwarders.length && !dns.txts.length && !dns.srvs.length && !dns.hosts.length;
  if (dns.enable === undefined && dns.forwardPlainNames === undefined && empty) return;
  let s = '  <dns';
  if (dns.enable !== undefined) s += ` enable='${yn(dns.enable)}'`;
  if (dns.forwardPlainNames !== undefined) s += ` forwardPlainNames='${yn(dns.forwardPlainNames)}'`;
  if (empty) {
    out.push(`${s}/>`);
    return;
  }
  out.push(`${s}>`);
  for (const f of dns.forwarders) {
    let l = '    <forwarder';
    if (f.domain !== undefined) l += ` domain='${esc(f.domain)}'`;
    if (f.addr !== undefined) l += ` addr='${f.addr}'`;
    if (f.port !== undefined) l += ` port='${f.port}'`;
    out.push(`${l}/>`);
  }
  for (const t of dns.txts) out.push(`    <txt name='${esc(t.name)}' value='${esc(t.value)}'/>`);
  for (const r of dns.srvs) {
    let l = '    <srv';
    if (r.service !== undefined) l += ` service='${esc(r.service)}'`;
    if (r.protocol !== undefined) l += ` protocol='${esc(r.protocol)}'`;
    if (r.domain !== undefined) l += ` domain='${esc(r.domain)}'`;
    if (r.target !== undefined) l += ` target='${esc(r.target)}'`;
    if (r.port) l += ` port='${r.port}'`;
    if (r.priority) l += ` priority='${r.priority}'`;
    if (r.weight) l += ` weight='${r.weight}'`;
    out.push(`${l}/>`);
  }
  for (const h of dns.hosts) {
    out.push(`    <host ip='${h.ip}'>`);
    for (const n of h.hostnames) out.push(`      <hostname>${esc(n)}</hostname>`);
    out.push('    </host>');
  }
  out.push('  </dns>');
}

function leaseXml(lease: LeaseDef): string {
  return lease.expiry !== 0
    ? `<lease expiry='${lease.expiry}' unit='${lease.unit ?? 'minutes'}'/>`
    : "<lease expiry='0'/>";
}

function hostAttrs(h: DhcpHost): string {
  let s = '';
  if (h.mac !== undefined) s += ` mac='${h.mac}'`;
  if (h.id !== undefined) s += ` id='${esc(h.id)}'`;
  if (h.name !== undefined) s += ` name='${esc(h.name)}'`;
  if (h.ip !== undefined) s += ` ip='${h.ip}'`;
  return s;
}

function formatIp(out: string[], ip: IpDef): void {
  let s = '  <ip';
  if (ip.family) s += ` family='${ip.family}'`;
  if (ip.address) s += ` address='${ip.address}'`;
  if (ip.netmask) s += ` netmask='${ip.netmask}'`;
  if (ip.prefix !== undefined && ip.prefix > 0) s += ` prefix='${ip.prefix}'`;
  if (ip.localPtr !== undefined) s += ` localPtr='${yn(ip.localPtr)}'`;
  out.push(`${s}>`);
  if (ip.tftpRoot !== undefined) out.push(`    <tftp root='${esc(ip.tftpRoot)}'/>`);
  const d = ip.dhcp;
  // libvirt prints <dhcp> (and so <bootp>) only when there are ranges or hosts
  if (d && (d.ranges.length || d.hosts.length)) {
    out.push('    <dhcp>');
    for (const r of d.ranges) {
      const head = `      <range start='${r.start}' end='${r.end}'`;
      if (r.lease) out.push(`${head}>`, `        ${leaseXml(r.lease)}`, '      </range>');
      else out.push(`${head}/>`);
    }
    for (const h of d.hosts) {
      if (h.lease) out.push(`      <host${hostAttrs(h)}>`, `        ${leaseXml(h.lease)}`, '      </host>');
      else out.push(`      <host${hostAttrs(h)}/>`);
    }
    if (d.bootp) {
      const server = d.bootp.server !== undefined ? ` server='${d.bootp.server}'` : '';
      out.push(`      <bootp file='${esc(d.bootp.file)}'${server}/>`);
    }
    out.push('    </dhcp>');
  }
  out.push('  </ip>');
}

export function formatVlan(out: string[], vlan: VlanDef, pad: string): void {
  if (vlan.tags.length === 0) return;
  out.push(`${pad}<vlan${vlan.trunk ? " trunk='yes'" : ''}>`);
  for (const t of vlan.tags)
    out.push(`${pad}  <tag id='${t.id}'${t.nativeMode ? ` nativeMode='${t.nativeMode}'` : ''}/>`);
  out.push(`${pad}</vlan>`);
}

/** <bandwidth> (virNetDevBandwidthFormat): a direction shows when it has an average or a floor. */
export function formatBandwidth(out: string[], bw: BandwidthDef, pad: string, classID?: number): void {
  out.push(`${pad}<bandwidth${classID ? ` classID='${classID}'` : ''}>`);
  for (const dir of ['inbound', 'outbound'] as const) {
    const r = bw[dir];
    if (!r || !(r.average || r.floor)) continue;
    let s = `${pad}  <${dir}`;
    if (r.average) s += ` average='${r.average}'`;
    if (r.peak) s += ` peak='${r.peak}'`;
    if (r.floor) s += ` floor='${r.floor}'`;
    if (r.burst) s += ` burst='${r.burst}'`;
    out.push(`${s}/>`);
  }
  out.push(`${pad}</bandwidth>`);
}

/** <virtualport> (virNetDevVPortProfileFormat): each type shows the parameters it has, in libvirt's order. */
export function formatVirtualPort(out: string[], vp: VirtualPortDef, pad: string): void {
  const t = vp.type;
  const show = (...types: Array<VirtualPortDef['type']>) => t === undefined || types.includes(t);
  let params = '';
  if (vp.managerId !== undefined && show('802.1Qbg')) params += ` managerid='${vp.managerId}'`;
  if (vp.typeId !== undefined && show('802.1Qbg')) params += ` typeid='${vp.typeId}'`;
  if (vp.typeIdVersion !== undefined && show('802.1Qbg')) params += ` typeidversion='${vp.typeIdVersion}'`;
  if (vp.instanceId !== undefined && show('802.1Qbg')) params += ` instanceid='${vp.instanceId}'`;
  if (vp.interfaceId !== undefined && show('midonet', 'openvswitch'))
    params += ` interfaceid='${vp.interfaceId}'`;
  if (vp.profileId !== undefined && show('openvswitch', '802.1Qbh'))
    params += ` profileid='${esc(vp.profileId)}'`;
  const any = ['managerId', 'typeId', 'typeIdVersion', 'instanceId', 'profileId', 'interfaceId'].some(
    (k) => vp[k as keyof VirtualPortDef] !== undefined,
  );
  if (t === undefined && !any) return;
  const head = `${pad}<virtualport${t ? ` type='${t}'` : ''}`;
  if (!any) {
    out.push(`${head}/>`);
    return;
  }
  out.push(`${head}>`, `${pad}  <parameters${params}/>`, `${pad}</virtualport>`);
}

function formatPortGroup(out: string[], pg: PortGroupDef): void {
  let s = `  <portgroup name='${esc(pg.name)}'`;
  if (pg.default) s += " default='yes'";
  if (pg.trustGuestRxFilters !== undefined) s += ` trustGuestRxFilters='${yn(pg.trustGuestRxFilters)}'`;
  const kids: string[] = [];
  if (pg.vlan) formatVlan(kids, pg.vlan, '    ');
  if (pg.virtualport) formatVirtualPort(kids, pg.virtualport, '    ');
  if (pg.bandwidth) formatBandwidth(kids, pg.bandwidth, '    ');
  // libvirt always writes an open and a close tag here
  out.push(`${s}>`, ...kids, '  </portgroup>');
}
