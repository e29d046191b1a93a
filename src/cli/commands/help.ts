// help [COMMAND|GROUP]: virsh's help texts for virsh's commands, virtnet's (in virsh's format) for its own.

import type { CommandTable } from '../command.js';
import { str } from '../command-kit.js';
import { CliError } from '../errors.js';
import { allGroupsHelp, commandHelp, groupHelp, isHelpGroup } from '../help-texts.js';

export const COMMANDS: CommandTable = {
  help: {
    async run(ctx) {
      const topic = str(ctx.args.command);
      const text = !topic ? allGroupsHelp() : isHelpGroup(topic) ? groupHelp(topic) : commandHelp(topic);
      if (!text) throw new CliError([`command or command group '${topic}' doesn't exist`]);
      ctx.out(text.replace(/\n$/, ''));
    },
  },
};
