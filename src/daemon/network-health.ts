// What the daemon knows is wrong with each active network, between observations: drift a check found or the heal
// loop could not repair, and the last repair made. Fed by check(), heal rounds and the network's events; read by
// the list (GET /v1/networks?detail=1) without probing the host.

import type { NetworkEvent, RepairedDetail } from '../api/types.js';

export interface Drift {
  problems: string[];
  /** Why the heal loop could not repair it (absent: found by a check, not yet healed). */
  error?: string;
}

export interface LastRepair {
  time: string;
  trigger: RepairedDetail['trigger'];
  problems: string[];
}

export class NetworkHealth {
  private readonly drift = new Map<string, Drift>();
  private readonly repairs = new Map<string, LastRepair>();

  /**
   * Records what an observation found (empty: nothing wrong). Returns true when that changes what is known, so
   * the caller tells clients once, not at every heal round.
   */
  observed(network: string, problems: string[], error?: string): boolean {
    const before = this.drift.get(network);
    if (problems.length === 0) {
      this.drift.delete(network);
      return before !== undefined;
    }
    const next: Drift = error ? { problems, error } : { problems };
    this.drift.set(network, next);
    return (
      before === undefined ||
      before.error !== next.error ||
      before.problems.join('\n') !== problems.join('\n')
    );
  }

  /** Follows the network's events: a repair clears the drift, a start or stop starts afresh. */
  onEvent(e: NetworkEvent): void {
    if (e.type === 'repaired') {
      const d = (e.detail ?? {}) as Partial<RepairedDetail>;
      this.drift.delete(e.name);
      this.repairs.set(e.name, {
        time: e.time,
        trigger: d.trigger ?? 'request',
        problems: Array.isArray(d.problems) ? d.problems : [],
      });
    } else if (e.type === 'stopped' || e.type === 'started') {
      this.drift.delete(e.name);
      this.repairs.delete(e.name);
    }
  }

  driftOf(network: string): Drift | undefined {
    return this.drift.get(network);
  }

  lastRepair(network: string): LastRepair | undefined {
    return this.repairs.get(network);
  }
}
