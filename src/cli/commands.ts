// The net-* commands: each turns parsed options into API calls and virsh 9.0's output.

import { readFileSync } from 'node:fs';
import type {
  ChangePlan,
  LeaseListResponse,
  NetworkEvent,
  NetworkInfo,
  NetworkListResponse,
} from '../api/types.js';
import { UPDATE_SECTIONS, type UpdateSection } from '../model/network-update.js';
import type { ApiClient } from './client.js';
import { doctorCommand } from './doctor-command.js';
import { CliError } from './errors.js';
import {
  caseCmp,
  formatChangePlan,
  formatLeases,
  formatNetInfo,
  formatNetList,
  formatTable,
} from './format.js';
import { FORWARD_COMMANDS } from './forward-commands.js';
import { GUEST_COMMANDS } from './guest-commands.js';
import { netmodeCommand } from './netmode-command.js';
import type { OptionSpec, ParsedArgs } from './options.js';
import { OVERLAY_COMMANDS } from './overlay-commands.js';
import { PORT_COMMANDS } from './port-commands.js';

export interface CommandContext {
  client: ApiClient;
  /** vshPrint: always printed. */
  out: (text: string) => void;
  /** vshPrintExtra: informational, suppressed by -q. */
  extra: (text: string) => void;
  quiet: boolean;
  args: ParsedArgs;
  request: <T>(method: string, path: string, body?: string, failure?: string) => Promise<T>;
}

export interface Command {
  run: (ctx: CommandContext) => Promise<void>;
  /** Used only when there is no virsh help text for the command. */
  specs?: OptionSpec[];
}

const enc = encodeURIComponent;
const str = (v: string | boolean | undefined) => (typeof v === 'string' ? v : '');

function readXmlFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const reason = err.code === 'ENOENT' ? 'No such file or directory' : err.message;
    throw new CliError([`Failed to open file '${file}': ${reason}`]);
  }
}

/** Looks a network up by name or UUID the way virsh reports failures. */
async function getNetwork(ctx: CommandContext, id: string): Promise<NetworkInfo> {
  return ctx.request<NetworkInfo>(
    'GET',
    `/v1/networks/${enc(id)}`,
    undefined,
    `failed to get network '${id}'`,
  );
}

function json(ctx: CommandContext, value: unknown): boolean {
  if (!ctx.args.json) return false;
  ctx.out(`${JSON.stringify(value, null, 2)}\n`);
  return true;
}

/** virTimeStringNowRaw: UTC `YYYY-MM-DD HH:MM:SS.mmm+0000`. */
export function rawTimestamp(d: Date): string {
  return `${d.toISOString().replace('T', ' ').replace('Z', '')}+0000`;
}

/** --dry-run: ask for the plan instead of the change and print it (or its JSON). */
async function dryRun(
  ctx: CommandContext,
  method: string,
  path: string,
  body?: string,
  failure?: string,
): Promise<void> {
  const plan = await ctx.request<ChangePlan>(method, path, body, failure);
  if (json(ctx, plan)) return;
  ctx.out(formatChangePlan(plan));
}

/** net-undefine, net-start, net-destroy: look the network up, make one request on it, report as virsh does. */
function onNetwork(method: string, action: string, verb: string, done: string): Command {
  return {
    async run(ctx) {
      const id = str(ctx.args.network);
      const n = await getNetwork(ctx, id);
      if (ctx.args['dry-run']) return dryRun(ctx, method, `/v1/networks/${enc(id)}${action}?dryRun=1`);
      await ctx.request(
        method,
        `/v1/networks/${enc(id)}${action}`,
        undefined,
        `Failed to ${verb} network ${n.name}`,
      );
      ctx.extra(`Network ${n.name} ${done}\n`);
    },
  };
}

const startNetwork = onNetwork('POST', '/start', 'start', 'started');

