// The executor that changes the host: programs with execFile (never a shell), nft transactions through the
// session that owns virtnet's table, atomic file writes, /proc/sys, and daemonizing processes it then supervises.

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ActionFailed, type ActionResult, actionCommand, type Executor } from '../plan/executor.js';
import type { Action, SpawnAction } from '../plan/steps.js';
import { writeFileAtomic } from './atomic-file.js';
import { exec } from './exec.js';
import { runHookScripts } from './hooks.js';
import type { NftSession } from './nft-session.js';
import type { ProcessSupervisor } from './process-supervisor.js';
import { isOurProcess, readPid, startDaemonizing, stopProcess } from './processes.js';

export class RealExecutor implements Executor {
  constructor(
    private readonly nft: NftSession,
    private readonly supervisor: ProcessSupervisor,
    /** What follows each start of a spawned process (taking it off route events: a spawn's muteRouteEvents). */
    private readonly afterStart: (spawn: SpawnAction) => ((pid: number) => Promise<void>) | undefined = () =>
      undefined,
  ) {}

  async run(a: Action): Promise<ActionResult> {
    switch (a.kind) {
      case 'exec':
        return this.exec(a);
      case 'nft':
        return this.nftTransaction(a.script, a.mayFail === true, a);
      case 'write':
        mkdirSync(dirname(a.path), { recursive: true, mode: 0o755 });
        // the executor's files (dnsmasq's) are derived: a reconcile after a crash rewrites any that differ
        writeFileAtomic(a.path, a.content, a.mode, false);
        return { ok: true };
      case 'remove':
        rmSync(a.path, { force: true });
        return { ok: true };
      case 'sysctl':
        try {
          writeFileSync(`/proc/sys/${a.key}`, a.value);
        } catch (e) {
          throw new ActionFailed(a, `${actionCommand(a)}: ${(e as Error).message}`);
        }
        return { ok: true };
      case 'spawn': {
        let pid: number;
        try {
          mkdirSync(dirname(a.process.pidFile), { recursive: true });
          pid = await startDaemonizing(a.argv, a.process.pidFile);
        } catch (e) {
          throw new ActionFailed(a, `${actionCommand(a)}: ${(e as Error).message}`);
        }
        const afterStart = this.afterStart(a);
        this.supervisor.supervise(a.process, a.argv, pid, afterStart);
        await afterStart?.(pid);
        return { ok: true, pid };
      }
      case 'signal': {
        const pid = this.livePid(a.process.id, a.process.pidFile, a.process.match, a.pid);
        if (pid !== undefined) process.kill(pid, a.signal);
        return { ok: pid !== undefined };
      }
      case 'hook': {
        const failures = await runHookScripts(a.scripts, a.args, a.stdin, a.timeoutMs);
        if (failures.length) throw new ActionFailed(a, `${actionCommand(a)}: ${failures.join('; ')}`);
        return { ok: true };
      }
      case 'stop-process': {
        const supervised = this.supervisor.pid(a.process.id);
        // the supervisor must not restart it while it is stopped; the pid file names the latest one
        await this.supervisor.unsupervise(a.process.id);
        for (const pid of new Set([supervised, a.pid, readPid(a.process.pidFile)]))
          await stopProcess(pid, a.process.match);
        return { ok: true };
      }
    }
  }

  private livePid(id: string, pidFile: string, match: string, hint?: number): number | undefined {
    return [this.supervisor.pid(id), hint, readPid(pidFile)].find(
      (p) => p !== undefined && isOurProcess(p, match),
    );
  }

  private async exec(a: Extract<Action, { kind: 'exec' }>): Promise<ActionResult> {
    let r = await exec({ argv: a.argv, ...(a.stdin !== undefined ? { stdin: a.stdin } : {}) });
    if (r.code !== 0 && a.orElse) {
      for (const alt of a.orElse) {
        r = await exec({ argv: alt.argv, ...(alt.stdin !== undefined ? { stdin: alt.stdin } : {}) });
        if (r.code !== 0 && !alt.mayFail) break;
      }
    }
    if (r.code === 0) return { ok: true, stdout: r.stdout, stderr: r.stderr };
    if (a.mayFail) return { ok: false, stdout: r.stdout, stderr: r.stderr };
    const err = r.stderr.trim() || r.stdout.trim() || `exit status ${r.code}`;
    throw new ActionFailed(a, `${a.explain ? `${a.explain}: ` : ''}${a.argv.join(' ')}: ${err}`);
  }

  private async nftTransaction(script: string, mayFail: boolean, a: Action): Promise<ActionResult> {
    let r: { ok: boolean; stderr: string };
    try {
      r = await this.nft.run(script);
    } catch (e) {
      throw new ActionFailed(a, `nft -f -: ${(e as Error).message}`);
    }
    if (r.ok) return { ok: true };
    if (!mayFail) throw new ActionFailed(a, `nft -f -: ${r.stderr.replace(/\n+/g, '; ')}`);
    // something was already gone: remove what is left, statement by statement
    for (const line of script.split('\n').filter(Boolean)) await this.nft.run(line);
    return { ok: false, stderr: r.stderr };
  }
}
