// When the heal loop runs: every interval (later while the API is busy), soon after starts (one round per burst),
// and at once when the host says something of ours vanished (the nft session that owns the table ended). Owns its
// timers; dispose() clears them.
// A full round looks at every running network: with a thousand it takes long enough that rounds every 2 s kept a
// tenth of a core busy at rest (competing with forwarding on a small host), so rounds are spaced to take at most
// DUTY of the time, never closer than the interval and never more than MAX_STRETCH intervals apart.

import { performance } from 'node:perf_hooks';
import { type Disposable, DisposableStore } from '../base/lifecycle.js';

const DUTY = 0.05;
const MAX_STRETCH = 10;
/** A full round waits while the API changed something within this long (a burst of starts: see start()). */
const QUIET_MS = 1000;

/** The pause before the next full round, after one that took `tookMs`. */
export function healSpacing(intervalMs: number, tookMs: number): number {
  return Math.min(intervalMs * MAX_STRETCH, Math.max(intervalMs, tookMs / DUTY - tookMs));
}

export class HealLoop implements Disposable {
  private readonly timers = new DisposableStore();
  private enabled = false;
  /** Networks started since the last early round: that round looks at them alone. */
  private soon_ = new Set<string>();

  constructor(
    private readonly round: (only?: ReadonlySet<string>) => Promise<unknown>,
    private readonly log: (msg: string) => void,
    private readonly now_: () => number = () => performance.now(),
    /** When the API last changed something (on the same clock), if it has. */
    private readonly lastChange: () => number | undefined = () => undefined,
  ) {}

  /**
   * Runs a full round every intervalMs or more (see healSpacing; 0: never, and soon() and now() do nothing). While
   * the API is changing things (the last change less than QUIET_MS ago) a due round waits, up to MAX_STRETCH
   * intervals after the last one: with a thousand networks a round holds the event loop for tens of ms, and each
   * start of a burst that met one waited for it.
   */
  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.timers.isDisposed) return;
    this.enabled = true;
    let lastRound = this.now_();
    const next = (delayMs: number) =>
      this.timers.timeout(() => {
        const began = this.now_();
        const changed = this.lastChange();
        if (
          changed !== undefined &&
          began - changed < QUIET_MS &&
          began - lastRound < intervalMs * MAX_STRETCH
        ) {
          next(Math.max(1, QUIET_MS - (began - changed)));
          return;
        }
        lastRound = began;
        void this.run().then(() => {
          if (!this.timers.isDisposed) next(healSpacing(intervalMs, this.now_() - began));
        });
      }, delayMs);
    next(intervalMs);
  }

  /**
   * A round shortly after a burst of starts, over the networks started (Docker's chain may need rules for the new
   * bridges): a thousand running networks are not all looked at again for each one started.
   */
  soon(network: string, delayMs = 500): void {
    if (!this.enabled || this.timers.isDisposed) return;
    const first = this.soon_.size === 0;
    this.soon_.add(network);
    if (!first) return;
    this.timers.timeout(() => {
      const only = this.soon_;
      this.soon_ = new Set();
      void this.run(only);
    }, delayMs);
  }

  /** A round now (it queues behind running mutations). */
  now(): void {
    if (this.enabled && !this.timers.isDisposed) void this.run();
  }

  private run(only?: ReadonlySet<string>): Promise<void> {
    return this.round(only).then(
      () => undefined,
      (e) => this.log(`heal: ${(e as Error).message}`),
    );
  }

  dispose(): Promise<void> {
    this.enabled = false;
    return this.timers.dispose();
  }
}
