// virtnet netmode NAME | --libvirt-xml FILE: which networking mode a network, guest or device uses, and why.

import type { NetworkListResponse } from '../../api/types.js';
import { explainLibvirtXml, type NetmodeReport, type XmlContext } from '../../model/netmode.js';
import { ConnectError } from '../client.js';
import type { Command, CommandContext, CommandTable } from '../command.js';
import { enc, readInputFile } from '../command-kit.js';
import { CliError } from '../errors.js';
import { kernelNetmode } from '../netmode-kernel.js';

export function formatNetmode(r: NetmodeReport): string {
  const out = [r.summary, ''];
  out.push('Evidence:', ...r.evidence.map((e) => `  - ${e}`));
  if (r.problems.length)
    out.push('', 'Host disagrees with the definition:', ...r.problems.map((p) => `  ! ${p}`));
  return `${out.join('\n')}\n`;
}

/** virtnet's networks, or why they are not known (the daemon does not answer). */
async function knownNetworks(ctx: CommandContext): Promise<XmlContext> {
  try {
    const r = await ctx.request<NetworkListResponse>('GET', '/v1/networks');
    return { networks: r.networks };
  } catch (e) {
    if (e instanceof ConnectError) return { networksUnknown: `virtnetd does not answer: ${e.message}` };
    throw e;
  }
}

const netmode: Command = {
  async run(ctx) {
    const file = ctx.args['libvirt-xml'];
    let r: NetmodeReport;
    if (typeof file === 'string') {
      const xml = readInputFile(file);
      r = explainLibvirtXml(xml, file, /<domain[\s>]/.test(xml) ? await knownNetworks(ctx) : {});
    } else {
      const name = typeof ctx.args.name === 'string' ? ctx.args.name : '';
      if (!name) throw new CliError(['netmode needs a network, guest or device name, or --libvirt-xml FILE']);
      try {
        r = await ctx.request<NetmodeReport>('GET', `/v1/netmode/${enc(name)}`);
      } catch (e) {
        if (!(e instanceof ConnectError)) throw e;
        const { listHostDevices } = await import('../../host/devices.js');
        r = kernelNetmode(name, listHostDevices(), e.message);
      }
    }
    if (ctx.args.json) ctx.out(`${JSON.stringify(r, null, 2)}\n`);
    else ctx.out(formatNetmode(r));
    // the answer stands, but it is in doubt: scripts must notice
    if (r.problems.length) throw new CliError([]);
  },
};

export const COMMANDS: CommandTable = { netmode };
