// The runtime that makes networks real in the current network namespace: bridge (iproute2), firewall (nftables),
// DNS/DHCP (one dnsmasq per network). A start is a transaction: every step records its undo, and a failure unwinds
// them in reverse. dnsmasq processes are supervised (restarted within a second); everything outlives the daemon.

import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ChangePlan, Lease } from '../api/types.js';
import type { DriftProblem, NetworkRuntime, RuntimeEvent, RuntimeState } from '../daemon/runtime.js';
import { formatSubnet, subnetsOverlap } from '../model/addr.js';
import { hintFor, VirtError } from '../model/errors.js';
import { isRoutedL3Mode, type NetworkDef, networkMode } from '../model/network-def.js';
import { ipSubnet } from '../model/network-ip.js';
import { type PortForward, readForwards } from '../model/port-forward.js';
import { startChangePlan, stopChangePlan } from '../plan/change-plan.js';
import { type NetworkPlan, planNetwork, type Sysctl } from '../plan/network-plan.js';
import { needsDnsmasq } from '../render/dnsmasq-conf.js';
import { baseTableScript, hasFirewallRules, networkRemoveStatements, TABLE } from '../render/nft-ruleset.js';
import {
  type DnsmasqFilesPaths,
  dnsmasqPaths,
  isOurDnsmasq,
  readPid,
  removeDnsmasqFiles,
  startDnsmasq,
  stopDnsmasq,
  writeDnsmasqFiles,
} from './dnsmasq-process.js';
import { DnsmasqSupervisor, readLeases } from './dnsmasq-supervisor.js';
import { findDrift } from './drift.js';
import { exec, run } from './exec.js';
import {
  bridgesMissingFromFirewall,
  changeForwards,
  readForwardCounters,
  syncDockerUser,
} from './firewall-extras.js';
import {
  attachExistingDevice,
  type PlugRequest,
  plugDevice,
  releaseExistingTap,
  unplugDevice,
} from './ports.js';
import { defaultRouteDevice, readHostRoutes } from './proc-routes.js';

export interface LinuxRuntimeOptions {
  stateDir: string;
  runDir: string;
  log: (msg: string) => void;
  dnsmasqPath?: string;
  /** How often dead dnsmasq processes are looked for (ms). */
  superviseIntervalMs?: number;
}

interface LinuxState {
  bridge?: string;
  dnsmasqPid?: number;
  firewall?: boolean;
}

class StepFailed extends Error {
  constructor(
    readonly step: string,
    readonly reason: string,
  ) {
    super(`step "${step}" failed: ${reason}`);
  }
}

export function createLinuxRuntime(opts: LinuxRuntimeOptions): NetworkRuntime {
  return new LinuxRuntime(opts);
}

function writeSysctl(s: Sysctl): void {
  writeFileSync(`/proc/sys/${s.key}`, s.value);
}

function deviceExists(name: string): boolean {
  return existsSync(`/sys/class/net/${name}`);
}

export class LinuxRuntime implements NetworkRuntime {
  private readonly listeners = new Set<(e: RuntimeEvent) => void>();
  private readonly supervisor: DnsmasqSupervisor;
  private baseTableReady = false;
  private readonly dnsmasq: string;

  constructor(private readonly opts: LinuxRuntimeOptions) {
    this.dnsmasq = opts.dnsmasqPath ?? 'dnsmasq';
    this.supervisor = new DnsmasqSupervisor({
      binary: this.dnsmasq,
      leaseDir: join(opts.stateDir, 'dnsmasq'),
      intervalMs: opts.superviseIntervalMs ?? 250,
      emit: (e) => this.emit(e),
      log: opts.log,
    });
  }

