// The nwfilter-* and nwfilter-binding-* commands: virsh 9.0's texts, tables and errors over the filter API.

import type {
  NwfilterBindingInfo,
  NwfilterBindingListResponse,
  NwfilterInfo,
  NwfilterListResponse,
} from '../../api/nwfilter-types.js';
import type { CommandContext, CommandTable } from '../command.js';
import { enc, printJson, readInputFile, str } from '../command-kit.js';
import { editXml } from '../edit-xml.js';
import { CliError } from '../errors.js';
import { caseCmp, formatTable } from '../format.js';

/** virsh takes --xpath and --wrap here; virtnet refuses them only because it has no XPath engine. */
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

export const COMMANDS: CommandTable = {
  'nwfilter-define': {
    async run(ctx) {
      const file = str(ctx.args.file);
      const xml = readInputFile(file);
      const f = await ctx.request<NwfilterInfo>(
        'POST',
        '/v1/nwfilters',
        xml,
        `Failed to define network filter from ${file}`,
      );
      if (printJson(ctx, f)) return;
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
      if (printJson(ctx, { xml })) return;
      ctx.out(xml);
    },
  },
  'nwfilter-list': {
    async run(ctx) {
      const { nwfilters } = await ctx.request<NwfilterListResponse>('GET', '/v1/nwfilters');
      const sorted = [...nwfilters].sort((a, b) => caseCmp(a.name, b.name));
      if (printJson(ctx, sorted)) return;
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
      await editXml(ctx, {
        noun: 'Network filter',
        name: f.name,
        xmlPath: `/v1/nwfilters/${enc(f.uuid)}/xml`,
        define: (xml) => ctx.request<NwfilterInfo>('POST', '/v1/nwfilters', xml),
      });
    },
  },
  'nwfilter-binding-create': {
    async run(ctx) {
      const file = str(ctx.args.file);
      const xml = readInputFile(file);
      const b = await ctx.request<NwfilterBindingInfo>(
        'POST',
        '/v1/nwfilter-bindings',
        xml,
        `Failed to create network filter from ${file}`,
      );
      if (printJson(ctx, b)) return;
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
      if (printJson(ctx, { xml })) return;
      ctx.out(xml);
    },
  },
  'nwfilter-binding-list': {
    async run(ctx) {
      const { bindings } = await ctx.request<NwfilterBindingListResponse>('GET', '/v1/nwfilter-bindings');
      const sorted = [...bindings].sort((a, b) => caseCmp(a.portdev, b.portdev));
      if (printJson(ctx, sorted)) return;
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
