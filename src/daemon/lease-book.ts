// The leases of each active network, kept in memory for the list page: read again when the network starts and
// after each lease event (never when a client asks), so listing a thousand networks reads no file.

import type { Lease } from '../model/dnsmasq-leases.js';

export class LeaseBook {
  private readonly leases = new Map<string, Lease[]>();
  /** Reads in progress, and whether another was asked for meanwhile (events come in bursts). */
  private readonly reading = new Map<string, { again: boolean; forgotten: boolean }>();

  constructor(
    private readonly read: (network: string) => Promise<Lease[]>,
    private readonly log: (msg: string) => void = () => {},
  ) {}

  /** Reads the network's leases again, soon; a burst of calls gives one read after the one under way. */
  refresh(network: string): Promise<void> {
    const busy = this.reading.get(network);
    if (busy) {
      busy.again = true;
      return Promise.resolve();
    }
    const state = { again: false, forgotten: false };
    this.reading.set(network, state);
    const run = async (): Promise<void> => {
      do {
        state.again = false;
        try {
          const leases = await this.read(network);
          if (!state.forgotten) this.leases.set(network, leases);
        } catch (e) {
          this.log(`leases of network '${network}': ${(e as Error).message}`);
        }
      } while (state.again && !state.forgotten);
      this.reading.delete(network);
    };
    return run();
  }

  /** The network stopped: its leases no longer count (a read under way is dropped). */
  forget(network: string): void {
    const busy = this.reading.get(network);
    if (busy) busy.forgotten = true;
    this.leases.delete(network);
  }

  /** Unexpired leases known for the network (0 when none were read). */
  count(network: string, nowSeconds = Date.now() / 1000): number {
    let n = 0;
    for (const l of this.leases.get(network) ?? []) if (l.expiryTime === 0 || l.expiryTime >= nowSeconds) n++;
    return n;
  }
}