  onEvent(listener: (e: RuntimeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: RuntimeEvent): void {
    for (const l of this.listeners) l(e);
  }

  private paths(def: NetworkDef): DnsmasqFilesPaths {
    return dnsmasqPaths(this.opts.stateDir, this.opts.runDir, def.name);
  }

  async start(def: NetworkDef): Promise<RuntimeState> {
    const mode = networkMode(def);
    if (mode === 'bridge') return this.startBridged(def);
    if (!isRoutedL3Mode(mode)) {
      throw new VirtError(
        'CONFIG_UNSUPPORTED',
        `forward mode '${mode}' is not supported by virtnet yet (network '${def.name}')`,
      );
    }
    const plan = planNetwork(def);
    const undo: Array<() => Promise<void> | void> = [];
    const state: LinuxState = { bridge: plan.bridge };
    const step = async (name: string, fn: () => Promise<void> | void) => {
      const t0 = performance.now();
      try {
        await fn();
        if (process.env.VIRTNET_TRACE)
          this.opts.log(`${def.name}: ${name} ${(performance.now() - t0).toFixed(1)} ms`);
      } catch (e) {
        throw new StepFailed(name, (e as Error).message);
      }
    };
    try {
      await step('check addresses', () => this.checkOverlap(def));
      const paths = this.paths(def);
      const script = plan.firewall;
      const firewallSide = async () => {
        if (script === undefined) return;
        await step('add firewall rules', async () => {
          await this.ensureBaseTable();
          await run({ argv: ['nft', '-f', '-'], stdin: script });
          state.firewall = true;
          undo.push(() => this.removeFirewall(plan.bridge, mode, readForwards(def)));
        });
      };
      const bridgeSide = async () => {
        await step('create bridge', async () => {
          if (deviceExists(plan.bridge))
            throw new Error(`a device named '${plan.bridge}' already exists on the host`);
          undo.push(() => exec({ argv: ['ip', 'link', 'del', 'dev', plan.bridge] }).then(() => undefined));
          // one ip process for the whole device: a bridge without ports has no carrier, so IPv6 has made no
          // link-local address yet when the link sysctls (disable_ipv6, accept_ra) are written right after
          await run({
            argv: ['ip', '-batch', '-'],
            stdin: `${[...plan.createLink, ...plan.configureLink].join('\n')}\n`,
          });
          for (const s of plan.linkSysctls) writeSysctl(s);
        });
        await step('enable forwarding', () => {
          for (const s of plan.globalSysctls) writeSysctl(s);
        });
        const settled = await Promise.allSettled([
          firewallSide(),
          // Packets the host itself sends to guests (DHCP offers, DNS answers) would otherwise leave with a partial
          // checksum that raw-socket DHCP clients (busybox udhcpc, old dhclient) drop; libvirt's CHECKSUM rule
          // fixed the same. Forwarded traffic does not pass the bridge's own transmit path: offloads stay on.
          exec({ argv: ['ethtool', '-K', plan.bridge, 'tx', 'off'] }),
          needsDnsmasq(def) &&
            step('start dnsmasq', async () => {
              undo.push(() => removeDnsmasqFiles(paths));
              writeDnsmasqFiles(def, paths);
              const pid = await startDnsmasq(this.dnsmasq, paths);
              state.dnsmasqPid = pid;
              undo.push(() => stopDnsmasq(pid, paths.conf));
            }),
        ]);
        // all settled first, so that every undo is registered before unwinding starts
        const failed = settled.find((r) => r.status === 'rejected');
        if (failed) throw failed.reason;
      };
      // after the bridge on purpose: running nft while the bridge is being made was measured slower
      await bridgeSide();
      if (state.dnsmasqPid !== undefined) this.supervise(def, paths, state.dnsmasqPid);
      this.opts.log(`network '${def.name}' started on ${plan.bridge}`);
      return { ...state };
    } catch (e) {
      for (const u of undo.reverse()) {
        try {
          await u();
        } catch {
          // best effort: keep unwinding
        }
      }
      const reason = e instanceof StepFailed ? e.message : (e as Error).message;
      const err = new VirtError('OPERATION_FAILED', `failed to start network '${def.name}': ${reason}`, {
        cause: e,
      });
      const hint = hintFor(reason);
      if (hint) err.hint = hint;
      throw err;
    }
  }

  private async startBridged(def: NetworkDef): Promise<RuntimeState> {
    const br = def.bridge?.name;
    if (!br) {
      throw new VirtError(
        'CONFIG_UNSUPPORTED',
        `network '${def.name}': forward mode 'bridge' without <bridge name> (macvtap) is not supported yet`,
      );
    }
    if (!existsSync(`/sys/class/net/${br}/bridge`)) {
      throw new VirtError(
        'OPERATION_FAILED',
        `failed to start network '${def.name}': host bridge '${br}' does not exist`,
      );
    }
    return { bridge: br, hostBridge: true };
  }

  /** libvirt's check: refuse a subnet that a route on the host already covers (other networks included). */
  private checkOverlap(def: NetworkDef): void {
    const clash = this.routeClashes(def)[0];
    if (clash) throw new Error(clash);
  }

  /** Routes on the host that a network's subnets overlap (libvirt's "already in use by interface" check). */
  private routeClashes(def: NetworkDef): string[] {
    const subnets = def.ips.map(ipSubnet).filter((s) => s !== undefined);
    const out: string[] = [];
    for (const family of [4, 6] as const) {
      const mine = subnets.filter((s) => s.family === family);
      if (mine.length === 0) continue;
      for (const r of readHostRoutes(family)) {
        const hit = mine.find((s) => subnetsOverlap(s, r.subnet));
        if (hit) {
          out.push(
            `Network is already in use by interface ${r.dev} (${formatSubnet(hit)} overlaps route ${formatSubnet(r.subnet)})`,
          );
        }
      }
    }
    return out;
  }

  private async ensureBaseTable(): Promise<void> {
    if (this.baseTableReady) return;
    const r = await exec({ argv: ['nft', 'list', 'table', ...TABLE.split(' ')] });
    if (r.code !== 0) await run({ argv: ['nft', '-f', '-'], stdin: baseTableScript() });
    this.baseTableReady = true;
  }

  private async removeFirewall(bridge: string, mode: string, forwards: PortForward[] = []): Promise<void> {
    const stmts = networkRemoveStatements(bridge, mode, forwards);
    const r = await exec({ argv: ['nft', '-f', '-'], stdin: `${stmts.join('\n')}\n` });
    if (r.code === 0) return;
    // something was already gone: remove what is left, statement by statement
    for (const s of stmts) await exec({ argv: ['nft', '-f', '-'], stdin: `${s}\n` });
  }

  private supervise(def: NetworkDef, paths: DnsmasqFilesPaths, pid: number): void {
    this.supervisor.add(def, paths, pid);
  }

  async stop(def: NetworkDef, state: RuntimeState): Promise<void> {
    const st = state as LinuxState & { hostBridge?: boolean };
    if (st.hostBridge || networkMode(def) === 'bridge') return;
    const supPid = this.supervisor.pid(def.name);
    await this.supervisor.remove(def.name);
    const paths = this.paths(def);
    // the pid may have changed since start (supervisor restarts); the pid file always names the current one
    for (const pid of new Set([supPid, st.dnsmasqPid, readPid(paths.pidFile)]))
      await stopDnsmasq(pid, paths.conf);
    removeDnsmasqFiles(paths);
    const bridge = st.bridge ?? def.bridge?.name;
    if (bridge) {
      // also without the saved flag (state lost): removal tolerates chains that were never made
      if (st.firewall || hasFirewallRules(def))
        await this.removeFirewall(bridge, networkMode(def), readForwards(def));
      await exec({ argv: ['ip', 'link', 'del', 'dev', bridge] });
    }
    this.opts.log(`network '${def.name}' stopped`);
  }

  async adopt(def: NetworkDef, state: RuntimeState): Promise<RuntimeState> {
    const st = { ...(state as LinuxState) };
    if (networkMode(def) === 'bridge') return st;
    const paths = this.paths(def);
    if (st.bridge && !deviceExists(st.bridge)) {
      // the namespace was reset or the bridge deleted: nothing to adopt; clean up what is left
      await stopDnsmasq(st.dnsmasqPid ?? readPid(paths.pidFile), paths.conf);
      removeDnsmasqFiles(paths);
      if (st.firewall) await this.removeFirewall(st.bridge, networkMode(def), readForwards(def));
      throw new VirtError(
        'OPERATION_FAILED',
        `bridge ${st.bridge} of network '${def.name}' no longer exists`,
      );
    }
    if (!needsDnsmasq(def)) return st;
    const pid = this.liveDnsmasq(def, st);
    if (pid !== undefined) {
      this.supervise(def, paths, pid);
      st.dnsmasqPid = pid;
    } else if (existsSync(paths.conf)) {
      st.dnsmasqPid = await startDnsmasq(this.dnsmasq, paths);
      this.supervise(def, paths, st.dnsmasqPid);
      this.emit({ network: def.name, type: 'dnsmasq-restarted', detail: { pid: st.dnsmasqPid } });
    }
    const drift = await this.check(def, st);
    if (drift.length)
      this.emit({ network: def.name, type: 'drift', detail: { problems: drift.map((d) => d.what) } });
    return st;
  }

  async check(def: NetworkDef, state: RuntimeState): Promise<DriftProblem[]> {
    const st = state as LinuxState & { hostBridge?: boolean };
    const bridge = st.bridge ?? def.bridge?.name;
    if (!bridge) return [];
    if (st.hostBridge) {
      return deviceExists(bridge)
        ? []
        : [{ what: `host bridge ${bridge} is missing`, expected: 'present', actual: 'absent' }];
    }
    let dnsmasqRunning: boolean | undefined;
    if (needsDnsmasq(def)) {
      dnsmasqRunning = this.liveDnsmasq(def, st) !== undefined;
    }
    return findDrift(def, { bridge, mode: networkMode(def), firewall: !!st.firewall, dnsmasqRunning });
  }

  async repair(def: NetworkDef, state: RuntimeState): Promise<RuntimeState> {
    const st = { ...(state as LinuxState) };
    const plan: NetworkPlan = planNetwork(def);
    const mode = networkMode(def);
    let relinked = false;
    if (!deviceExists(plan.bridge)) {
      // the old dnsmasq goes first: it would bind the recreated bridge's address before its successor could
      if (needsDnsmasq(def)) {
        await this.supervisor.remove(def.name);
        await stopDnsmasq(this.liveDnsmasq(def, st), this.paths(def).conf);
      }
      await run({ argv: ['ip', '-batch', '-'], stdin: `${plan.createLink.join('\n')}\n` });
      for (const s of plan.linkSysctls) writeSysctl(s);
      await exec({ argv: ['ethtool', '-K', plan.bridge, 'tx', 'off'] });
      relinked = true;
    }
    // address add of an existing address fails; -force keeps the batch going past those
    await exec({ argv: ['ip', '-force', '-batch', '-'], stdin: `${plan.configureLink.join('\n')}\n` });
    for (const s of plan.globalSysctls) writeSysctl(s);
    if (plan.firewall) {
      this.baseTableReady = false;
      await this.ensureBaseTable();
      await this.removeFirewall(plan.bridge, mode, readForwards(def));
      await run({ argv: ['nft', '-f', '-'], stdin: plan.firewall });
      st.firewall = true;
    }
    if (needsDnsmasq(def)) {
      const paths = this.paths(def);
      const pid = this.liveDnsmasq(def, st);
      if (relinked || pid === undefined) {
        // the supervisor must not restart the old dnsmasq while it is being replaced
        await this.supervisor.remove(def.name);
        await stopDnsmasq(pid, paths.conf);
        writeDnsmasqFiles(def, paths);
        st.dnsmasqPid = await startDnsmasq(this.dnsmasq, paths);
        this.supervise(def, paths, st.dnsmasqPid);
      }
    }
    this.emit({ network: def.name, type: 'repaired' });
    return st;
  }

  /** The network's running dnsmasq: supervised, saved or pid-file PID, whichever is alive and ours. */
  private liveDnsmasq(def: NetworkDef, st: LinuxState): number | undefined {
    const paths = this.paths(def);
    const candidates = [this.supervisor.pid(def.name), st.dnsmasqPid, readPid(paths.pidFile)];
    return candidates.find((pid) => pid !== undefined && isOurDnsmasq(pid, paths.conf));
  }

  planChange(op: 'start' | 'stop', def: NetworkDef, state: RuntimeState = {}): ChangePlan {
    const dns = { binary: this.dnsmasq, ...this.paths(def) };
    if (op === 'start') {
      const plan = startChangePlan(def, dns);
      const clashes = this.routeClashes(def);
      if (clashes.length) plan.warnings = clashes;
      return plan;
    }
    const st = state as LinuxState;
    return stopChangePlan(def, st.bridge ?? def.bridge?.name, this.liveDnsmasq(def, st), dns);
  }

  uplink(): string | undefined {
    return defaultRouteDevice();
  }

  plugPort(req: PlugRequest): Promise<void> {
    return plugDevice(req);
  }

  attachExistingPort(req: PlugRequest): Promise<void> {
    return attachExistingDevice(req);
  }

  releaseExistingPort(device: string): Promise<void> {
    return releaseExistingTap(device);
  }

  unplugPort(device: string): Promise<void> {
    return unplugDevice(device);
  }

  portDeviceExists(device: string): boolean {
    return deviceExists(device);
  }

  async reloadDhcpHosts(def: NetworkDef, state: RuntimeState): Promise<void> {
    if (!needsDnsmasq(def)) return;
    const paths = this.paths(def);
    writeDnsmasqFiles(def, paths);
    // SIGHUP: dnsmasq re-reads its dhcp-hostsfile and addn-hosts, keeping its leases
    const pid = this.liveDnsmasq(def, state as LinuxState);
    if (pid !== undefined) process.kill(pid, 'SIGHUP');
  }

  async changeForwards(
    def: NetworkDef,
    state: RuntimeState,
    add: PortForward[],
    remove: PortForward[],
  ): Promise<void> {
    const bridge = (state as LinuxState).bridge ?? def.bridge?.name;
    if (!bridge || !(state as LinuxState).firewall) return;
    await changeForwards(bridge, add, remove);
  }

  forwardCounters(): Promise<Map<string, { packets: number; bytes: number }>> {
    return readForwardCounters();
  }

  async firewallHealth(defs: NetworkDef[]): Promise<{ missing: string[]; changes: string[] }> {
    const withRules = defs.filter(hasFirewallRules);
    const bridges = withRules.map((d) => d.bridge?.name as string);
    const changes = await syncDockerUser(bridges);
    const gone = new Set(await bridgesMissingFromFirewall(bridges));
    if (gone.size) this.baseTableReady = false;
    return {
      missing: withRules.filter((d) => gone.has(d.bridge?.name as string)).map((d) => d.name),
      changes,
    };
  }

  async leases(def: NetworkDef): Promise<Lease[]> {
    return readLeases(def, this.paths(def).leaseFile);
  }

  async detach(): Promise<void> {
    await this.supervisor.dispose();
  }
}
