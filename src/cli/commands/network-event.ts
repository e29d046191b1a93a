// virsh net-event: waits for network events and prints them as they arrive. virtnet adds kinds beyond virsh's
// lifecycle (lease, updated, repaired, failed: `--event KIND`, all of them with `--all`) and `--json`, which
// prints each event as one JSON object per line.

import { EVENT_KINDS, eventKind, eventLine } from '../../api/event-text.js';
import type { NetworkEvent, NetworkInfo } from '../../api/types.js';
import type { CommandContext, CommandTable } from '../command.js';
import { getNetwork, str } from '../command-kit.js';
import { CliError } from '../errors.js';
import { rawTimestamp } from '../format.js';

function parseTimeout(ctx: CommandContext): number {
  if (ctx.args.timeout === undefined) return 0;
  const t = str(ctx.args.timeout);
  const timeout = /^\d+$/.test(t) ? Number(t) : -1;
  if (timeout <= 0 || timeout > 2147483) {
    throw new CliError([`Numeric value '${t}' for <timeout> option is malformed or out of range`]);
  }
  return timeout;
}

type Ending = 'done' | 'timeout' | 'interrupt';

/** Streams events until one matched (or, with --loop, until the timeout or Ctrl-C); returns how many matched. */
async function watch(
  ctx: CommandContext,
  wanted: (e: NetworkEvent) => boolean,
  timeout: number,
): Promise<{ count: number; how: Ending }> {
  const a = ctx.args;
  let count = 0;
  const how = await new Promise<Ending>((resolve, reject) => {
    let stopper: (() => void) | undefined;
    const finish = (why: Ending) => {
      stopper?.();
      resolve(why);
    };
    ctx.client
      .events((type, data) => {
        if (type !== 'network' || (!a.loop && count > 0)) return;
        const e = JSON.parse(data) as NetworkEvent;
        if (!wanted(e)) return;
        count++;
        // written at once, not collected: the command may run for a long time
        if (a.json) process.stdout.write(`${JSON.stringify(e)}\n`);
        else {
          const stamp = a.timestamp ? `${rawTimestamp(new Date())}: ` : '';
          process.stdout.write(`${stamp}${eventLine(e)}\n`);
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
  return { count, how };
}

export const COMMANDS: CommandTable = {
  'net-event': {
    async run(ctx) {
      const a = ctx.args;
      if (a.list) {
        ctx.out(EVENT_KINDS.map((k) => `${k}\n`).join(''));
        return;
      }
      const kind = str(a.event);
      if (!kind && !a.all) throw new CliError(['either --list or --event <type> is required']);
      if (kind && !a.all && !(EVENT_KINDS as readonly string[]).includes(kind)) {
        throw new CliError([`unknown event type ${kind}`]);
      }
      const timeout = parseTimeout(ctx);
      const net: NetworkInfo | undefined = a.network ? await getNetwork(ctx, str(a.network)) : undefined;
      const wanted = (e: NetworkEvent) => (!!a.all || eventKind(e) === kind) && (!net || e.uuid === net.uuid);
      const { count, how } = await watch(ctx, wanted, timeout);
      // virsh fails (without a message) when nothing arrived
      if (a.json) {
        if (count === 0) throw new CliError([]);
        return;
      }
      if (how === 'timeout') ctx.out('event loop timed out\n');
      if (how === 'interrupt') ctx.out('event loop interrupted\n');
      ctx.out(`events received: ${count}\n`);
      if (count === 0) throw new CliError([]);
    },
  },
};
