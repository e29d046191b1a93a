// The one executor interface: the real one (src/host/real-executor.ts) changes the host, the recording one
// (src/host/recording-executor.ts) writes a transcript and keeps a fake host; both run the same steps.

import type { Action, Step } from './steps.js';

export interface ActionResult {
  ok: boolean;
  stdout?: string;
  stderr?: string;
  /** spawn: the PID of the started process. */
  pid?: number;
}

/** An action that failed, with what a person needs: the command and its error output. */
export class ActionFailed extends Error {
  constructor(
    readonly action: Action,
    readonly reason: string,
  ) {
    super(reason);
  }
}

export interface Executor {
  /** Runs one action of `step`; throws ActionFailed on failure unless the action may fail. */
  run(action: Action, step?: Step): Promise<ActionResult>;
  /** Step boundaries: the recording executor groups its transcript by step and updates its fake host. */
  stepStarted?(step: Step, phase: 'do' | 'undo'): void;
  stepFinished?(step: Step, phase: 'do' | 'undo', ok: boolean): void;
}

/** The argv an action amounts to, for messages ("nft -f -", "dnsmasq --conf-file=…"). */
export function actionCommand(a: Action): string {
  switch (a.kind) {
    case 'exec':
      return a.argv.join(' ');
    case 'nft':
      return 'nft -f -';
    case 'write':
      return `write ${a.path}`;
    case 'remove':
      return `remove ${a.path}`;
    case 'sysctl':
      return `sysctl -w ${a.key.replace(/\//g, '.')}=${a.value}`;
    case 'spawn':
      return `${a.argv.join(' ')}${a.muteRouteEvents ? '  # then off address and route events' : ''}`;
    case 'signal':
      return `kill -${a.signal.slice(3)} ${a.pid ?? `$(cat ${a.process.pidFile})`}`;
    case 'stop-process':
      return `kill -TERM ${a.pid ?? `$(cat ${a.process.pidFile})`}`;
    case 'hook':
      return `network hooks ${a.args.join(' ')}`;
  }
}
