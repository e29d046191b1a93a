// The Linux host for the reconciler: the real executor and probe, the nft session that owns virtnet's table,
// supervision of dnsmasq, lease watching, and read-only device facts. Everything it starts outlives virtnetd;
// dispose() only stops watching.

import { readdirSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { Disposable } from '../base/lifecycle.js';
import type { NetworkDef } from '../model/network-def.js';
import type { OverlayConfig } from '../model/overlay-config.js';
import { networkFileName } from '../model/safe-strings.js';
import type { DnsmasqFilesPaths } from '../plan/desired.js';
import type { HostEvent, HostSide } from '../plan/host-side.js';
import type { ProcessRef, SpawnAction } from '../plan/steps.js';
import { TABLE } from '../render/nft-ruleset.js';
import { allDeviceCounters, deviceCounters, listHostDevices } from './devices.js';
import { exec } from './exec.js';
import { LinuxProbe, sysfsLink } from './host-probe.js';
import { LeaseWatcher, readLeases } from './lease-watcher.js';
import { readListenSockets } from './listen-probe.js';
import { NftSession } from './nft-session.js';
import { createOverlayHost } from './overlay-host.js';
import { defaultRouteDevice } from './proc-routes.js';
import { ProcessSupervisor } from './process-supervisor.js';
import { RealExecutor } from './real-executor.js';
import { ResolvWatcher } from './resolv-watcher.js';
import { RouteEventMute } from './route-event-mute.js';

export interface LinuxHostOptions {
  stateDir: string;
  runDir: string;
  log: (msg: string) => void;
  dnsmasqPath?: string;
  /** The host's resolver configuration, whose nameservers every network's dnsmasq forwards to (/etc/resolv.conf). */
  resolvConf?: string;
  /** How often dead processes are looked for (ms). */
  superviseIntervalMs?: number;
  /** The host's part of an overlay fabric (virtnetd --overlay-address …). */
  overlay?: OverlayConfig;
  /** Network hook scripts: <dir>/network and <dir>/network.d/* (virtnetd passes <config-dir>/hooks). */
  hooksDir?: string;
  /** How long a hook script may run before it is killed (ms). */
  hookTimeoutMs?: number;
}

/** libvirt waits for hooks forever; virtnet gives up on one after this (virtnetd --hook-timeout). */
export const DEFAULT_HOOK_TIMEOUT_MS = 30_000;

export function dnsmasqPaths(stateDir: string, runDir: string, network: string): DnsmasqFilesPaths {
  const d = join(stateDir, 'dnsmasq');
  // encoded: no '#', '"', ',' or space in a dnsmasq config line, no dot file, injective across networks
  const name = networkFileName(network);
  return {
    conf: join(d, `${name}.conf`),
    hostsFile: join(d, `${name}.hostsfile`),
    addnHostsFile: join(d, `${name}.addnhosts`),
    leaseFile: join(d, `${name}.leases`),
    pidFile: join(runDir, 'network', `${name}.pid`),
    serversFile: join(runDir, 'network', `${name}.servers`),
  };
}

export function createLinuxHost(opts: LinuxHostOptions): HostSide {
  const listeners = new Set<(e: HostEvent) => void>();
  const emit = (e: HostEvent) => {
    for (const l of listeners) l(e);
  };
  const interval = opts.superviseIntervalMs ?? 250;
  const supervisor = new ProcessSupervisor({ intervalMs: interval, emit, log: opts.log });
  const mute = new RouteEventMute();
  mute.warm();
  let muteFailure: string | undefined;
  const muteRouteEvents = async (ref: ProcessRef, pid: number) => {
    const r = await mute.mute(pid);
    // said once per reason: a host that cannot do it (no pidfd_getfd before Linux 5.6, no perl) cannot at all
    if (r.ok || r.reason === muteFailure) return;
    muteFailure = r.reason;
    opts.log(
      `network '${ref.network}': could not take dnsmasq (pid ${pid}) off the host's address and route changes: ${r.reason}; it works, but wakes on each of them, and with many networks each start slows down`,
    );
  };
  const afterStart = (spawn: SpawnAction) =>
    spawn.muteRouteEvents ? (pid: number) => muteRouteEvents(spawn.process, pid) : undefined;
  let probe: LinuxProbe | undefined;
  const session = new NftSession(opts.runDir, 'nft', () => {
    probe?.forgetTable();
    opts.log(`the nft session owning table ${TABLE} ended: the table went with it; restoring it`);
    emit({ network: '', type: 'firewall-lost' });
  });
  probe = new LinuxProbe(session, supervisor, opts.hooksDir);
  // a session started by an earlier daemon is not our child: its end is noticed by this poll
  const sessionPoll = setInterval(() => session.check(), interval);
  sessionPoll.unref();
  const leases = new LeaseWatcher(emit);
  const resolvConf = opts.resolvConf ?? '/etc/resolv.conf';
  const resolv = new ResolvWatcher(resolvConf, (servers) => {
    opts.log(`upstream DNS servers in ${resolvConf} changed: ${servers.join(' ') || 'none'}`);
    emit({ network: '', type: 'upstream-changed', detail: { servers } });
  });
  return {
    executor: new RealExecutor(session, supervisor, afterStart),
    probe,
    dnsmasq: {
      binary: opts.dnsmasqPath ?? 'dnsmasq',
      paths: (name) => dnsmasqPaths(opts.stateDir, opts.runDir, name),
      upstream: () => resolv.current(),
    },
    hookTimeoutMs: opts.hookTimeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS,
    tapNodeDir: join(opts.runDir, 'dev'),
    supervise: (spawn, pid) => supervisor.supervise(spawn.process, spawn.argv, pid, afterStart(spawn)),
    watchLeases: (def: NetworkDef, file: string): Disposable => leases.watch(def, file),
    readLeases,
    onEvent: (l) => {
      listeners.add(l);
      return { dispose: () => void listeners.delete(l) };
    },
    uplink: defaultRouteDevice,
    addresses: () =>
      Object.values(networkInterfaces())
        .flat()
        .flatMap((a) => (a ? [a.address] : [])),
    deviceExists: (name) => sysfsLink(name) !== undefined,
    linkFacts: (name) => {
      const l = sysfsLink(name);
      if (!l) return { exists: false };
      let members: string[] | undefined;
      if (l.type === 'bridge') {
        try {
          members = readdirSync(`/sys/class/net/${name}/brif`).sort();
        } catch {
          members = [];
        }
      }
      return {
        exists: true,
        up: l.up,
        ...(l.master ? { master: l.master } : {}),
        ...(l.lower ? { lower: l.lower } : {}),
        ...(members ? { members } : {}),
      };
    },
    devices: listHostDevices,
    counters: (name) => (sysfsLink(name) ? deviceCounters(name) : undefined),
    listenSockets: readListenSockets,
    allCounters: allDeviceCounters,
    watchedLeases: (network) => leases.current(network),
    forwardCounters: readForwardCounters,
    ...(opts.overlay ? { overlay: createOverlayHost(opts.overlay, opts) } : {}),
    dispose: async () => {
      clearInterval(sessionPoll);
      resolv.dispose();
      leases.dispose();
      await supervisor.dispose();
      mute.close();
      await session.dispose();
    },
  };
}

/** Counters of every forward chain, by chain name (one `nft list table`: its JSON is broken in nft 1.0.6). */
async function readForwardCounters(): Promise<Map<string, { packets: number; bytes: number }>> {
  const out = new Map<string, { packets: number; bytes: number }>();
  const r = await exec({ argv: ['nft', 'list', 'table', ...TABLE.split(' ')] });
  if (r.code !== 0) return out;
  let chain: string | undefined;
  for (const line of r.stdout.split('\n')) {
    const start = /^\tchain (pf_\S+) \{$/.exec(line);
    if (start) chain = start[1];
    else if (line === '\t}') chain = undefined;
    const c = chain && /counter packets (\d+) bytes (\d+)/.exec(line);
    if (chain && c) out.set(chain, { packets: Number(c[1]), bytes: Number(c[2]) });
  }
  return out;
}
