// virsh net-edit: the definition in $VISUAL/$EDITOR, redefined when changed; on failure virsh's
// `Failed. Try again? [y,n,f,?]:` (answers read from stdin even when it is not a terminal, so it can be scripted).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { NetworkInfo } from '../../api/types.js';
import type { CommandContext, CommandTable } from '../command.js';
import { enc, getNetwork, str } from '../command-kit.js';
import { CliError } from '../errors.js';

const ANSWER_HELP =
  'y - yes, start editor again\nn - no, throw away my changes\nf - force, try to redefine again\n? - print this help\n';

/** Asks virsh's question until it gets y, n or f; the end of stdin answers n. */
function asker(): { ask: () => Promise<string>; close: () => void } {
  let rl: ReturnType<typeof createInterface> | undefined;
  let answers: AsyncIterator<string> | undefined;
  return {
    async ask() {
      for (;;) {
        process.stdout.write('Failed. Try again? [y,n,f,?]:');
        if (!rl) {
          rl = createInterface({ input: process.stdin, terminal: false });
          answers = rl[Symbol.asyncIterator]();
        }
        const r = await answers?.next();
        if (!r || r.done) return 'n';
        const c = r.value.trim().toLowerCase();
        if (c === 'y' || c === 'n' || c === 'f') return c;
        // virsh answers anything else with its help text and asks again
        process.stdout.write(ANSWER_HELP);
      }
    },
    close: () => rl?.close(),
  };
}

async function edit(ctx: CommandContext): Promise<void> {
  const n = await getNetwork(ctx, str(ctx.args.network));
  const xmlPath = `/v1/networks/${enc(n.uuid)}/xml?inactive=1`;
  let original = await ctx.request<string>('GET', xmlPath);
  const dir = mkdtempSync(join(tmpdir(), 'virtnet-edit-'));
  const file = join(dir, `${n.name}.xml`);
  writeFileSync(file, original);
  const editor = process.env.VISUAL || process.env.EDITOR || 'vi';
  const question = asker();
  try {
    let runEditor = true;
    for (;;) {
      if (runEditor) {
        const r = spawnSync('/bin/sh', ['-c', `${editor} "$1"`, 'sh', file], { stdio: 'inherit' });
        if (r.status !== 0)
          throw new CliError([`Child process (${editor} ${file}) unexpected exit status ${r.status}`]);
      }
      const edited = readFileSync(file, 'utf8');
      if (runEditor && edited === original) {
        ctx.extra(`Network ${n.name} XML configuration not changed.\n`);
        return;
      }
      let failure: string[];
      const current = await ctx.request<string>('GET', xmlPath);
      if (current !== original) {
        // someone redefined it meanwhile: virsh asks before overwriting
        original = current;
        failure = ['The XML configuration was changed by another user.'];
      } else {
        try {
          const d = await ctx.request<NetworkInfo>('POST', '/v1/networks', edited);
          ctx.extra(`Network ${d.name} XML configuration edited.\n`);
          return;
        } catch (e) {
          failure = e instanceof CliError ? e.lines : [(e as Error).message];
        }
      }
      process.stderr.write(failure.map((l) => `error: ${l}\n`).join(''));
      const c = await question.ask();
      if (c === 'n') throw new CliError([]);
      runEditor = c === 'y';
    }
  } finally {
    question.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const COMMANDS: CommandTable = { 'net-edit': { run: edit } };
