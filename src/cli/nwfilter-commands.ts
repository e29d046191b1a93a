// The nwfilter-* and nwfilter-binding-* commands: virsh 9.0's texts, tables and errors over the filter API.

import { readFileSync } from 'node:fs';
import type {
  NwfilterBindingInfo,
  NwfilterBindingListResponse,
  NwfilterInfo,
  NwfilterListResponse,
} from '../api/nwfilter-types.js';
import type { Command, CommandContext } from './commands.js';
import { CliError } from './errors.js';
import { caseCmp, formatTable } from './format.js';

const enc = encodeURIComponent;
const str = (v: string | boolean | undefined) => (typeof v === 'string' ? v : '');

function json(ctx: CommandContext, value: unknown): boolean {
  if (!ctx.args.json) return false;
  ctx.out(`${JSON.stringify(value, null, 2)}\n`);
  return true;
}

function readFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const reason = err.code === 'ENOENT' ? 'No such file or directory' : err.message;
    throw new CliError([`Failed to open file '${file}': ${reason}`]);
  }
}

/** virsh refuses --xpath and --wrap here only because virtnet has no XPath engine. */
function noXpath(ctx: CommandContext): void {
  if (ctx.args.xpath !== undefined || ctx.args.wrap)
    throw new CliError(['--xpath and --wrap are not supported by virtnet']);
}

/** virshCommandOptNWFilter: by UUID (when the text is as long as one), else by name. */
async function getFilter(ctx: CommandContext, id: string): Promise<NwfilterInfo> {
  return ctx.request<NwfilterInfo>(
    'GET',
    `/v1/nwfilters/${enc(id)}`,
    undefined,
    `failed to get nwfilter '${id}'`,
  );
}

async function getBinding(ctx: CommandContext, portdev: string): Promise<NwfilterBindingInfo> {
  return ctx.request<NwfilterBindingInfo>(
    'GET',
    `/v1/nwfilter-bindings/${enc(portdev)}`,
    undefined,
    `failed to get nwfilter binding '${portdev}'`,
  );
}

export const NWFILTER_COMMANDS: Record<string, Command> = {
  'nwfilter-define': {
    async run(ctx) {
      const file = str(ctx.args.file);
      const xml = readFile(file);
      const f = await ctx.request<NwfilterInfo>(
        'POST',
        '/v1/nwfilters',
        xml,
        `Failed to define network filter from ${file}`,
      );
      if (json(ctx, f)) return;
      ctx.extra(`Network filter ${f.name} defined from ${file}\n`);
    },
  },
  'nwfilter-undefine': {
    async run(ctx) {
      const id = str(ctx.args.nwfilter);
      const f = await getFilter(ctx, id);
      await ctx.request(
        'DELETE',
        `/v1/nwfilters/${enc(f.uuid)}`,
        undefined,
        `Failed to undefine network filter ${id}`,
      );
      ctx.extra(`Network filter ${id} undefined\n`);
    },
  },
  'nwfilter-dumpxml': {
    async run(ctx) {
      noXpath(ctx);
      const f = await getFilter(ctx, str(ctx.args.nwfilter));
      const xml = await ctx.request<string>('GET', `/v1/nwfilters/${enc(f.uuid)}/xml`);
      if (json(ctx, { xml })) return;
      ctx.out(xml);
    },
  },
  'nwfilter-list': {
    async run(ctx) {
      const { nwfilters } = await ctx.request<NwfilterListResponse>('GET', '/v1/nwfilters');
      const sorted = [...nwfilters].sort((a, b) => caseCmp(a.name, b.name));
      if (json(ctx, sorted)) return;
      ctx.out(
        formatTable(
          ['UUID', 'Name'],
          sorted.map((f) => [f.uuid, f.name]),
          ctx.quiet,
        ),
      );
    },
  },
  'nwfilter-edit': {
    async run(ctx) {
      const f = await getFilter(ctx, str(ctx.args.nwfilter));
      await editLoop(ctx, f.name, `/v1/nwfilters/${enc(f.uuid)}/xml`);
    },
  },
  'nwfilter-binding-create': {
    async run(ctx) {
      const file = str(ctx.args.file);
      const xml = readFile(file);
      const b = await ctx.request<NwfilterBindingInfo>(
        'POST',
        '/v1/nwfilter-bindings',
        xml,
        `Failed to create network filter from ${file}`,
      );
      if (json(ctx, b)) return;
      ctx.extra(`Network filter binding on ${b.portdev} created from ${file}\n`);
    },
  },
  'nwfilter-binding-delete': {
    async run(ctx) {
      const portdev = str(ctx.args.binding);
      await getBinding(ctx, portdev);
      await ctx.request(
        'DELETE',
        `/v1/nwfilter-bindings/${enc(portdev)}`,
        undefined,
        `Failed to delete network filter binding on ${portdev}`,
      );
      ctx.extra(`Network filter binding on ${portdev} deleted\n`);
    },
  },
  'nwfilter-binding-dumpxml': {
    async run(ctx) {
      noXpath(ctx);
      const b = await getBinding(ctx, str(ctx.args.binding));
      const xml = await ctx.request<string>('GET', `/v1/nwfilter-bindings/${enc(b.portdev)}/xml`);
      if (json(ctx, { xml })) return;
      ctx.out(xml);
    },
  },
  'nwfilter-binding-list': {
    async run(ctx) {
      const { bindings } = await ctx.request<NwfilterBindingListResponse>('GET', '/v1/nwfilter-bindings');
      const sorted = [...bindings].sort((a, b) => caseCmp(a.portdev, b.portdev));
      if (json(ctx, sorted)) return;
      ctx.out(
        formatTable(
          ['Port Dev', 'Filter'],
          sorted.map((b) => [b.portdev, b.filter]),
          ctx.quiet,
        ),
      );
    },
  },
};

