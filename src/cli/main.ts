// virtnet: the virsh-compatible command line client of virtnetd.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApiErrorBody, NetworkInfo } from '../api/types.js';
import { ApiClient, ConnectError } from './client.js';
import { COMMANDS, type CommandContext } from './commands.js';
import { CliError } from './errors.js';
import { type OptionSpec, parseCommandArgs, specsFromHelp } from './options.js';

const HELP_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../share/virsh-help');

export function readHelp(command: string): string | undefined {
  try {
    return readFileSync(join(HELP_DIR, `${command}.txt`), 'utf8');
  } catch {
    return undefined;
  }
}

const DRY_RUN: OptionSpec = { name: 'dry-run', value: false, positional: false, required: false };
const EXTRA_SPECS: Record<string, OptionSpec[]> = {
  // virtnet additions to virsh's options
  'net-start': [{ name: 'repair', value: false, positional: false, required: false }, DRY_RUN],
  'net-define': [DRY_RUN],
  'net-create': [DRY_RUN],
  'net-destroy': [DRY_RUN],
  'net-undefine': [DRY_RUN],
};
const JSON_SPEC: OptionSpec = { name: 'json', value: false, positional: false, required: false };

function usageGlobal(): string {
  return `virtnet [-c|--connect unix:PATH] [-r|--readonly] [-q|--quiet] COMMAND [OPTIONS]

  Commands (virsh-compatible): ${Object.keys(COMMANDS).join(', ')}
  Every read command accepts --json. The socket defaults to $VIRTNET_SOCKET or /run/virtnet/virtnet.sock.
`;
}

export async function main(argv: string[]): Promise<void> {
  let socket = process.env.VIRTNET_SOCKET || '/run/virtnet/virtnet.sock';
  let readonly = false;
  let quiet = false;
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '-c' || a === '--connect') socket = argv[++i] ?? '';
    else if (a.startsWith('--connect=')) socket = a.slice(10);
    else if (a === '-r' || a === '--readonly') readonly = true;
    else if (a === '-q' || a === '--quiet') quiet = true;
    else if (a === '-h' || a === '--help') {
      process.stdout.write(usageGlobal());
      return;
    } else break;
  }
  socket = socket.replace(/^unix:(\/\/)?/, '');
  if (readonly && !socket.endsWith('-ro.sock')) socket = socket.replace(/\.sock$/, '-ro.sock');
  const name = argv[i] ?? 'help';
  const rest = argv.slice(i + 1);
  const out: string[] = [];
  const code = await runCommand(name, rest, new ApiClient(socket), out, quiet);
  process.stdout.write(out.join(''));
  process.exitCode = code;
}

/** Runs one command; appends stdout text to `out`, writes errors to stderr; returns the exit status. */
export async function runCommand(
  name: string,
  argv: string[],
  client: ApiClient,
  out: string[],
  quiet = false,
): Promise<number> {
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`error: unknown command: '${name}'\n`);
    return 1;
  }
  const help = readHelp(name);
  if (help && (argv.includes('--help') || argv.includes('-h'))) {
    // like `virsh CMD --help`
    out.push(help.replace(/\n$/, ''));
    if (!quiet) out.push('\n');
    return 0;
  }
  const specs = [
    ...(help ? specsFromHelp(help) : (cmd.specs ?? [])),
    ...(EXTRA_SPECS[name] ?? []),
    JSON_SPEC,
  ];
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
    ctx.args = parseCommandArgs(name, specs, argv);
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

export type { NetworkInfo };
export { CliError };
