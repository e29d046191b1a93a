// Ports: virsh's net-port-create, net-port-list, net-port-dumpxml, net-port-delete, and virtnet's port-add,
// which makes the device too (a tap for a VM, a veth into a network namespace for a container).

import type { PortInfo } from '../../api/types.js';
import { isRoutedL3Mode, type NetworkDef, networkMode } from '../../model/network-def.js';
import { parseNetworkXml } from '../../model/network-parse.js';
import { bandwidthOptions } from '../bandwidth-options.js';
import type { CommandContext, CommandTable } from '../command.js';
import { enc, printJson, readInputFile, str } from '../command-kit.js';
import { CliError } from '../errors.js';
import { formatTable } from '../format.js';

/** Where a new port's guest gets its address, said without promising what virtnet does not do. */
export function addressSource(def: NetworkDef, reservedIp?: string, poolDevice?: string): string {
  if (!isRoutedL3Mode(networkMode(def))) {
    const where = def.bridge?.name
      ? `host bridge ${def.bridge.name}`
      : poolDevice
        ? `pool device ${poolDevice}`
        : 'host device';
    return `from the LAN's DHCP server through ${where} (virtnet serves no DHCP on this network)`;
  }
  if (reservedIp) return `${reservedIp} (reserved)`;
  const dhcp = def.ips.some((ip) => ip.dhcp && (ip.dhcp.ranges.length > 0 || ip.dhcp.hosts.length > 0));
  return dhcp
    ? 'assigned by DHCP (see net-dhcp-leases)'
    : 'none from virtnet (the network has no DHCP range): configure it in the guest';
}

/** --filter NAME --filter-param KEY=VALUE[,KEY=VALUE...] (a key given twice makes a list, as in libvirt). */
function filterOption(name: string, params: string): { name: string; params: Record<string, string[]> } {
  const out: Record<string, string[]> = {};
  for (const kv of params ? params.split(',') : []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new CliError([`--filter-param takes KEY=VALUE, not '${kv}'`]);
    const k = kv.slice(0, eq);
    out[k] = [...(out[k] ?? []), kv.slice(eq + 1)];
  }
  return { name, params: out };
}

async function portAdd(ctx: CommandContext): Promise<void> {
  const a = ctx.args;
  const network = str(a.network);
  const body: Record<string, unknown> = { owner: str(a.owner) };
  if (a.tap !== undefined) body.tap = str(a.tap);
  if (a.netns !== undefined) body.netns = str(a.netns);
  if (a.mac) body.mac = str(a.mac);
  if (a.ip) body.ip = str(a.ip);
  if (a.portgroup) body.group = str(a.portgroup);
  if (a.uid !== undefined) {
    if (!/^\d+$/.test(str(a.uid))) throw new CliError([`--uid must be a number, not '${str(a.uid)}'`]);
    body.uid = Number(a.uid);
  }
  if (a.macvtap) body.macvtap = true;
  const bandwidth = bandwidthOptions(a);
  if (bandwidth) body.bandwidth = bandwidth;
  if (a.filter !== undefined) body.filter = filterOption(str(a.filter), str(a['filter-param']));
  else if (a['filter-param'] !== undefined) throw new CliError(['--filter-param needs --filter']);
  const p = await ctx.request<PortInfo>(
    'POST',
    `/v1/networks/${enc(network)}/ports`,
    JSON.stringify(body),
    `Failed to add a port for '${str(a.owner)}' to network ${network}`,
  );
  if (printJson(ctx, p)) return;
  if (ctx.quiet) return;
  const xml = await ctx.request<string>('GET', `/v1/networks/${enc(p.network)}/xml`);
  ctx.extra(describePort(p, addressSource(parseNetworkXml(xml), p.ip, p.device?.link)));
}

/** What port-add prints: the port, its device (for a macvtap the node a hypervisor opens), its address. */
export function describePort(p: PortInfo, address: string): string {
  const d = p.device;
  let dev = 'none';
  if (d?.kind === 'macvlan') dev = `macvlan eth0 in ${d.netns} on ${d.link} (mode ${d.mode})`;
  else if (d?.kind === 'macvtap') dev = `macvtap ${d.name} on ${d.link} (mode ${d.mode})`;
  else if (d) dev = `${d.kind} ${d.name}${d.netns ? ` (eth0 in ${d.netns})` : ''}`;
  return `${[
    `Port ${p.uuid} created on network ${p.network}`,
    `  owner:   ${p.owner.name}`,
    `  device:  ${dev}`,
    ...(d?.tapPath ? [`  open:    ${d.tapPath} (QEMU: -netdev tap,id=n0,fd=3 3<>${d.tapPath})`] : []),
    `  mac:     ${p.mac}`,
    `  address: ${address}`,
  ].join('\n')}\n`;
}

export const COMMANDS: CommandTable = {
  'net-port-create': {
    async run(ctx) {
      const network = str(ctx.args.network);
      const file = str(ctx.args.file);
      const xml = readInputFile(file);
      const p = await ctx.request<PortInfo>(
        'POST',
        `/v1/networks/${enc(network)}/ports`,
        xml,
        `Failed to create network from ${file}`,
      );
      if (printJson(ctx, p)) return;
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
      if (printJson(ctx, ports)) return;
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
      if (printJson(ctx, { xml })) return;
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
      if (printJson(ctx, p)) return;
      ctx.extra(`Network port ${p.uuid} deleted\n`);
    },
  },
  'port-add': { run: portAdd },
};
