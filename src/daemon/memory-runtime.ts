// `--runtime memory` and API tests: the real engine (planner, renderers, apply with undo) over a host that exists
// only in memory. Dry runs show real plans; nothing touches the machine.

import { createMemoryHost, type MemoryHost } from '../host/memory-host.js';
import { RecordingExecutor } from '../host/recording-executor.js';
import { isDirectNetwork, poolDevices } from '../model/direct.js';
import { type NetworkDef, networkMode } from '../model/network-def.js';
import type { PortDevice } from '../plan/desired.js';
import { Engine } from './engine.js';
import type { ReconcileOutcome, RuntimeEvent, RuntimeState } from './runtime.js';

export class MemoryRuntime extends Engine {
  declare readonly host: MemoryHost;

  private readonly simulateHostDevices: boolean;

  /**
   * `simulateHostDevices` (virtnetd --runtime memory): the host has the devices networks name (a host bridge, a
   * pool's interfaces), as a real host would; without it (tests) the fake host has only what a test puts there.
   */
  constructor(opts: { stateDir?: string; runDir?: string; simulateHostDevices?: boolean } = {}) {
    super(createMemoryHost(opts), () => {
      const r = new RecordingExecutor();
      return { executor: r, transcript: r.transcript };
    });
    this.simulateHostDevices = opts.simulateHostDevices === true;
  }

  override async start(def: NetworkDef, ports: PortDevice[] = []): Promise<RuntimeState> {
    if (this.simulateHostDevices) {
      const fake = this.host.fake;
      const hostBridge = networkMode(def) === 'bridge' && def.bridge?.name;
      if (hostBridge && !fake.links.has(hostBridge))
        fake.links.set(hostBridge, { name: hostBridge, type: 'bridge', up: true });
      for (const dev of isDirectNetwork(def) ? poolDevices(def) : [])
        if (!fake.links.has(dev)) fake.links.set(dev, { name: dev, type: 'device', up: true });
    }
    return super.start(def, ports);
  }

  /**
   * A restarted memory daemon finds its host empty, while a real host keeps running networks: what the network
   * had is put back on the fake host (silently) before the adoption looks at it.
   */
  override async adopt(
    def: NetworkDef,
    state: RuntimeState,
    ports: PortDevice[] = [],
  ): Promise<ReconcileOutcome> {
    const bridge = def.bridge?.name;
    if (bridge && !this.host.fake.links.has(bridge) && networkMode(def) !== 'bridge') {
      const quiet = new Engine(
        { ...this.host, executor: new RecordingExecutor({ host: this.host.fake }) },
        () => {
          const r = new RecordingExecutor();
          return { executor: r, transcript: r.transcript };
        },
      );
      await quiet.start(def, ports).catch(() => undefined);
    }
    return super.adopt(def, state, ports);
  }

  /** Test hook: deliver an event as a real host would. */
  emit(e: RuntimeEvent): void {
    this.host.emit(e);
  }
}
