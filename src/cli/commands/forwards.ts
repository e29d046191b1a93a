// net-forward-add, net-forward-list, net-forward-delete: port forwards into NAT networks (virtnet's own commands,
// in virsh's style: a table for people, --json for scripts, --dry-run shows the host changes without making them).

import type { ForwardChangeResponse, ForwardInfo } from '../../api/types.js';
import type { CommandContext, CommandTable } from '../command.js';
import { enc, str } from '../command-kit.js';
import { CliError } from '../errors.js';
import { formatChangePlan, formatTable } from '../format.js';

function portRange(text: string, what: string): [number, number | undefined] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!m) throw new CliError([`${what} must be PORT or PORT-PORT, not '${text}'`]);
  return [Number(m[1]), m[2] === undefined ? undefined : Number(m[2])];
}

/** `--target ADDR[:PORT]` (ADDR may be a DHCP host name of the network). */
function parseTarget(text: string): { targetAddress: string; targetPort?: number } {
  const m = /^([^:]+)(?::(\d+)(?:-\d+)?)?$/.exec(text);
  if (!m?.[1]) throw new CliError([`--target must be ADDRESS[:PORT], not '${text}'`]);
  return { targetAddress: m[1], ...(m[2] ? { targetPort: Number(m[2]) } : {}) };
}

function listenLabel(f: ForwardInfo): string {
  return f.listenPortEnd ? `${f.listenPort}-${f.listenPortEnd}` : String(f.listenPort);
}

function targetLabel(f: ForwardInfo): string {
  const end = f.listenPortEnd ? `-${f.targetPort + f.listenPortEnd - f.listenPort}` : '';
  return `${f.targetAddress}:${f.targetPort}${end}`;
}

async function change(
  ctx: CommandContext,
  method: string,
  path: string,
  body: string | undefined,
  failure: string,
) {
  const dry = !!ctx.args['dry-run'];
  const sep = path.includes('?') ? '&' : '?';
  const r = await ctx.request<ForwardChangeResponse>(
    method,
    `${path}${dry ? `${sep}dryRun=1` : ''}`,
    body,
    failure,
  );
  if (ctx.args.json) {
    ctx.out(`${JSON.stringify(r, null, 2)}\n`);
    return undefined;
  }
  if (dry) {
    ctx.out(formatChangePlan(r.plan));
    return undefined;
  }
  return r;
}

export const COMMANDS: CommandTable = {
  'net-forward-add': {
    async run(ctx) {
      const a = ctx.args;
      const network = str(a.network);
      const [listenPort, listenPortEnd] = portRange(str(a['listen-port']), '--listen-port');
      const body = {
        proto: str(a.proto) || 'tcp',
        listenPort,
        ...(listenPortEnd !== undefined ? { listenPortEnd } : {}),
        ...(a['listen-address'] ? { listenAddress: str(a['listen-address']) } : {}),
        ...parseTarget(str(a.target)),
        ...(a.description ? { description: str(a.description) } : {}),
      };
      const r = await change(
        ctx,
        'POST',
        `/v1/networks/${enc(network)}/forwards`,
        JSON.stringify(body),
        `Failed to add forward to network ${network}`,
      );
      if (!r) return;
      const f = r.forward;
      ctx.extra(
        `Forward ${f.proto} ${f.listenAddress ?? '0.0.0.0'}:${listenLabel(f)} -> ${targetLabel(f)} added to network ${r.network}\n`,
      );
    },
  },
  'net-forward-delete': {
    async run(ctx) {
      const a = ctx.args;
      const network = str(a.network);
      const [port] = portRange(str(a['listen-port']), '--listen-port');
      const q = new URLSearchParams({ proto: str(a.proto) || 'tcp', listenPort: String(port) });
      if (a['listen-address']) q.set('listenAddress', str(a['listen-address']));
      const r = await change(
        ctx,
        'DELETE',
        `/v1/networks/${enc(network)}/forwards?${q}`,
        undefined,
        `Failed to delete forward from network ${network}`,
      );
      if (!r) return;
      const f = r.forward;
      ctx.extra(
        `Forward ${f.proto} ${f.listenAddress ?? '0.0.0.0'}:${listenLabel(f)} deleted from network ${r.network}\n`,
      );
    },
  },
  'net-forward-list': {
    async run(ctx) {
      const network = str(ctx.args.network);
      const { forwards } = await ctx.request<{ forwards: ForwardInfo[] }>(
        'GET',
        `/v1/networks/${enc(network)}/forwards`,
        undefined,
        `Failed to list forwards of network ${network}`,
      );
      if (ctx.args.json) {
        ctx.out(`${JSON.stringify(forwards, null, 2)}\n`);
        return;
      }
      const rows = forwards.map((f) => [
        f.proto,
        f.listenAddress ?? '0.0.0.0',
        listenLabel(f),
        targetLabel(f),
        f.hits === undefined ? '-' : String(f.hits),
        f.live && f.config ? 'live,config' : f.live ? 'live' : 'config',
        f.description ?? '',
      ]);
      ctx.out(
        formatTable(
          ['Protocol', 'Address', 'Port', 'Target', 'Hits', 'State', 'Description'],
          rows,
          ctx.quiet,
        ),
      );
    },
  },
};
