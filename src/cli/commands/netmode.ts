// virtnet netmode NAME | --libvirt-xml FILE: which networking mode a network, guest or device uses, and why.

import { explainLibvirtXml, type NetmodeReport } from '../../model/netmode.js';
import type { Command, CommandTable } from '../command.js';
import { enc, readInputFile } from '../command-kit.js';
import { CliError } from '../errors.js';

export function formatNetmode(r: NetmodeReport): string {
  const out = [r.summary, ''];
  out.push('Evidence:', ...r.evidence.map((e) => `  - ${e}`));
  if (r.problems.length)
    out.push('', 'Host disagrees with the definition:', ...r.problems.map((p) => `  ! ${p}`));
  return `${out.join('\n')}\n`;
}

const netmode: Command = {
  async run(ctx) {
    const file = ctx.args['libvirt-xml'];
    let r: NetmodeReport;
    if (typeof file === 'string') {
      r = explainLibvirtXml(readInputFile(file), file);
    } else {
      const name = typeof ctx.args.name === 'string' ? ctx.args.name : '';
      if (!name) throw new CliError(['netmode needs a network, guest or device name, or --libvirt-xml FILE']);
      r = await ctx.request<NetmodeReport>('GET', `/v1/netmode/${enc(name)}`);
    }
    if (ctx.args.json) ctx.out(`${JSON.stringify(r, null, 2)}\n`);
    else ctx.out(formatNetmode(r));
    // the answer stands, but it is in doubt: scripts must notice
    if (r.problems.length) throw new CliError([]);
  },
};

export const COMMANDS: CommandTable = { netmode };
