// virsh's read-only network commands: net-list, net-info, net-uuid, net-name, net-dumpxml, net-dhcp-leases.

import type { LeaseListResponse, NetworkListResponse } from '../../api/types.js';
import type { CommandTable } from '../command.js';
import { enc, getNetwork, printJson, str } from '../command-kit.js';
import { CliError } from '../errors.js';
import { caseCmp, formatLeases, formatNetInfo, formatNetList } from '../format.js';

export const COMMANDS: CommandTable = {
  'net-list': {
    async run(ctx) {
      const a = ctx.args;
      const q = ['all', 'inactive', 'persistent', 'transient', 'autostart', 'no-autostart']
        .filter((f) => a[f])
        .map((f) => `${f}=1`)
        .join('&');
      if (Number(!!a.table) + Number(!!a.name) + Number(!!a.uuid) > 1) {
        throw new CliError(['Only one argument from --table, --name and --uuid may be specified.']);
      }
      const { networks } = await ctx.request<NetworkListResponse>('GET', `/v1/networks${q ? `?${q}` : ''}`);
      if (printJson(ctx, networks)) return;
      if (a.name || a.uuid) {
        const sorted = [...networks].sort((x, y) => caseCmp(x.name, y.name));
        for (const n of sorted) ctx.out(`${a.uuid ? n.uuid : n.name}\n`);
        return;
      }
      ctx.out(formatNetList(networks, ctx.quiet));
    },
  },
  'net-info': {
    async run(ctx) {
      const n = await getNetwork(ctx, str(ctx.args.network));
      if (printJson(ctx, n)) return;
      ctx.out(formatNetInfo(n));
    },
  },
  'net-uuid': {
    async run(ctx) {
      const id = str(ctx.args.network);
      const n = await getNetwork(ctx, id);
      // virsh net-uuid looks networks up by name only
      if (n.name !== id) {
        throw new CliError([
          `failed to get network '${id}'`,
          `Network not found: no network with matching name '${id}'`,
        ]);
      }
      if (printJson(ctx, { uuid: n.uuid })) return;
      ctx.out(`${n.uuid}\n`);
    },
  },
  'net-name': {
    async run(ctx) {
      const id = str(ctx.args.network);
      // virsh net-name looks networks up by UUID only, and only tries strings of a UUID's length
      if (id.length !== 36) throw new CliError([`failed to get network '${id}'`]);
      const n = await getNetwork(ctx, id);
      if (n.uuid.toLowerCase() !== id.toLowerCase()) {
        throw new CliError([
          `failed to get network '${id}'`,
          `Network not found: no network with matching uuid '${id}'`,
        ]);
      }
      if (printJson(ctx, { name: n.name })) return;
      ctx.out(`${n.name}\n`);
    },
  },
  'net-dumpxml': {
    async run(ctx) {
      const id = str(ctx.args.network);
      await getNetwork(ctx, id);
      const xml = await ctx.request<string>(
        'GET',
        `/v1/networks/${enc(id)}/xml${ctx.args.inactive ? '?inactive=1' : ''}`,
      );
      if (printJson(ctx, { xml })) return;
      ctx.out(xml);
    },
  },
  'net-dhcp-leases': {
    async run(ctx) {
      const id = str(ctx.args.network);
      await getNetwork(ctx, id);
      const mac = str(ctx.args.mac);
      const { leases } = await ctx.request<LeaseListResponse>(
        'GET',
        `/v1/networks/${enc(id)}/leases${mac ? `?mac=${enc(mac)}` : ''}`,
        undefined,
        `Failed to get leases info for ${id}`,
      );
      if (printJson(ctx, leases)) return;
      ctx.out(formatLeases(leases, ctx.quiet));
    },
  },
};
