// A guest's interfaces as virsh shows a domain's: domiflist, domifaddr, and dumpxml (the <interface> elements).

import type { GuestDetail } from '../../api/types.js';
import type { CommandContext, CommandTable } from '../command.js';
import { enc, printJson, str, xmlEscape } from '../command-kit.js';
import { formatTable } from '../format.js';

async function guest(ctx: CommandContext): Promise<GuestDetail> {
  const name = str(ctx.args.domain);
  return ctx.request<GuestDetail>(
    'GET',
    `/v1/guests/${enc(name)}`,
    undefined,
    `failed to get domain '${name}'`,
  );
}

/** virsh domifaddr's fixed-width rows (printf, not vsh-table); the header is informational (dropped by -q). */
export function formatDomIfAddr(
  rows: Array<{ name: string; mac: string; proto: string; addr: string }>,
  quiet = false,
): string {
  const lines = quiet
    ? []
    : [
        ` ${'Name'.padEnd(10)} ${'MAC address'.padEnd(20)} ${'Protocol'.padEnd(8)}     Address`,
        '-'.repeat(79),
      ];
  for (const r of rows)
    lines.push(` ${r.name.padEnd(10)} ${r.mac.padEnd(17)}    ${r.proto.padEnd(12)} ${r.addr}`);
  return lines.length ? `${lines.join('\n')}\n` : '';
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
    lines.push("    <interface type='network'>", `      <mac address='${p.mac}'/>`);
    const pg = p.group ? ` portgroup='${xmlEscape(p.group)}'` : '';
    const br = i.bridge ? ` bridge='${xmlEscape(i.bridge)}'` : '';
    lines.push(`      <source network='${xmlEscape(p.network)}' portid='${p.uuid}'${br}${pg}/>`);
    if (p.device) lines.push(`      <target dev='${xmlEscape(p.device.name)}'/>`);
    if (p.model) lines.push(`      <model type='${xmlEscape(p.model)}'/>`);
    // bandwidth and vlan as in the port (same element names and order as in a domain interface)
    for (const tag of ['bandwidth', 'vlan']) {
      const m = new RegExp(`  <${tag}[ >][\\s\\S]*?</${tag}>`).exec(p.xml);
      if (m) lines.push(...m[0].split('\n').map((l) => `    ${l.replace(/ classID='\d+'/, '')}`));
    }
    lines.push('    </interface>');
  }
  lines.push('  </devices>', '</domain>');
  return `${lines.join('\n')}\n`;
}

export const COMMANDS: CommandTable = {
  domiflist: {
    async run(ctx) {
      const g = await guest(ctx);
      if (
        printJson(
          ctx,
          g.interfaces.map((i) => i.port),
        )
      )
        return;
      const rows = g.interfaces.map((i) => [
        i.port.device?.name ?? '-',
        'network',
        i.port.network,
        i.port.model ?? '-',
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
      if (printJson(ctx, rows)) return;
      ctx.out(formatDomIfAddr(rows, ctx.quiet));
    },
  },
  dumpxml: {
    async run(ctx) {
      const g = await guest(ctx);
      if (printJson(ctx, g)) return;
      ctx.out(formatGuestXml(g));
    },
  },
};
