// `--runtime memory` and API tests: the real engine (planner, renderers, apply with undo) over a host that exists
// only in memory. Dry runs show real plans; nothing touches the machine.

import { createMemoryHost, type MemoryHost } from '../host/memory-host.js';
import { RecordingExecutor } from '../host/recording-executor.js';
import { type NetworkDef, networkMode } from '../model/network-def.js';
import type { OverlayConfig } from '../model/overlay-config.js';
import type { PortDevice } from '../plan/desired.js';
import { Engine } from './engine.js';
import type { ActiveNetwork, ReconcileOutcome, RuntimeEvent, RuntimeState } from './runtime.js';

export class MemoryRuntime extends Engine {
  declare readonly host: MemoryHost;

  /** `hostBridges`: bridges the pretend host already has (for bridged networks: `--memory-host-bridge`). */
  constructor(
    opts: { stateDir?: string; runDir?: string; hostBridges?: string[]; overlay?: OverlayConfig } = {},
  ) {
    super(createMemoryHost(opts), () => {
      const r = new RecordingExecutor();
      return { executor: r, transcript: r.transcript };
    });
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

  /** One by one: each adoption may first put its network back on the fake host. */
  override async adoptAll(nets: ActiveNetwork[]): Promise<Array<ReconcileOutcome | Error>> {
    const out: Array<ReconcileOutcome | Error> = [];
    for (const n of nets) out.push(await this.adopt(n.def, n.state, n.ports).catch((e: Error) => e));
    return out;
  }

  /** Test hook: deliver an event as a real host would. */
  emit(e: RuntimeEvent): void {
    this.host.emit(e);
  }
}
