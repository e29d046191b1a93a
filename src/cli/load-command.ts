// Loads the module of one command on first use, so that a command pays only for its own code at start-up.

import type { Command, CommandTable } from './command.js';
import { COMMANDS, type CommandModule } from './registry.js';

async function loadModule(m: CommandModule): Promise<CommandTable> {
  // one literal import() per module: the bundler keeps each one lazily initialised inside the single file
  switch (m) {
    case 'network-read':
      return (await import('./commands/network-read.js')).COMMANDS;
    case 'network-lifecycle':
      return (await import('./commands/network-lifecycle.js')).COMMANDS;
    case 'network-update':
      return (await import('./commands/network-update.js')).COMMANDS;
    case 'network-edit':
      return (await import('./commands/network-edit.js')).COMMANDS;
    case 'network-event':
      return (await import('./commands/network-event.js')).COMMANDS;
    case 'ports':
      return (await import('./commands/ports.js')).COMMANDS;
    case 'nwfilters':
      return (await import('./commands/nwfilters.js')).COMMANDS;
    case 'guest-show':
      return (await import('./commands/guest-show.js')).COMMANDS;
    case 'guests':
      return (await import('./commands/guests.js')).COMMANDS;
    case 'forwards':
      return (await import('./commands/forwards.js')).COMMANDS;
    case 'netmode':
      return (await import('./commands/netmode.js')).COMMANDS;
    case 'doctor':
      return (await import('./commands/doctor.js')).COMMANDS;
    case 'import-libvirt':
      return (await import('./commands/import-libvirt.js')).COMMANDS;
    case 'help':
      return (await import('./commands/help.js')).COMMANDS;
  }
}

/** The command called `name`, or undefined when there is none. */
export async function loadCommand(name: string): Promise<Command | undefined> {
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) return undefined;
  const cmd = (await loadModule(entry.module))[name];
  if (!cmd) throw new Error(`command '${name}' is missing from commands/${entry.module}`);
  return cmd;
}
