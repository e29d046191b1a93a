// A host that exists only in memory, for `virtnetd --runtime memory` and API tests: the recording executor
// applies steps to a FakeHost and the fake probe reads it back, so the real planner and renderers run.

import { toDisposable } from '../base/lifecycle.js';
import type { OverlayConfig } from '../model/overlay-config.js';
import type { HostDevice, HostEvent, HostSide } from '../plan/host-side.js';
import { FakeHost, FakeProbe } from './fake-host.js';
import { dnsmasqPaths } from './linux-host.js';
import { createMemoryOverlay } from './memory-overlay.js';
import { RecordingExecutor } from './recording-executor.js';

export interface MemoryHost extends HostSide {
  fake: FakeHost;
  /** Delivers a host event as a real host would (tests). */
  emit(e: HostEvent): void;
  /** The pretend host's resolv.conf names these servers now (tests): says so as a real host would. */
  setUpstream(servers: string[]): void;
}

export function createMemoryHost(
  opts: { stateDir?: string; runDir?: string; hostBridges?: string[]; overlay?: OverlayConfig } = {},
): MemoryHost {
  const fake = new FakeHost(opts.hostBridges);
  const listeners = new Set<(e: HostEvent) => void>();
  const stateDir = opts.stateDir ?? '/var/lib/virtnet';
  const runDir = opts.runDir ?? '/run/virtnet';
  let upstream: string[] = [];
  const emit = (e: HostEvent) => {
    for (const l of listeners) l(e);
  };
  return {
    fake,
    emit,
    setUpstream: (servers) => {
      upstream = servers;
      emit({ network: '', type: 'upstream-changed', detail: { servers } });
    },
    // the last steps stay readable (tests); a daemon running for days keeps no more
    executor: new RecordingExecutor({ host: fake, limit: 1000 }),
    probe: new FakeProbe(fake),
    dnsmasq: {
      binary: 'dnsmasq',
      paths: (name) => dnsmasqPaths(stateDir, runDir, name),
      upstream: () => upstream,
    },
    supervise: () => toDisposable(() => undefined),
    watchLeases: () => toDisposable(() => undefined),
    readLeases: () => [],
    onEvent: (l) => {
      listeners.add(l);
      return toDisposable(() => void listeners.delete(l));
    },
    uplink: () => undefined,
    addresses: () => [...fake.addresses],
    deviceExists: (name) => fake.links.has(name),
    linkFacts: (name) => {
      const l = fake.links.get(name);
      if (!l) return { exists: false };
      const members =
        l.type === 'bridge'
          ? [...fake.links.values()]
              .filter((x) => x.master === name)
              .map((x) => x.name)
              .sort()
          : undefined;
      return {
        exists: true,
        up: l.up,
        ...(l.master ? { master: l.master } : {}),
        ...(l.lower ? { lower: l.lower } : {}),
        ...(members ? { members } : {}),
      };
    },
    devices: () =>
      [...fake.links.values()].map(
        (l): HostDevice => ({
          name: l.name,
          kind:
            l.type === 'bridge' ? 'bridge' : l.type === 'tun' ? 'tap' : l.type === 'veth' ? 'veth' : 'other',
          up: l.up,
          addresses: l.addresses ?? [],
          ...(l.master ? { master: l.master } : {}),
        }),
      ),
    // a device that exists counts nothing: the fake host carries no traffic
    counters: (name) =>
      fake.links.has(name) ? { rxBytes: 0, txBytes: 0, rxPackets: 0, txPackets: 0 } : undefined,
    listenSockets: () => [],
    allCounters: () => new Map(),
    watchedLeases: () => undefined,
    forwardCounters: async () => new Map(),
    ...(opts.overlay ? { overlay: createMemoryOverlay(opts.overlay, runDir) } : {}),
    dispose: async () => {
      listeners.clear();
    },
  };
}
