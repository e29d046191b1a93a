// virsh's network lifecycle: net-define, net-create, net-undefine, net-start (and --repair), net-destroy,
// net-autostart; every change but autostart takes --dry-run and then prints the host changes it would make.

import type { ChangePlan, NetworkInfo, RepairResponse } from '../../api/types.js';
import type { Command, CommandContext, CommandTable } from '../command.js';
import { enc, getNetwork, printJson, readInputFile, str } from '../command-kit.js';
import { formatChangePlan } from '../format.js';

/** --dry-run: ask for the plan instead of the change and print it (or its JSON). */
async function dryRun(
  ctx: CommandContext,
  method: string,
  path: string,
  body?: string,
  failure?: string,
): Promise<void> {
  const plan = await ctx.request<ChangePlan>(method, path, body, failure);
  if (printJson(ctx, plan)) return;
  ctx.out(formatChangePlan(plan));
}

/** net-undefine, net-start, net-destroy: look the network up, make one request on it, report as virsh does. */
function onNetwork(method: string, action: string, verb: string, done: string): Command {
  return {
    async run(ctx) {
      const id = str(ctx.args.network);
      const n = await getNetwork(ctx, id);
      if (ctx.args['dry-run']) return dryRun(ctx, method, `/v1/networks/${enc(id)}${action}?dryRun=1`);
      await ctx.request(
        method,
        `/v1/networks/${enc(id)}${action}`,
        undefined,
        `Failed to ${verb} network ${n.name}`,
      );
      ctx.extra(`Network ${n.name} ${done}\n`);
    },
  };
}

/** net-define and net-create: send an XML file, report as virsh does. */
function fromFile(path: string, verb: string, done: string): Command {
  return {
    async run(ctx) {
      const file = str(ctx.args.file);
      const xml = readInputFile(file);
      const failure = `Failed to ${verb} network from ${file}`;
      if (ctx.args['dry-run']) {
        return dryRun(ctx, 'POST', `${path}${path.includes('?') ? '&' : '?'}dryRun=1`, xml, failure);
      }
      const n = await ctx.request<NetworkInfo>('POST', path, xml, failure);
      if (printJson(ctx, n)) return;
      ctx.extra(`Network ${n.name} ${done} from ${file}\n`);
    },
  };
}

const startNetwork = onNetwork('POST', '/start', 'start', 'started');

/** net-start --repair: re-applies what drifted on an active network. */
async function repair(ctx: CommandContext): Promise<void> {
  const id = str(ctx.args.network);
  const n = await getNetwork(ctx, id);
  const r = await ctx.request<RepairResponse>(
    'POST',
    `/v1/networks/${enc(id)}/repair`,
    undefined,
    `Failed to repair network ${n.name}`,
  );
  if (printJson(ctx, r)) return;
  if (r.repaired.length === 0) ctx.extra(`Network ${n.name} needs no repair\n`);
  else ctx.extra(`Network ${n.name} repaired: ${r.repaired.map((p) => p.what).join('; ')}\n`);
}

export const COMMANDS: CommandTable = {
  'net-define': fromFile('/v1/networks', 'define', 'defined'),
  'net-create': fromFile('/v1/networks?transient=1', 'create', 'created'),
  'net-undefine': onNetwork('DELETE', '', 'undefine', 'has been undefined'),
  'net-start': {
    run: (ctx) => (ctx.args.repair ? repair(ctx) : startNetwork.run(ctx)),
  },
  'net-destroy': onNetwork('POST', '/destroy', 'destroy', 'destroyed'),
  'net-autostart': {
    async run(ctx) {
      const id = str(ctx.args.network);
      const n = await getNetwork(ctx, id);
      const on = !ctx.args.disable;
      await ctx.request(
        'PUT',
        `/v1/networks/${enc(id)}/autostart`,
        JSON.stringify({ autostart: on }),
        on
          ? `failed to mark network ${n.name} as autostarted`
          : `failed to unmark network ${n.name} as autostarted`,
      );
      ctx.extra(
        on ? `Network ${n.name} marked as autostarted\n` : `Network ${n.name} unmarked as autostarted\n`,
      );
    },
  },
};
