// Small helpers the command modules share: option values, --json output, input files, network lookups.

import { readFileSync } from 'node:fs';
import type { NetworkInfo } from '../api/types.js';
import type { CommandContext } from './command.js';
import { CliError } from './errors.js';

export const enc = encodeURIComponent;

/** An option's value as a string ('' when absent or a flag). */
export const str = (v: string | boolean | undefined): string => (typeof v === 'string' ? v : '');

/** With --json: prints the value pretty-printed and returns true, so the caller stops there. */
export function printJson(ctx: CommandContext, value: unknown): boolean {
  if (!ctx.args.json) return false;
  ctx.out(`${JSON.stringify(value, null, 2)}\n`);
  return true;
}

/** Reads a file named on the command line, failing as virsh does. */
export function readInputFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const reason = err.code === 'ENOENT' ? 'No such file or directory' : err.message;
    throw new CliError([`Failed to open file '${file}': ${reason}`]);
  }
}

/** Looks a network up by name or UUID the way virsh reports failures. */
export async function getNetwork(ctx: CommandContext, id: string): Promise<NetworkInfo> {
  return ctx.request<NetworkInfo>(
    'GET',
    `/v1/networks/${enc(id)}`,
    undefined,
    `failed to get network '${id}'`,
  );
}

export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;');
}
