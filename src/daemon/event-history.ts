// The events of each network, kept in memory so a page opened later still shows what happened (the web UI's
// Activity tab): bounded per network and in total, the oldest dropped first.

import type { NetworkHistory } from '../api/summary-types.js';
import type { NetworkEvent } from '../api/types.js';

export const HISTORY_PER_NETWORK = 100;
/** All networks together: about 5 MB at the largest lease events, whatever the number of networks. */
export const HISTORY_TOTAL = 5000;

export class EventHistory {
  private readonly byNetwork = new Map<string, { events: NetworkEvent[]; dropped: boolean }>();
  /** Network names in the order their kept events arrived: the front names the oldest event kept. */
  private readonly order: string[] = [];
  private head = 0;

  constructor(
    private readonly perNetwork = HISTORY_PER_NETWORK,
    private readonly total = HISTORY_TOTAL,
  ) {}

  add(e: NetworkEvent): void {
    let h = this.byNetwork.get(e.name);
    if (!h) {
      h = { events: [], dropped: false };
      this.byNetwork.set(e.name, h);
    }
    h.events.push(e);
    this.order.push(e.name);
    if (h.events.length > this.perNetwork) this.dropOldestOf(e.name);
    while (this.order.length - this.head > this.total) {
      const name = this.order[this.head] as string;
      this.head++;
      const victim = this.byNetwork.get(name);
      if (!victim) continue;
      victim.events.shift();
      victim.dropped = true;
      if (victim.events.length === 0) this.byNetwork.delete(name);
    }
    // the order queue is compacted now and then instead of shifted at every event
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Drops the network's oldest event, and its entry in the order queue (the first one naming it). */
  private dropOldestOf(name: string): void {
    const h = this.byNetwork.get(name);
    if (!h) return;
    h.events.shift();
    h.dropped = true;
    const i = this.order.indexOf(name, this.head);
    if (i >= 0) this.order.splice(i, 1);
  }

  has(name: string): boolean {
    return this.byNetwork.has(name);
  }

  /** The kept events of a network, oldest first (the last `limit` when given). */
  of(name: string, limit?: number): NetworkHistory {
    const h = this.byNetwork.get(name);
    const all = h?.events ?? [];
    const events = limit !== undefined && limit < all.length ? all.slice(all.length - limit) : all.slice();
    return { network: name, events, truncated: (h?.dropped ?? false) || events.length < all.length };
  }

  /** Events kept in all (for tests of the bound). */
  get size(): number {
    let n = 0;
    for (const h of this.byNetwork.values()) n += h.events.length;
    return n;
  }
}
