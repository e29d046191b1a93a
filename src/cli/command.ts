// What a CLI command is and what it gets to run: the types every command module and the dispatcher share.

import type { ApiClient } from './client.js';
import type { ParsedArgs } from './options.js';

export interface CommandContext {
  client: ApiClient;
  /** vshPrint: always printed. */
  out: (text: string) => void;
  /** vshPrintExtra: informational, suppressed by -q. */
  extra: (text: string) => void;
  quiet: boolean;
  args: ParsedArgs;
  /** One API call; an HTTP error becomes a CliError with `failure` (virsh's first line) and the API's message. */
  request: <T>(method: string, path: string, body?: string, failure?: string) => Promise<T>;
}

export interface Command {
  run: (ctx: CommandContext) => Promise<void>;
}

/** What each file under commands/ exports: its commands by name. */
export type CommandTable = Record<string, Command>;
