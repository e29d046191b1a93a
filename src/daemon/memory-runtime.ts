// `--runtime memory` and API tests: the real engine (planner, renderers, apply with undo) over a host that exists
// only in memory. Dry runs show real plans; nothing touches the machine.

import { createMemoryHost, type MemoryHost } from '../host/memory-host.js';
import { RecordingExecutor } from '../host/recording-executor.js';
import { type NetworkDef, networkMode } from '../model/network-def.js';
import type { OverlayConfig } from '../model/overlay-config.js';
import type { PortDevice } from '../plan/desired.js';
import { Engine } from './engine.js';
import type { ReconcileOutcome, RuntimeEvent, RuntimeState } from './runtime.js';

export class MemoryRuntime extends Engine {
  declare readonly host: MemoryHost;

  constructor(opts: { stateDir?: string; runDir?: string; overlay?: OverlayConfig } = {}) {
    super(createMemoryHost(opts), () => {
      const r = new RecordingExecutor();
      return { executor: r, transcript: r.transcript };
    });
  }

  /**
   * A memory host has every host bridge a bridged network names (`--runtime memory` cannot know the real host's):
   * the bridge is put on the fake host before the start looks for it.
   */
  override async start(def: NetworkDef, ports: PortDevice[] = []): Promise<RuntimeState> {
    const bridge = def.bridge?.name;
    if (bridge && networkMode(def) === 'bridge' && !this.host.fake.links.has(bridge))
      this.host.fake.links.set(bridge, { name: bridge, type: 'bridge', up: true });
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
