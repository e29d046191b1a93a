// The runtime of `virtnetd --runtime linux`: the engine over the Linux host (real executor, probe, nft session,
// dnsmasq supervision); dry runs go through the recording executor.

import { runCommandsThrough } from '../host/exec.js';
import { createLinuxHost, type LinuxHostOptions } from '../host/linux-host.js';
import { RecordingExecutor } from '../host/recording-executor.js';
import { SpawnHelper } from '../host/spawn-helper.js';
import { Engine } from './engine.js';

export interface LinuxRuntimeOptions extends LinuxHostOptions {
  /** Routine lines (a network started, stopped); `log` gets what happens behind the daemon's back. */
  trace?: (msg: string) => void;
}

export function createLinuxRuntime(opts: LinuxRuntimeOptions): Engine {
  // the daemon's commands fork from a small helper: their cost stays flat as the daemon grows
  runCommandsThrough(new SpawnHelper());
  return new Engine(
    createLinuxHost(opts),
    () => {
      const r = new RecordingExecutor();
      return { executor: r, transcript: r.transcript };
    },
    opts.trace,
  );
}