/** virsh-edit.c: edit in $VISUAL/$EDITOR, redefine, and on failure ask "Failed. Try again? [y,n,f,?]:". */
async function editLoop(ctx: CommandContext, name: string, xmlPath: string): Promise<void> {
  const { spawnSync } = await import('node:child_process');
  const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { createInterface } = await import('node:readline');
  let original = await ctx.request<string>('GET', xmlPath);
  const dir = mkdtempSync(join(tmpdir(), 'virtnet-edit-'));
  const file = join(dir, `${name}.xml`);
  writeFileSync(file, original);
  const editor = process.env.VISUAL || process.env.EDITOR || 'vi';
  let rl: ReturnType<typeof createInterface> | undefined;
  let answers: AsyncIterator<string> | undefined;
  const ask = async (): Promise<string> => {
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
      process.stdout.write(
        'y - yes, start editor again\nn - no, throw away my changes\nf - force, try to redefine again\n? - print this help\n',
      );
    }
  };
  try {
    let edit = true;
    for (;;) {
      if (edit) {
        const r = spawnSync('/bin/sh', ['-c', `${editor} "$1"`, 'sh', file], { stdio: 'inherit' });
        if (r.status !== 0)
          throw new CliError([`Child process (${editor} ${file}) unexpected exit status ${r.status}`]);
      }
      const edited = readFileSync(file, 'utf8');
      if (edit && edited === original) {
        ctx.extra(`Network filter ${name} XML configuration not changed.\n`);
        return;
      }
      let failure: string[];
      const current = await ctx.request<string>('GET', xmlPath);
      if (current !== original) {
        original = current;
        failure = ['The XML configuration was changed by another user.'];
      } else {
        try {
          const d = await ctx.request<NwfilterInfo>('POST', '/v1/nwfilters', edited);
          ctx.extra(`Network filter ${d.name} XML configuration edited.\n`);
          return;
        } catch (e) {
          failure = e instanceof CliError ? e.lines : [(e as Error).message];
        }
      }
      process.stderr.write(failure.map((l) => `error: ${l}\n`).join(''));
      const c = await ask();
      if (c === 'n') throw new CliError([]);
      edit = c === 'y';
    }
  } finally {
    rl?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
