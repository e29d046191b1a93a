// Ports and guests: virsh's net-port-* and domif* commands, and virtnet's port-add for people (taps for VMs,
// veths for containers) and dumpxml of a guest's interfaces.

import { readFileSync } from 'node:fs';
import type { GuestDetail, PortInfo } from '../api/types.js';
import { parseRateOption } from '../model/bandwidth-floor.js';
import type { VirtError } from '../model/errors.js';
import type { BandwidthDef } from '../model/network-def.js';
import type { Command, CommandContext } from './commands.js';
import { CliError } from './errors.js';
import { formatTable } from './format.js';
import type { OptionSpec } from './options.js';

const enc = encodeURIComponent;
const str = (v: string | boolean | undefined) => (typeof v === 'string' ? v : '');
const opt = (name: string, value = true, required = false, positional = false): OptionSpec => ({
  name,
  value,
  positional,
  required,
});

function out(ctx: CommandContext, value: unknown): boolean {
  if (!ctx.args.json) return false;
  ctx.out(`${JSON.stringify(value, null, 2)}\n`);
  return true;
}

async function guest(ctx: CommandContext): Promise<GuestDetail> {
  const name = str(ctx.args.domain);
  return ctx.request<GuestDetail>(
    'GET',
    `/v1/guests/${enc(name)}`,
    undefined,
    `failed to get domain '${name}'`,
  );
}

/** virsh's --inbound average[,peak[,burst[,floor]]] and --outbound average[,peak[,burst]], as a <bandwidth>. */
export function bandwidthOptions(a: Record<string, string | boolean | undefined>): BandwidthDef | undefined {
  const out: BandwidthDef = {};
  for (const dir of ['inbound', 'outbound'] as const) {
    const v = a[dir];
    if (v === undefined) continue;
    if (typeof v !== 'string') throw new CliError([`--${dir} takes a value`]);
    try {
      out[dir] = parseRateOption(v, dir);
    } catch (e) {
      throw new CliError([(e as VirtError).detail ?? (e as Error).message]);
    }
  }
  return out.inbound || out.outbound ? out : undefined;
}

