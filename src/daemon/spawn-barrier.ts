// Many starts at once (autostart): every network's bridge, address and rules first, then every dnsmasq. A dnsmasq
// with bind-dynamic (libvirt's configuration) reads every interface and address of the host again whenever an
// address is added anywhere: dnsmasqs started while other bridges are still being made cost the host N² reads
// (measured: 180 s of dnsmasq system time for 559 networks started one after the other). Behind the barrier each
// dnsmasq reads the host once, at its own start.

import type { SpawnGate } from './runtime.js';

export interface BarrierMember {
  /** Runs the member's process starts once every member arrived, a few at a time. */
  gate: SpawnGate;
  /** Resolves when the member reaches its first process start (or leaves). */
  reached: Promise<void>;
  /** The member's start ended (it may never have reached a process start): it no longer holds the barrier. */
  leave(): void;
}

export class SpawnBarrier {
  private outstanding: number;
  private open!: () => void;
  private readonly opened = new Promise<void>((resolve) => {
    this.open = resolve;
  });
  private running = 0;
  private readonly queued: Array<() => void> = [];

  constructor(
    members: number,
    private readonly concurrency: number,
    private readonly onOpen: () => void = () => {},
  ) {
    this.outstanding = members;
    if (members === 0) this.release();
  }

  member(): BarrierMember {
    let arrived = false;
    let signal!: () => void;
    const reached = new Promise<void>((resolve) => {
      signal = resolve;
    });
    const arrive = () => {
      if (arrived) return;
      arrived = true;
      signal();
      if (--this.outstanding === 0) this.release();
    };
    const gate: SpawnGate = async (spawn) => {
      arrive();
      await this.opened;
      return this.limited(spawn);
    };
    return { gate, reached, leave: arrive };
  }

  private release(): void {
    this.onOpen();
    this.open();
  }

  private async limited<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) await new Promise<void>((resolve) => this.queued.push(resolve));
    this.running++;
    try {
      return await fn();
    } finally {
      this.running--;
      this.queued.shift()?.();
    }
  }
}
