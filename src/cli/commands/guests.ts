// Guests as virsh sees domains, as far as networking goes: attach-interface and detach-interface (virsh's options
// and messages), define-guest (the interfaces of a libvirt domain XML become ports) and the qemu-ifup/qemu-ifdown
// scripts QEMU runs for a tap it made itself. Ports are always live: --persistent, --config, --live and
// --current are accepted and ignored.

import type { GuestInfo, NetworkListResponse, PortInfo } from '../../api/types.js';
import { parseDomainInterfaces } from '../../model/domain-interfaces.js';
import { bandwidthOptions } from '../bandwidth-options.js';
import type { CommandContext, CommandTable } from '../command.js';
import { enc, printJson, readInputFile, str, xmlEscape } from '../command-kit.js';
import { CliError } from '../errors.js';

function checkType(type: string): 'network' | 'bridge' {
  if (type === 'network' || type === 'bridge') return type;
  throw new CliError([`interface type '${type}' is not supported by virtnet`]);
}

/** The virtnet network an interface plugs into: by name, or (type bridge) the network whose bridge it is. */
async function networkFor(ctx: CommandContext, type: 'network' | 'bridge', source: string): Promise<string> {
  if (type === 'network') return source;
  const { networks } = await ctx.request<NetworkListResponse>(
    'GET',
    '/v1/networks?all=1',
    undefined,
    'failed to list networks',
  );
  const net = networks.find((n) => n.bridge === source);
  if (!net) {
    throw new CliError([
      `no virtnet network uses bridge '${source}'`,
      `define one with <forward mode='bridge'/><bridge name='${source}'/> (net-define, net-start) and attach again`,
    ]);
  }
  return net.name;
}

/** libvirt regenerates target names with its own prefix; virtnet lets the daemon pick one then. */
function tapName(target: string | undefined): string {
  return !target || target.startsWith('vnet') ? '' : target;
}

async function addPort(
  ctx: CommandContext,
  network: string,
  body: Record<string, unknown>,
  failure: string,
): Promise<PortInfo> {
  return ctx.request<PortInfo>('POST', `/v1/networks/${enc(network)}/ports`, JSON.stringify(body), failure);
}

async function deletePort(ctx: CommandContext, p: PortInfo, failure: string): Promise<PortInfo> {
  return ctx.request<PortInfo>(
    'DELETE',
    `/v1/networks/${enc(p.network)}/ports/${enc(p.uuid)}`,
    undefined,
    failure,
  );
}

/** virsh attach-interface --print-xml's element order. */
export function interfaceXml(o: {
  type: string;
  source: string;
  target?: string;
  mac?: string;
  model?: string;
}): string {
  const lines = [`<interface type='${xmlEscape(o.type)}'>`];
  lines.push(`  <source ${o.type}='${xmlEscape(o.source)}'/>`);
  if (o.target) lines.push(`  <target dev='${xmlEscape(o.target)}'/>`);
  if (o.mac) lines.push(`  <mac address='${xmlEscape(o.mac)}'/>`);
  if (o.model) lines.push(`  <model type='${xmlEscape(o.model)}'/>`);
  lines.push('</interface>');
  return `${lines.join('\n')}\n`;
}

