// Runs one command: its options parsed from its help text, its module loaded, its output collected and its
// failures printed as virsh prints them (`error: ...` lines on stderr, exit status 1).

import type { ApiErrorBody } from '../api/types.js';
import { type ApiClient, ConnectError } from './client.js';
import type { CommandContext } from './command.js';
import { CliError } from './errors.js';
import { commandHelp } from './help-texts.js';
import { loadCommand } from './load-command.js';
import { type OptionSpec, parseCommandArgs, specsFromHelp } from './options.js';

const flag = (name: string): OptionSpec => ({ name, value: false, positional: false, required: false });

/** virtnet's additions to virsh's option tables (virsh's help texts stay as virsh prints them). */
const EXTRA_OPTIONS: Record<string, OptionSpec[]> = {
  'net-start': [flag('repair'), flag('dry-run')],
  'net-define': [flag('dry-run')],
  'net-create': [flag('dry-run')],
  'net-destroy': [flag('dry-run')],
  'net-undefine': [flag('dry-run')],
  'net-event': [flag('all')],
};
/** Every command takes --json (read commands print JSON, changes print what they made). */
const JSON_OPTION = flag('json');

/** The options `name` accepts: its help text's table, virtnet's additions, --json. */
export function optionTable(name: string, help: string): OptionSpec[] {
  const specs = [...specsFromHelp(help), ...(EXTRA_OPTIONS[name] ?? [])];
  if (!specs.some((s) => s.name === 'json')) specs.push(JSON_OPTION);
  return specs;
}

/** Runs one command; appends stdout text to `out`, writes errors to stderr; returns the exit status. */
export async function runCommand(
  name: string,
  argv: string[],
  client: ApiClient,
  out: string[],
  quiet = false,
): Promise<number> {
  const help = commandHelp(name);
  const cmd = help === undefined ? undefined : await loadCommand(name);
  if (!cmd || help === undefined) {
    process.stderr.write(`error: unknown command: '${name}'\n`);
    return 1;
  }
  if (argv.includes('--help') || argv.includes('-h')) {
    // like `virsh CMD --help`
    out.push(help.replace(/\n$/, ''));
    if (!quiet) out.push('\n');
    return 0;
  }
  const ctx: CommandContext = {
    client,
    out: (s) => out.push(s),
    extra: (s) => {
      if (!quiet) out.push(s);
    },
    quiet,
    args: {},
    request,
  };
  try {
    ctx.args = parseCommandArgs(name, optionTable(name, help), argv);
  } catch (e) {
    // virsh rejects bad options while parsing, before running anything: no trailing empty line
    process.stderr.write(`error: ${(e as Error).message}\n`);
    return 1;
  }
  try {
    await cmd.run(ctx);
    if (!quiet) out.push('\n');
    return 0;
  } catch (e) {
    const lines =
      e instanceof CliError
        ? e.lines
        : e instanceof ConnectError
          ? [
              'failed to connect to the hypervisor',
              `Failed to connect socket to '${client.socketPath}': ${e.message}`,
            ]
          : [(e as Error).message];
    process.stderr.write(lines.map((l) => `error: ${l}\n`).join(''));
    if (!quiet && !(e instanceof ConnectError)) out.push('\n');
    return 1;
  }

  async function request<T>(method: string, path: string, body?: string, failure?: string): Promise<T> {
    const res = await client.call(
      method,
      path,
      body,
      body?.startsWith('{') ? 'application/json' : 'application/xml',
    );
    if (res.status >= 400) {
      let message = res.body;
      try {
        message = (JSON.parse(res.body) as { error: ApiErrorBody }).error.message;
      } catch {
        // not JSON: print the body as is
      }
      throw new CliError(failure ? [failure, message] : [message]);
    }
    if (res.contentType.includes('json')) return JSON.parse(res.body) as T;
    return res.body as T;
  }
}
