// A runtime with no host effects: networks become "active" in memory only. For API tests and `--runtime memory`.

import type { ChangePlan, Lease } from '../api/types.js';
import type { NetworkDef } from '../model/network-def.js';
import type { DriftProblem, NetworkRuntime, RuntimeEvent, RuntimeState } from './runtime.js';

export class MemoryRuntime implements NetworkRuntime {
  private readonly listeners = new Set<(e: RuntimeEvent) => void>();
  readonly started = new Set<string>();

  async start(def: NetworkDef): Promise<RuntimeState> {
    this.started.add(def.name);
    return { memory: true };
  }

  async stop(def: NetworkDef): Promise<void> {
    this.started.delete(def.name);
  }

  async adopt(def: NetworkDef, state: RuntimeState): Promise<RuntimeState> {
    this.started.add(def.name);
    return state;
  }

  async check(): Promise<DriftProblem[]> {
    return [];
  }

  async repair(_def: NetworkDef, state: RuntimeState): Promise<RuntimeState> {
    return state;
  }

  async leases(): Promise<Lease[]> {
    return [];
  }

  async changeForwards(): Promise<void> {}

  readonly devices = new Set<string>();

  async plugPort(req: { name: string }): Promise<void> {
    if (this.devices.has(req.name))
      throw new Error(`a device named '${req.name}' already exists on the host`);
    this.devices.add(req.name);
  }

  async attachExistingPort(): Promise<void> {}

  async releaseExistingPort(): Promise<void> {}

  async unplugPort(device: string): Promise<void> {
    this.devices.delete(device);
  }

  portDeviceExists(device: string): boolean {
    return this.devices.has(device);
  }

  async reloadDhcpHosts(): Promise<void> {}

  planChange(): ChangePlan {
    return { dryRun: true, commands: ['# memory runtime: no host changes'], nft: '', files: [] };
  }

  async forwardCounters(): Promise<Map<string, { packets: number; bytes: number }>> {
    return new Map();
  }

  async firewallHealth(): Promise<{ missing: string[]; changes: string[] }> {
    return { missing: [], changes: [] };
  }

  onEvent(listener: (e: RuntimeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Test hook: deliver an event as a real runtime would. */
  emit(e: RuntimeEvent): void {
    for (const l of this.listeners) l(e);
  }

  async detach(): Promise<void> {}
}
