// When the heal loop runs: every interval, soon after starts (one round per burst), and at once when the host says
// something of ours vanished (the nft session that owns the table ended). Owns its timers; dispose() clears them.

import { type Disposable, DisposableStore } from '../base/lifecycle.js';

export class HealLoop implements Disposable {
  private readonly timers = new DisposableStore();
  private enabled = false;
  private soonPending = false;

  constructor(
    private readonly round: () => Promise<unknown>,
    private readonly log: (msg: string) => void,
  ) {}

  /** Runs a round every intervalMs (0: never; soon() and now() then do nothing either). */
  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.timers.isDisposed) return;
    this.enabled = true;
    this.timers.interval(() => this.run(), intervalMs);
  }

  /** One round shortly after a burst of starts (Docker's chain may need rules for the new bridges). */
  soon(delayMs = 500): void {
    if (!this.enabled || this.soonPending || this.timers.isDisposed) return;
    this.soonPending = true;
    this.timers.timeout(() => {
      this.soonPending = false;
      this.run();
    }, delayMs);
  }

  /** A round now (it queues behind running mutations). */
  now(): void {
    if (this.enabled && !this.timers.isDisposed) this.run();
  }

  private run(): void {
    this.round().catch((e) => this.log(`heal: ${(e as Error).message}`));
  }

  dispose(): Promise<void> {
    this.enabled = false;
    return this.timers.dispose();
  }
}
