// What the daemon keeps about each network beyond its definition, for clients that look later or at many at once:
// the event history, the health records (drift, last repair) and the lease counts. Fed by the daemon's events.

import type { NetworkSummary } from '../api/summary-types.js';
import type { NetworkEvent } from '../api/types.js';
import type { Lease } from '../model/dnsmasq-leases.js';
import { EventHistory } from './event-history.js';
import { LeaseBook } from './lease-book.js';
import { NetworkHealth } from './network-health.js';
import { type SummaryContext, summarize } from './network-summary.js';
import type { NetworkObj } from './registry.js';

export class NetworkRecords {
  readonly history = new EventHistory();
  readonly health = new NetworkHealth();
  private readonly leases: LeaseBook;

  constructor(readLeases: (network: string) => Promise<Lease[]>, log: (msg: string) => void) {
    this.leases = new LeaseBook(readLeases, log);
  }

  record(e: NetworkEvent): void {
    this.history.add(e);
    this.health.onEvent(e);
    if (e.type === 'started' || e.type === 'lease') void this.leases.refresh(e.name);
    else if (e.type === 'stopped') this.leases.forget(e.name);
  }

  /** Networks found running at the daemon's start (adopted: no 'started' event) get their leases read. */
  async prime(networks: string[]): Promise<void> {
    for (const n of networks) await this.leases.refresh(n);
  }

  summaries(objs: NetworkObj[], ctx: Omit<SummaryContext, 'leases' | 'health'>): NetworkSummary[] {
    return summarize(objs, { ...ctx, leases: this.leases, health: this.health });
  }
}
