// virtnet netmode NAME | --libvirt-xml FILE: which networking mode a network, guest or device uses, and why.

import { readFileSync } from 'node:fs';
import { explainLibvirtXml, type NetmodeReport } from '../model/netmode.js';
import type { Command } from './commands.js';
import { CliError } from './errors.js';

export function formatNetmode(r: NetmodeReport): string {
  const out = [r.summary, ''];
  out.push('Evidence:', ...r.evidence.map((e) => `  - ${e}`));
  if (r.problems.length)
    out.push('', 'Host disagrees with the definition:', ...r.problems.map((p) => `  ! ${p}`));
  return `${out.join('\n')}\n`;
}

export const netmodeCommand: Command = {
  specs: [
    { name: 'name', value: true, positional: true, required: false },
    { name: 'libvirt-xml', value: true, positional: false, required: false },
  ],
  async run(ctx) {
    const file = ctx.args['libvirt-xml'];
    let r: NetmodeReport;
    if (typeof file === 'string') {
      let xml: string;
      try {
        xml = readFileSync(file, 'utf8');
      } catch (e) {
        throw new CliError([`Failed to open file '${file}': ${(e as Error).message}`]);
      }
      r = explainLibvirtXml(xml, file);
    } else {
      const name = typeof ctx.args.name === 'string' ? ctx.args.name : '';
      if (!name) throw new CliError(['netmode needs a network, guest or device name, or --libvirt-xml FILE']);
      r = await ctx.request<NetmodeReport>('GET', `/v1/netmode/${encodeURIComponent(name)}`);
    }
    if (ctx.args.json) ctx.out(`${JSON.stringify(r, null, 2)}\n`);
    else ctx.out(formatNetmode(r));
    // the answer stands, but it is in doubt: scripts must notice
    if (r.problems.length) throw new CliError([]);
  },
};