export const COMMANDS: CommandTable = {
  // options from share/virsh-help/attach-interface.txt
  'attach-interface': {
    async run(ctx) {
      const a = ctx.args;
      const domain = str(a.domain);
      const type = checkType(str(a.type));
      const source = str(a.source);
      const target = a.target === undefined ? undefined : str(a.target);
      const mac = a.mac === undefined ? undefined : str(a.mac);
      const bandwidth = bandwidthOptions(a);
      if (a['print-xml']) {
        const model = a.model === undefined ? undefined : str(a.model);
        ctx.out(
          interfaceXml({
            type,
            source,
            ...(target ? { target } : {}),
            ...(mac ? { mac } : {}),
            ...(model ? { model } : {}),
          }),
        );
        return;
      }
      const network = await networkFor(ctx, type, source);
      const body: Record<string, unknown> = { owner: domain, tap: tapName(target) };
      if (mac) body.mac = mac;
      if (bandwidth) body.bandwidth = bandwidth;
      if (a.model !== undefined) body.model = str(a.model);
      const p = await addPort(ctx, network, body, 'Failed to attach interface');
      if (printJson(ctx, p)) return;
      ctx.extra('Interface attached successfully\n');
    },
  },
  // options from share/virsh-help/detach-interface.txt
  'detach-interface': {
    async run(ctx) {
      const domain = str(ctx.args.domain);
      const type = checkType(str(ctx.args.type));
      const mac = ctx.args.mac === undefined ? undefined : str(ctx.args.mac).toLowerCase();
      const g = await ctx.request<{ interfaces: Array<{ port: PortInfo }> }>(
        'GET',
        `/v1/guests/${enc(domain)}`,
        undefined,
        `failed to get domain '${domain}'`,
      );
      // every virtnet port is a network port on a bridge: both types match all of the guest's interfaces
      const ports = g.interfaces.map((i) => i.port);
      let port: PortInfo | undefined;
      if (mac === undefined) {
        if (ports.length > 1) {
          throw new CliError([
            `Domain has ${ports.length} interfaces. Please specify which one to detach using --mac`,
          ]);
        }
        port = ports[0];
        if (!port) throw new CliError([`No interface found whose type is ${type}`]);
      } else {
        port = ports.find((p) => p.mac === mac);
        if (!port) throw new CliError([`No interface found whose type is ${type} and MAC address is ${mac}`]);
      }
      if (ctx.args['print-xml']) {
        ctx.out(
          interfaceXml({
            type: 'network',
            source: port.network,
            mac: port.mac,
            ...(port.device ? { target: port.device.name } : {}),
            ...(port.model ? { model: port.model } : {}),
          }),
        );
        return;
      }
      const p = await deletePort(ctx, port, 'Failed to detach interface');
      if (printJson(ctx, p)) return;
      ctx.extra('Interface detached successfully\n');
    },
  },
  'define-guest': {
    async run(ctx) {
      const file = str(ctx.args.file);
      const xml = readInputFile(file);
      let dom: ReturnType<typeof parseDomainInterfaces>;
      try {
        dom = parseDomainInterfaces(xml);
      } catch (e) {
        throw new CliError([`Failed to define guest from ${file}`, (e as Error).message]);
      }
      const created: PortInfo[] = [];
      try {
        for (const i of dom.interfaces) {
          const network = await networkFor(ctx, i.type, (i.type === 'network' ? i.network : i.bridge) ?? '');
          const body: Record<string, unknown> = { owner: dom.name, tap: tapName(i.target) };
          if (dom.uuid) body.ownerUuid = dom.uuid;
          if (i.mac) body.mac = i.mac;
          if (i.portgroup) body.group = i.portgroup;
          if (i.filter) body.filter = i.filter;
          if (i.model) body.model = i.model;
          created.push(await addPort(ctx, network, body, `Failed to define guest from ${file}`));
        }
      } catch (e) {
        // all or nothing: take back the ports already made
        for (const p of created.reverse()) await deletePort(ctx, p, 'Failed to undo').catch(() => undefined);
        throw e;
      }
      if (printJson(ctx, { name: dom.name, ports: created, ignored: dom.ignored })) return;
      for (const what of dom.ignored) ctx.extra(`note: ${what} ignored\n`);
      for (const p of created) {
        ctx.extra(`Interface ${p.device?.name ?? '-'} (${p.mac}) attached to network ${p.network}\n`);
        // a direct network's port is a macvtap: the hypervisor opens its character device (-netdev tap,fd=N)
        if (p.device?.tapPath) ctx.extra(`  open: ${p.device.tapPath}\n`);
      }
      ctx.extra(`Guest ${dom.name} defined from ${file}\n`);
    },
  },
  'qemu-ifup': {
    async run(ctx) {
      const tap = str(ctx.args.tap);
      const network = process.env.VIRTNET_NETWORK || 'default';
      const body: Record<string, unknown> = { owner: process.env.VIRTNET_GUEST || tap, tap, adopt: true };
      if (process.env.VIRTNET_MAC) body.mac = process.env.VIRTNET_MAC;
      const p = await addPort(ctx, network, body, `Failed to plug ${tap} into network ${network}`);
      if (printJson(ctx, p)) return;
      ctx.extra(`Interface ${tap} attached to network ${p.network}\n`);
    },
  },
  'qemu-ifdown': {
    async run(ctx) {
      const tap = str(ctx.args.tap);
      const { guests } = await ctx.request<{ guests: GuestInfo[] }>(
        'GET',
        '/v1/guests',
        undefined,
        'failed to list guests',
      );
      const port = guests.flatMap((g) => g.ports).find((p) => p.device?.name === tap);
      if (!port) throw new CliError([`no port uses device '${tap}'`]);
      const p = await deletePort(ctx, port, `Failed to unplug ${tap}`);
      if (printJson(ctx, p)) return;
      ctx.extra(`Interface ${tap} detached from network ${p.network}\n`);
    },
  },
};
