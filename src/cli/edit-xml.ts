// virsh's edit loop (virsh-edit.c) for net-edit and nwfilter-edit: the XML in $VISUAL/$EDITOR, redefined when
// changed; on failure virsh's `Failed. Try again? [y,n,f,?]:` (answers read from stdin even when it is not a
// terminal, so it can be scripted).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { CommandContext } from './command.js';
import { CliError } from './errors.js';

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

export interface EditTarget {
  /** How virsh names the object in its messages: 'Network', 'Network filter'. */
  noun: string;
  name: string;
  /** Where the current XML is read (before editing, and again to notice a change by someone else). */
  xmlPath: string;
  /** Redefines the object from the edited XML; returns its name. */
  define: (xml: string) => Promise<{ name: string }>;
}

export async function editXml(ctx: CommandContext, t: EditTarget): Promise<void> {
  let original = await ctx.request<string>('GET', t.xmlPath);
  const dir = mkdtempSync(join(tmpdir(), 'virtnet-edit-'));
  const file = join(dir, `${t.name}.xml`);
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
        ctx.extra(`${t.noun} ${t.name} XML configuration not changed.\n`);
        return;
      }
      let failure: string[];
      const current = await ctx.request<string>('GET', t.xmlPath);
      if (current !== original) {
        // someone redefined it meanwhile: virsh asks before overwriting
        original = current;
        failure = ['The XML configuration was changed by another user.'];
      } else {
        try {
          const d = await t.define(edited);
          ctx.extra(`${t.noun} ${d.name} XML configuration edited.\n`);
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
