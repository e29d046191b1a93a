// Keeps the daemonizing processes virtnet spawned (one dnsmasq per network, FRR's zebra and bgpd) alive: a dead
// one is restarted within a poll interval (a second with a thousand); one that keeps failing is retried with
// exponential backoff, its reason logged once per change, and its network reported degraded once (and recovered
// once). One timer, started with the first process; a look at a process is one pread of its /proc stat file kept
// open; a tick looks at 256 of them at most, in turn.

import type { Disposable } from '../base/lifecycle.js';
import type { HostEvent } from '../plan/host-side.js';
import type { ProcessRef } from '../plan/steps.js';
import { type ProcessWatch, startDaemonizing, watchProcess } from './processes.js';

/** A process that died within this long of its start counts as failing (a crash loop), not as a one-off death. */
const QUICK_DEATH_MS = 10_000;
const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 60_000;
/** Quick deaths in a row after which a network is degraded although each restart works. */
const CRASH_LOOP = 3;
/** Processes looked at per tick, in turn (every one at each tick up to this many). */
const LOOKS_PER_TICK = 256;

interface Entry {
  ref: ProcessRef;
  argv: string[];
  pid: number;
  watch: ProcessWatch;
  startedAt: number;
  failures: number;
  nextAttempt: number;
  reason?: string;
  degraded: boolean;
  afterStart?: (pid: number) => Promise<void>;
}

export interface SupervisorOptions {
  intervalMs: number;
  emit: (e: HostEvent) => void;
  log: (msg: string) => void;
  /** Replaces the clock in tests. */
  now?: () => number;
  /** Replaces how a process is (re)started and checked, in tests. */
  start?: (argv: string[], pidFile: string) => Promise<number>;
  alive?: (pid: number, match: string) => boolean;
}

export class ProcessSupervisor {
  private readonly entries = new Map<string, Entry>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  /** Where the next tick's looks begin (see runTick). */
  private turn = 0;
  private readonly now: () => number;
  private readonly start: (argv: string[], pidFile: string) => Promise<number>;
  private readonly watch: (pid: number, match: string) => ProcessWatch;

  constructor(private readonly opts: SupervisorOptions) {
    this.now = opts.now ?? Date.now;
    this.start = opts.start ?? startDaemonizing;
    const alive = opts.alive;
    this.watch = alive
      ? (pid, match) => ({ alive: () => alive(pid, match), close: () => undefined })
      : watchProcess;
  }

  pid(id: string): number | undefined {
    return this.entries.get(id)?.pid;
  }

  /** Reason the process of this id cannot be kept running, while it is degraded. */
  degraded(id: string): string | undefined {
    const e = this.entries.get(id);
    return e?.degraded ? e.reason : undefined;
  }

  /** Keeps our process `pid` running; `afterStart` runs again after each restart (see RealExecutor's spawn). */
  supervise(
    ref: ProcessRef,
    argv: string[],
    pid: number,
    afterStart?: (pid: number) => Promise<void>,
  ): Disposable {
    const entry: Entry = {
      ref,
      argv,
      pid,
      watch: this.watch(pid, ref.match),
      startedAt: this.now(),
      failures: 0,
      nextAttempt: 0,
      degraded: false,
      ...(afterStart ? { afterStart } : {}),
    };
    this.entries.get(ref.id)?.watch.close();
    this.entries.set(ref.id, entry);
    if (!this.timer) {
      this.timer = setInterval(() => void this.tick(), this.opts.intervalMs);
      this.timer.unref();
    }
    return { dispose: () => this.unsupervise(ref.id, entry) };
  }

