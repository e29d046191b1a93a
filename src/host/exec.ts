// Runs host commands (argv, never a shell) and turns failures into errors that name the command and its stderr.

import { spawn } from 'node:child_process';

export interface Command {
  argv: string[];
  stdin?: string;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class CommandError extends Error {
  constructor(
    readonly command: Command,
    readonly result: CommandResult,
  ) {
    const err = result.stderr.trim() || result.stdout.trim() || `exit status ${result.code}`;
    super(`${command.argv.join(' ')}: ${err}`);
  }
}

/** Something that runs commands in another process: the daemon's spawn helper (spawn-helper.ts). */
export interface CommandRunner {
  run(cmd: Command): Promise<CommandResult>;
}

let runner: CommandRunner | undefined;

/** From now on every command of this process runs through `r` (undefined: spawned directly again). */
export function runCommandsThrough(r: CommandRunner | undefined): void {
  runner = r;
}

/** Runs a command to completion; never throws for a non-zero exit (see `run`). */
export function exec(cmd: Command): Promise<CommandResult> {
  return runner ? runner.run(cmd) : spawnCommand(cmd);
}

/** Runs a command as a child of this process. */
export function spawnCommand(cmd: Command): Promise<CommandResult> {
  return new Promise((resolve) => {
    const [file, ...args] = cmd.argv;
    const child = spawn(file as string, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => resolve({ code: 127, stdout: '', stderr: e.message }));
    child.on('close', (code) =>
      resolve({
        code: code ?? 1,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
      }),
    );
    child.stdin.on('error', () => {});
    child.stdin.end(cmd.stdin ?? '');
  });
}

/** Runs a command and throws CommandError when it fails. */
export async function run(cmd: Command): Promise<string> {
  const r = await exec(cmd);
  if (r.code !== 0) throw new CommandError(cmd, r);
  return r.stdout;
}
