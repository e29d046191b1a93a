// virsh net-update: one element of a network's definition added, deleted or modified, live and/or in config.

import type { NetworkInfo } from '../../api/types.js';
import { UPDATE_COMMANDS, UPDATE_SECTIONS } from '../../model/network-update.js';
import type { CommandTable } from '../command.js';
import { enc, getNetwork, printJson, readInputFile, str } from '../command-kit.js';
import { CliError } from '../errors.js';

export const COMMANDS: CommandTable = {
  'net-update': {
    async run(ctx) {
      const a = ctx.args;
      const id = str(a.network);
      const n = await getNetwork(ctx, id);
      const command = str(a.command);
      const section = str(a.section);
      if (!(UPDATE_COMMANDS as readonly string[]).includes(command)) {
        throw new CliError([`unrecognized command name '${command}'`]);
      }
      if (!(UPDATE_SECTIONS as readonly string[]).includes(section)) {
        throw new CliError([`unrecognized section name '${section}'`]);
      }
      // virsh: an argument that does not start with '<' names a file holding the element
      const arg = str(a.xml);
      const xml = arg.startsWith('<') ? arg : readInputFile(arg);
      const body: Record<string, unknown> = { command, section, xml };
      if (a['parent-index'] !== undefined) {
        const index = Number(a['parent-index']);
        if (!Number.isInteger(index)) {
          throw new CliError([
            `Numeric value '${str(a['parent-index'])}' for <parent-index> option is malformed or out of range`,
          ]);
        }
        body.parentIndex = index;
      }
      if (a.current && (a.live || a.config)) {
        throw new CliError([`Options --current and --${a.live ? 'live' : 'config'} are mutually exclusive`]);
      }
      if (a.live) body.live = true;
      if (a.config) body.config = true;
      const info = await ctx.request<NetworkInfo>(
        'POST',
        `/v1/networks/${enc(id)}/update`,
        JSON.stringify(body),
        `Failed to update network ${n.name}`,
      );
      if (printJson(ctx, info)) return;
      const live = !!a.live || (!a.config && n.active);
      const config = !!a.config || (!a.live && !n.active);
      ctx.extra(
        config && live
          ? `Updated network ${n.name} persistent config and live state\n`
          : config
            ? `Updated network ${n.name} persistent config\n`
            : `Updated network ${n.name} live state\n`,
      );
    },
  },
};
