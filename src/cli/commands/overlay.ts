// net-overlay-info: the state of a network that spans hosts, as this member's FRR sees it — peers and their BGP
// sessions, remote VTEPs, and the MACs and addresses learned through EVPN (virtnet's own command, virsh's style).

import type { OverlayReport } from '../../api/types.js';
import type { CommandTable } from '../command.js';
import { enc, printJson, str } from '../command-kit.js';
import { formatTable } from '../format.js';

/** The report as people read it: a header, the peers table, the remote guests table. */
export function formatOverlayReport(r: OverlayReport, quiet = false): string {
  const head: Array<[string, string]> = [
    ['Network:', r.network],
    ['VNI:', String(r.vni)],
    ['Local VTEP:', r.localVtep],
    ['AS:', String(r.asn)],
    ['Remote VTEPs:', r.remoteVteps.join(', ') || '-'],
    ['Learned:', `${r.learned} binding(s)`],
  ];
  let out = head.map(([k, v]) => `${k.padEnd(15)} ${v}\n`).join('');
  if (r.error) out += `${'FRR:'.padEnd(15)} ${r.error}\n`;
  out += `\n${formatTable(
    ['Peer', 'Session', 'Up', 'Routes'],
    r.peers.map((p) => [
      p.address,
      p.state,
      p.uptime ?? '-',
      p.prefixes === undefined ? '-' : String(p.prefixes),
    ]),
    quiet,
  )}`;
  out += `\n${formatTable(
    ['MAC', 'IP address', 'VTEP'],
    r.remotes.map((m) => [m.mac, m.ip ?? '-', m.vtep]),
    quiet,
  )}`;
  return out;
}

export const COMMANDS: CommandTable = {
  'net-overlay-info': {
    async run(ctx) {
      const network = str(ctx.args.network);
      const r = await ctx.request<OverlayReport>(
        'GET',
        `/v1/networks/${enc(network)}/overlay`,
        undefined,
        `Failed to get the overlay state of network ${network}`,
      );
      if (printJson(ctx, r)) return;
      ctx.out(formatOverlayReport(r, ctx.quiet));
    },
  },
};
