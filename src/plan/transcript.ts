// What an executor ran, step by step, and its text form: dry runs print it, goldens compare it, a real start
// records it. Pure.

import type { Action } from './steps.js';

export interface TranscriptStep {
  id: string;
  title: string;
  phase: 'do' | 'undo';
  actions: Action[];
}

const heredoc = (head: string, body: string) => `${head} <<EOF\n${body.replace(/\n$/, '')}\nEOF`;

/** One action as a person would type it (stdin as a here-document). */
export function formatAction(a: Action): string {
  switch (a.kind) {
    case 'exec': {
      const cmd = a.argv.join(' ');
      const text = a.stdin !== undefined ? heredoc(cmd, a.stdin) : cmd;
      const alt = a.orElse?.map((o) =>
        o.stdin !== undefined ? heredoc(o.argv.join(' '), o.stdin) : o.argv.join(' '),
      );
      return alt?.length ? `${text}\n# if that fails:\n${alt.join('\n')}` : text;
    }
    case 'nft':
      return heredoc('nft -f -', a.script);
    case 'write':
      return heredoc(`write ${a.path}`, a.content);
    case 'remove':
      return `rm -f ${a.path}`;
    case 'sysctl':
      return `sysctl -w ${a.key.replace(/\//g, '.')}=${a.value}`;
    case 'spawn':
      return `${a.argv.join(' ')}  # supervised: ${a.process.id}${a.muteRouteEvents ? ', off address and route events' : ''}`;
    case 'signal':
      return `kill -${a.signal.slice(3)} ${a.pid ?? `$(cat ${a.process.pidFile})`}  # ${a.process.id}`;
    case 'stop-process':
      return `kill -TERM ${a.pid ?? `$(cat ${a.process.pidFile})`}  # ${a.process.id}`;
    case 'hook':
      return [
        `# hook scripts, in order (each killed after ${a.timeoutMs / 1000} s)`,
        ...a.scripts.map((s) => heredoc(`${s} ${a.args.join(' ')}`, a.stdin)),
      ].join('\n');
  }
}

/** The transcript as text, one block per step (goldens). */
export function formatTranscript(t: TranscriptStep[]): string {
  const out: string[] = [];
  for (const s of t) {
    out.push(`== ${s.phase === 'undo' ? 'undo: ' : ''}${s.title}  [${s.id}]`);
    for (const a of s.actions) out.push(formatAction(a));
  }
  return `${out.join('\n')}\n`;
}
