// `virtnet doctor [--json]`: the daemon's host check (GET /v1/doctor), or a local one when it is unreachable.

import type { DoctorReport, Finding } from '../../doctor/checks.js';
import { ConnectError } from '../client.js';
import type { Command, CommandContext, CommandTable } from '../command.js';
import { CliError } from '../errors.js';

/** Without a daemon: probe this host alone (no network definitions to judge). */
async function localReport(ctx: CommandContext): Promise<DoctorReport> {
  // loaded here only: keeps start-up of the other commands light
  const { diagnose, report } = await import('../../doctor/checks.js');
  const { probeHost } = await import('../../host/doctor-probe.js');
  const unreachable: Finding = {
    id: 'daemon-unreachable',
    severity: 'warning',
    message: `virtnetd is not reachable at ${ctx.client.socketPath}: checked the host only, not the networks`,
    fix: 'start virtnetd (systemctl start virtnetd) or pass -c unix:SOCKET',
  };
  return report([unreachable, ...diagnose(await probeHost(), [])]);
}

const doctor: Command = {
  async run(ctx) {
    let r: DoctorReport;
    try {
      r = await ctx.request<DoctorReport>('GET', '/v1/doctor', undefined, 'failed to run the host check');
    } catch (e) {
      if (!(e instanceof ConnectError)) throw e;
      r = await localReport(ctx);
    }
    if (ctx.args.json) ctx.out(`${JSON.stringify(r, null, 2)}\n`);
    else {
      for (const f of r.findings) ctx.out(`${f.severity}: ${f.message}\n${f.fix ? `  fix: ${f.fix}\n` : ''}`);
      if (r.findings.length === 0) ctx.extra('All checks passed.\n');
    }
    // fails without an `error:` line of its own: the findings are the message
    if (!r.ok) throw new CliError([]);
  },
};

export const COMMANDS: CommandTable = { doctor };