/** What port-add prints: the port, its device (and for a macvtap the node a hypervisor opens), its address. */
export function describePort(p: PortInfo): string {
  const d = p.device;
  let dev = 'none';
  if (d?.kind === 'macvlan') dev = `macvlan eth0 in ${d.netns} on ${d.link} (mode ${d.mode})`;
  else if (d?.kind === 'macvtap') dev = `macvtap ${d.name} on ${d.link} (mode ${d.mode})`;
  else if (d) dev = `${d.kind} ${d.name}${d.netns ? ` (eth0 in ${d.netns})` : ''}`;
  const direct = d?.kind === 'macvtap' || d?.kind === 'macvlan';
  const lines = [
    `Port ${p.uuid} created on network ${p.network}`,
    `  owner:   ${p.owner.name}`,
    `  device:  ${dev}`,
    ...(d?.tapPath ? [`  open:    ${d.tapPath} (QEMU: -netdev tap,id=n0,fd=3 3<>${d.tapPath})`] : []),
    `  mac:     ${p.mac}`,
    `  address: ${p.ip ? `${p.ip} (reserved)` : direct ? 'assigned by the LAN (its DHCP server)' : 'assigned by DHCP (see net-dhcp-leases)'}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** virsh domifaddr's fixed-width rows (printf, not vsh-table). */
export function formatDomIfAddr(
  rows: Array<{ name: string; mac: string; proto: string; addr: string }>,
): string {
  const lines = [
    ` ${'Name'.padEnd(10)} ${'MAC address'.padEnd(20)} ${'Protocol'.padEnd(8)}     Address`,
    '-'.repeat(79),
  ];
  for (const r of rows)
    lines.push(` ${r.name.padEnd(10)} ${r.mac.padEnd(17)}    ${r.proto.padEnd(12)} ${r.addr}`);
  return `${lines.join('\n')}\n`;
}

/** A guest's <interface> elements as libvirt's live domain XML shows them. */
export function formatGuestXml(g: GuestDetail): string {
  const lines = [
    '<domain>',
    `  <name>${xmlEscape(g.name)}</name>`,
    `  <uuid>${g.uuid}</uuid>`,
    '  <devices>',
  ];
  for (const i of g.interfaces) {
    const p = i.port;
    const portXml = p.xml;
    lines.push("    <interface type='network'>", `      <mac address='${p.mac}'/>`);
    const pg = p.group ? ` portgroup='${xmlEscape(p.group)}'` : '';
    const br = i.bridge ? ` bridge='${xmlEscape(i.bridge)}'` : '';
    lines.push(`      <source network='${xmlEscape(p.network)}' portid='${p.uuid}'${br}${pg}/>`);
    if (p.device) lines.push(`      <target dev='${xmlEscape(p.device.name)}'/>`);
    // bandwidth and vlan as in the port (same element names and order as in a domain interface)
    for (const tag of ['bandwidth', 'vlan']) {
      const m = new RegExp(`  <${tag}[ >][\\s\\S]*?</${tag}>`).exec(portXml);
      if (m) lines.push(...m[0].split('\n').map((l) => `    ${l.replace(/ classID='\d+'/, '')}`));
    }
    lines.push('    </interface>');
  }
  lines.push('  </devices>', '</domain>');
  return `${lines.join('\n')}\n`;
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;');
}

export const PORT_COMMANDS: Record<string, Command> = {
  'net-port-create': {
    async run(ctx) {
      const network = str(ctx.args.network);
      const file = str(ctx.args.file);
      let xml: string;
      try {
        xml = readFileSync(file, 'utf8');
      } catch (e) {
        throw new CliError([`Failed to open file '${file}': ${(e as Error).message}`]);
      }
      const p = await ctx.request<PortInfo>(
        'POST',
        `/v1/networks/${enc(network)}/ports`,
        xml,
        `Failed to create network from ${file}`,
      );
      if (out(ctx, p)) return;
      ctx.extra(`Network port ${p.uuid} created\n`);
    },
  },
  'net-port-list': {
    async run(ctx) {
      const network = str(ctx.args.network);
      const { ports } = await ctx.request<{ ports: PortInfo[] }>(
        'GET',
        `/v1/networks/${enc(network)}/ports`,
        undefined,
        `failed to get network '${network}'`,
      );
      if (out(ctx, ports)) return;
      const sorted = [...ports].sort((a, b) => a.uuid.localeCompare(b.uuid));
      if (ctx.args.uuid) {
        for (const p of sorted) ctx.out(`${p.uuid}\n`);
        return;
      }
      ctx.out(
        formatTable(
          ['UUID'],
          sorted.map((p) => [p.uuid]),
          ctx.quiet,
        ),
      );
    },
  },
  'net-port-dumpxml': {
    async run(ctx) {
      const network = str(ctx.args.network);
      const port = str(ctx.args.port);
      const xml = await ctx.request<string>(
        'GET',
        `/v1/networks/${enc(network)}/ports/${enc(port)}/xml`,
        undefined,
        `failed to get network port '${port}'`,
      );
      if (out(ctx, { xml })) return;
      ctx.out(xml);
    },
  },
  'net-port-delete': {
    async run(ctx) {
      const network = str(ctx.args.network);
      const port = str(ctx.args.port);
      const p = await ctx.request<PortInfo>(
        'DELETE',
        `/v1/networks/${enc(network)}/ports/${enc(port)}`,
        undefined,
        `Failed to delete network port ${port}`,
      );
      if (out(ctx, p)) return;
      ctx.extra(`Network port ${p.uuid} deleted\n`);
    },
  },
  'port-add': {
    specs: [
      opt('network', true, true, true),
      opt('owner', true, true),
      opt('tap'),
      opt('netns'),
      opt('mac'),
      opt('ip'),
      opt('uid'),
      opt('portgroup'),
      opt('macvtap', false),
      opt('inbound'),
      opt('outbound'),
    ],
    async run(ctx) {
      const a = ctx.args;
      const network = str(a.network);
      if (a.tap === true || a.netns === true) throw new CliError(['--tap and --netns take a value']);
      const body: Record<string, unknown> = { owner: str(a.owner) };
      if (a.tap !== undefined) body.tap = str(a.tap);
      if (a.netns !== undefined) body.netns = str(a.netns);
      if (a.macvtap) body.macvtap = true;
      const bandwidth = bandwidthOptions(a);
      if (bandwidth) body.bandwidth = bandwidth;
      if (a.mac) body.mac = str(a.mac);
      if (a.ip) body.ip = str(a.ip);
      if (a.portgroup) body.group = str(a.portgroup);
      if (a.uid !== undefined) {
        if (!/^\d+$/.test(str(a.uid))) throw new CliError([`--uid must be a number, not '${str(a.uid)}'`]);
        body.uid = Number(a.uid);
      }
      const p = await ctx.request<PortInfo>(
        'POST',
        `/v1/networks/${enc(network)}/ports`,
        JSON.stringify(body),
        `Failed to add a port for '${str(a.owner)}' to network ${network}`,
      );
      if (out(ctx, p)) return;
      ctx.out(describePort(p));
    },
  },
  domiflist: {
    async run(ctx) {
      const g = await guest(ctx);
      if (
        out(
          ctx,
          g.interfaces.map((i) => i.port),
        )
      )
        return;
      const rows = g.interfaces.map((i) => [
        i.port.device?.name ?? '-',
        'network',
        i.port.network,
        '-',
        i.port.mac,
      ]);
      ctx.out(formatTable(['Interface', 'Type', 'Source', 'Model', 'MAC'], rows, ctx.quiet));
    },
  },
  domifaddr: {
    async run(ctx) {
      const g = await guest(ctx);
      const only = str(ctx.args.interface);
      const rows: Array<{ name: string; mac: string; proto: string; addr: string }> = [];
      for (const i of g.interfaces) {
        const name = i.port.device?.name ?? '-';
        if (only && name !== only && i.port.mac !== only.toLowerCase()) continue;
        i.leases.forEach((l, n) => {
          const first = n === 0 || ctx.args.full;
          rows.push({
            name: first ? name : '-',
            mac: first ? i.port.mac : '-',
            proto: l.protocol,
            addr: `${l.ipaddr}/${l.prefix}`,
          });
        });
      }
      if (out(ctx, rows)) return;
      ctx.out(formatDomIfAddr(rows));
    },
  },
  dumpxml: {
    specs: [opt('domain', true, true, true), opt('inactive', false)],
    async run(ctx) {
      const g = await guest(ctx);
      if (out(ctx, g)) return;
      ctx.out(formatGuestXml(g));
    },
  },
};