  /** Stops watching (waits for a restart in progress, so it cannot outlive a stop). */
  async unsupervise(id: string, entry?: Entry): Promise<void> {
    const current = this.entries.get(id);
    if (current && (!entry || current === entry)) {
      current.watch.close();
      this.entries.delete(id);
    }
    if (this.entries.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
    await this.ticking;
  }

  tick(): Promise<void> {
    this.ticking ??= this.runTick().finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  /**
   * Looks at up to LOOKS_PER_TICK processes, taking turns: with a thousand each is looked at once a second (four
   * times a second cost 3% of a core and up to 8 ms of the event loop per tick, in the way of starts).
   */
  private async runTick(): Promise<void> {
    const all = [...this.entries];
    const count = Math.min(all.length, LOOKS_PER_TICK);
    // (all of them: in the order supervised, zebra before bgpd)
    const from = all.length > LOOKS_PER_TICK ? this.turn % all.length : 0;
    this.turn = from + count;
    for (let i = 0; i < count; i++) {
      const [id, e] = all[(from + i) % all.length] as [string, Entry];
      // stopped (or started again) while an earlier one was being restarted
      if (this.entries.get(id) === e) await this.look(id, e);
    }
  }

  private async look(id: string, e: Entry): Promise<void> {
    const now = this.now();
    if (e.watch.alive()) {
      // recovered once it has run as long as a crash loop would not
      if (e.degraded && e.nextAttempt === 0 && now - e.startedAt >= QUICK_DEATH_MS) {
        e.degraded = false;
        e.reason = undefined;
        e.failures = 0;
        this.opts.log(`${subject(e.ref)}: ${program(e.ref)} runs again`);
        this.opts.emit({ network: e.ref.network, type: 'recovered', detail: { pid: e.pid } });
      }
      return;
    }
    if (e.nextAttempt === 0) {
      // first look at this death: a death soon after a start is part of a crash loop, and backs off
      e.failures = now - e.startedAt < QUICK_DEATH_MS ? e.failures + 1 : 0;
      e.nextAttempt = e.failures <= 1 ? now : now + backoff(e.failures - 1);
      if (e.failures >= CRASH_LOOP)
        this.degrade(
          e,
          `${program(e.ref)} exited ${e.failures} times within ${QUICK_DEATH_MS / 1000} s of starting`,
        );
    }
    if (now < e.nextAttempt) return;
    try {
      const pid = await this.start(e.argv, e.ref.pidFile);
      if (this.entries.get(id) !== e) {
        // stopped meanwhile: the stop wins
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // gone already
        }
        return;
      }
      e.watch.close();
      e.pid = pid;
      e.watch = this.watch(pid, e.ref.match);
      e.startedAt = this.now();
      e.nextAttempt = 0;
      await e.afterStart?.(pid);
      this.opts.log(`${subject(e.ref)}: ${program(e.ref)} died, restarted as pid ${pid}`);
      const type = program(e.ref) === 'dnsmasq' ? 'dnsmasq-restarted' : 'frr-restarted';
      this.opts.emit({ network: e.ref.network, type, detail: { pid, process: program(e.ref) } });
    } catch (err) {
      e.failures++;
      e.nextAttempt = this.now() + backoff(e.failures);
      this.degrade(e, (err as Error).message);
    }
  }

  /** Logs a reason once per change; reports the network degraded once. */
  private degrade(e: Entry, reason: string): void {
    const wait = Math.max(0, e.nextAttempt - this.now());
    if (reason !== e.reason) {
      this.opts.log(
        `${subject(e.ref)}: ${program(e.ref)} cannot be kept running: ${reason} (next try in ${(wait / 1000).toFixed(1)} s, backing off up to ${BACKOFF_MAX_MS / 1000} s)`,
      );
      e.reason = reason;
    }
    if (!e.degraded) {
      e.degraded = true;
      this.opts.emit({
        network: e.ref.network,
        type: 'degraded',
        detail: { reason, process: program(e.ref) },
      });
    }
  }

  async dispose(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
    for (const e of this.entries.values()) e.watch.close();
    this.entries.clear();
  }
}

const program = (ref: ProcessRef) => ref.program ?? 'dnsmasq';
/** Whom a process serves, in log lines: its network, or (FRR) every overlay network of the host. */
const subject = (ref: ProcessRef) => (ref.network ? `network '${ref.network}'` : 'overlay');

function backoff(failures: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.max(0, failures - 1));
}