/** net-define and net-create: send an XML file, report as virsh does. */
function fromFile(path: string, verb: string, done: string): Command {
  return {
    async run(ctx) {
      const file = str(ctx.args.file);
      const xml = readXmlFile(file);
      if (ctx.args['dry-run']) {
        return dryRun(
          ctx,
          'POST',
          `${path}${path.includes('?') ? '&' : '?'}dryRun=1`,
          xml,
          `Failed to ${verb} network from ${file}`,
        );
      }
      const n = await ctx.request<NetworkInfo>('POST', path, xml, `Failed to ${verb} network from ${file}`);
      if (json(ctx, n)) return;
      ctx.extra(`Network ${n.name} ${done} from ${file}\n`);
    },
  };
}

const EVENT_TEXT: Record<string, string> = {
  defined: 'Defined',
  undefined: 'Undefined',
  started: 'Started',
  stopped: 'Stopped',
};

export const COMMANDS: Record<string, Command> = {
  'net-list': {
    async run(ctx) {
      const a = ctx.args;
      const q = ['all', 'inactive', 'persistent', 'transient', 'autostart', 'no-autostart']
        .filter((f) => a[f])
        .map((f) => `${f}=1`)
        .join('&');
      if (Number(!!a.table) + Number(!!a.name) + Number(!!a.uuid) > 1) {
        throw new CliError(['Only one argument from --table, --name and --uuid may be specified.']);
      }
      const { networks } = await ctx.request<NetworkListResponse>('GET', `/v1/networks${q ? `?${q}` : ''}`);
      if (json(ctx, networks)) return;
      if (a.name || a.uuid) {
        const sorted = [...networks].sort((x, y) => caseCmp(x.name, y.name));
        for (const n of sorted) ctx.out(`${a.uuid ? n.uuid : n.name}\n`);
        return;
      }
      ctx.out(formatNetList(networks, ctx.quiet));
    },
  },
  'net-info': {
    async run(ctx) {
      const n = await getNetwork(ctx, str(ctx.args.network));
      if (json(ctx, n)) return;
      ctx.out(formatNetInfo(n));
    },
  },
  'net-uuid': {
    async run(ctx) {
      const id = str(ctx.args.network);
      const n = await getNetwork(ctx, id);
      // virsh net-uuid looks networks up by name only
      if (n.name !== id) {
        throw new CliError([
          `failed to get network '${id}'`,
          `Network not found: no network with matching name '${id}'`,
        ]);
      }
      if (json(ctx, { uuid: n.uuid })) return;
      ctx.out(`${n.uuid}\n`);
    },
  },
  'net-name': {
    async run(ctx) {
      const id = str(ctx.args.network);
      // virsh net-name looks networks up by UUID only, and only tries strings of a UUID's length
      if (id.length !== 36) throw new CliError([`failed to get network '${id}'`]);
      const n = await getNetwork(ctx, id);
      if (n.uuid.toLowerCase() !== id.toLowerCase()) {
        throw new CliError([
          `failed to get network '${id}'`,
          `Network not found: no network with matching uuid '${id}'`,
        ]);
      }
      if (json(ctx, { name: n.name })) return;
      ctx.out(`${n.name}\n`);
    },
  },
  'net-dumpxml': {
    async run(ctx) {
      const id = str(ctx.args.network);
      await getNetwork(ctx, id);
      const xml = await ctx.request<string>(
        'GET',
        `/v1/networks/${enc(id)}/xml${ctx.args.inactive ? '?inactive=1' : ''}`,
      );
      if (json(ctx, { xml })) return;
      ctx.out(xml);
    },
  },
  'net-define': fromFile('/v1/networks', 'define', 'defined'),
  'net-create': fromFile('/v1/networks?transient=1', 'create', 'created'),
  'net-undefine': onNetwork('DELETE', '', 'undefine', 'has been undefined'),
  'net-start': {
    async run(ctx) {
      if (!ctx.args.repair) return startNetwork.run(ctx);
      const id = str(ctx.args.network);
      const n = await getNetwork(ctx, id);
      const r = await ctx.request<{ repaired: Array<{ what: string }> }>(
        'POST',
        `/v1/networks/${enc(id)}/repair`,
        undefined,
        `Failed to repair network ${n.name}`,
      );
      if (json(ctx, r)) return;
      if (r.repaired.length === 0) ctx.out(`Network ${n.name} needs no repair\n`);
      else ctx.out(`Network ${n.name} repaired: ${r.repaired.map((p) => p.what).join('; ')}\n`);
    },
  },
  'net-destroy': onNetwork('POST', '/destroy', 'destroy', 'destroyed'),
  'net-update': {
    async run(ctx) {
      const a = ctx.args;
      const id = str(a.network);
      const n = await getNetwork(ctx, id);
      const command = str(a.command);
      const section = str(a.section);
      if (!['add', 'add-first', 'add-last', 'delete', 'modify'].includes(command)) {
        throw new CliError([`unrecognized command name '${command}'`]);
      }
      if (!UPDATE_SECTIONS.includes(section as UpdateSection)) {
        throw new CliError([`unrecognized section name '${section}'`]);
      }
      // virsh: an argument that does not start with '<' names a file holding the element
      const arg = str(a.xml);
      const xml = arg.startsWith('<') ? arg : readXmlFile(arg);
      const body: Record<string, unknown> = { command, section, xml };
      if (a['parent-index'] !== undefined) {
        const index = Number(a['parent-index']);
        if (!Number.isInteger(index)) {
          throw new CliError([
            `Numeric value '${str(a['parent-index'])}' for <parent-index> option is malformed or out of range`,
          ]);
        }
        body.parentIndex = index;
      }
      const current = !!a.current;
      if (current && (a.live || a.config)) {
        throw new CliError([`Options --current and --${a.live ? 'live' : 'config'} are mutually exclusive`]);
      }
      if (a.live) body.live = true;
      if (a.config) body.config = true;
      const info = await ctx.request<NetworkInfo>(
        'POST',
        `/v1/networks/${enc(id)}/update`,
        JSON.stringify(body),
        `Failed to update network ${n.name}`,
      );
      if (json(ctx, info)) return;
      const live = !!a.live || (!a.config && n.active);
      const config = !!a.config || (!a.live && !n.active);
      ctx.extra(
        config && live
          ? `Updated network ${n.name} persistent config and live state\n`
          : config
            ? `Updated network ${n.name} persistent config\n`
            : `Updated network ${n.name} live state\n`,
      );
    },
  },
  'net-autostart': {
    async run(ctx) {
      const id = str(ctx.args.network);
      const n = await getNetwork(ctx, id);
      const on = !ctx.args.disable;
      await ctx.request(
        'PUT',
        `/v1/networks/${enc(id)}/autostart`,
        JSON.stringify({ autostart: on }),
        on
          ? `failed to mark network ${n.name} as autostarted`
          : `failed to unmark network ${n.name} as autostarted`,
      );
      ctx.extra(
        on ? `Network ${n.name} marked as autostarted\n` : `Network ${n.name} unmarked as autostarted\n`,
      );
    },
  },
  'net-dhcp-leases': {
    async run(ctx) {
      const id = str(ctx.args.network);
      await getNetwork(ctx, id);
      const mac = str(ctx.args.mac);
      const { leases } = await ctx.request<LeaseListResponse>(
        'GET',
        `/v1/networks/${enc(id)}/leases${mac ? `?mac=${enc(mac)}` : ''}`,
        undefined,
        `Failed to get leases info for ${id}`,
      );
      if (json(ctx, leases)) return;
      ctx.out(formatLeases(leases, ctx.quiet));
    },
  },
  'net-edit': {
    async run(ctx) {
      // loaded here only: keeps start-up of the other commands light
      const { spawnSync } = await import('node:child_process');
      const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
      const { tmpdir } = await import('node:os');
      const { join } = await import('node:path');
      const { createInterface } = await import('node:readline');
      const id = str(ctx.args.network);
      const n = await getNetwork(ctx, id);
      const xmlPath = `/v1/networks/${enc(n.uuid)}/xml?inactive=1`;
      let original = await ctx.request<string>('GET', xmlPath);
      const dir = mkdtempSync(join(tmpdir(), 'virtnet-edit-'));
      const file = join(dir, `${n.name}.xml`);
      writeFileSync(file, original);
      const editor = process.env.VISUAL || process.env.EDITOR || 'vi';
      let answers: AsyncIterator<string> | undefined;
      let rl: ReturnType<typeof createInterface> | undefined;
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
          // virsh answers anything else with its help text and asks again
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
            ctx.out(`Network ${n.name} XML configuration not changed.\n`);
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
              ctx.out(`Network ${d.name} XML configuration edited.\n`);
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
    },
  },
  'net-event': {
    async run(ctx) {
      const a = ctx.args;
      if (a.list) {
        ctx.out('lifecycle\n');
        return;
      }
      const eventName = str(a.event);
      if (!eventName) throw new CliError(['either --list or --event <type> is required']);
      if (eventName !== 'lifecycle') throw new CliError([`unknown event type ${eventName}`]);
      let timeout = 0;
      if (a.timeout !== undefined) {
        const t = str(a.timeout);
        timeout = /^\d+$/.test(t) ? Number(t) : -1;
        if (timeout <= 0 || timeout > 2147483) {
          throw new CliError([`Numeric value '${t}' for <timeout> option is malformed or out of range`]);
        }
      }
      const netFilter = a.network ? await getNetwork(ctx, str(a.network)) : undefined;
      let count = 0;
      const how = await new Promise<'done' | 'timeout' | 'interrupt'>((resolve, reject) => {
        let stopper: (() => void) | undefined;
        const finish = (why: 'done' | 'timeout' | 'interrupt') => {
          stopper?.();
          resolve(why);
        };
        ctx.client
          .events((type, data) => {
            if (type !== 'network' || (!a.loop && count > 0)) return;
            const e = JSON.parse(data) as NetworkEvent;
            const text = EVENT_TEXT[e.type];
            if (!text || (netFilter && e.uuid !== netFilter.uuid)) return;
            count++;
            // Streamed as they arrive: the command may run for a long time.
            if (a.json) process.stdout.write(`${JSON.stringify(e)}\n`);
            else {
              const stamp = a.timestamp ? `${rawTimestamp(new Date())}: ` : '';
              process.stdout.write(`${stamp}event 'lifecycle' for network ${e.name}: ${text}\n`);
            }
            if (!a.loop) finish('done');
          })
          .then(({ stop, done }) => {
            stopper = stop;
            done.then(() => resolve('done'), reject);
            if (timeout > 0) setTimeout(() => finish('timeout'), timeout * 1000).unref();
            process.once('SIGINT', () => finish('interrupt'));
          }, reject);
      });
      if (a.json) {
        if (count === 0) throw new CliError([]);
        return;
      }
      if (how === 'timeout') ctx.out('event loop timed out\n');
      if (how === 'interrupt') ctx.out('event loop interrupted\n');
      ctx.out(`events received: ${count}\n`);
      // virsh fails (without a message) when nothing arrived.
      if (count === 0) throw new CliError([]);
    },
  },
  doctor: doctorCommand,
  ...FORWARD_COMMANDS,
  ...PORT_COMMANDS,
  ...GUEST_COMMANDS,
  ...OVERLAY_COMMANDS,
  netmode: netmodeCommand,
  help: {
    specs: [{ name: 'command', value: true, positional: true, required: false }],
    async run(ctx) {
      const { readHelp } = await import('./main.js');
      const topic = str(ctx.args.command);
      const text = readHelp(topic || '_network');
      if (!text) throw new CliError([`command or command group '${topic}' doesn't exist`]);
      ctx.out(text.replace(/\n$/, ''));
    },
  },
};

export { formatTable };
