// When the heal loop runs: every interval, soon after starts (one round per burst), and at once when the host says
// something of ours vanished (the nft session that owns the table ended). Owns its timers; dispose() clears them.

import { type Disposable, DisposableStore } from '../base/lifecycle.js';

export class HealLoop implements Disposable {
  private readonly timers = new DisposableStore();
  private enabled = false;
  /** Networks started since the last early round: that round looks at them alone. */
  private soon_ = new Set<string>();

  constructor(
    private readonly round: (only?: ReadonlySet<string>) => Promise<unknown>,
    private readonly log: (msg: string) => void,
  ) {}

  /** Runs a round every intervalMs (0: never; soon() and now() then do nothing either). */
  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.timers.isDisposed) return;
    this.enabled = true;
    this.timers.interval(() => this.run(), intervalMs);
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
      this.run(only);
    }, delayMs);
  }

  /** A round now (it queues behind running mutations). */
  now(): void {
    if (this.enabled && !this.timers.isDisposed) this.run();
  }

  private run(only?: ReadonlySet<string>): void {
    this.round(only).catch((e) => this.log(`heal: ${(e as Error).message}`));
  }

  dispose(): Promise<void> {
    this.enabled = false;
    return this.timers.dispose();
  }
}
