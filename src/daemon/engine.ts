// The reconciler: observe → plan → apply, for every change of a network. Start plans against what a start looks
// at, adoption, repair, check and the heal loop against a full probe; dry runs are the same plans run through the
// recording executor. One engine for every host: Linux (real executor) and memory (recording executor + fake host).

import type { ChangePlan } from '../api/types.js';
import { DisposableStore, toDisposable } from '../base/lifecycle.js';
import { isDirectNetwork } from '../model/direct.js';
import type { Lease } from '../model/dnsmasq-leases.js';
import { hintFor, VirtError } from '../model/errors.js';
import { isRoutedL3Mode, type NetworkDef, networkMode } from '../model/network-def.js';
import type { PortForward } from '../model/port-forward.js';
import { applySteps, StepFailed } from '../plan/apply.js';
import type { DesiredNetwork, PortDevice } from '../plan/desired.js';
import { resolvePool } from '../plan/direct-steps.js';
import { dnsmasqProcess, dnsmasqSpawn } from '../plan/dnsmasq-steps.js';
import { planDockerUser } from '../plan/docker-user.js';
import type { Executor } from '../plan/executor.js';
import { TABLE_STEP } from '../plan/firewall-steps.js';
import { floorSteps } from '../plan/floor-steps.js';
import type { HookOp } from '../plan/hook-steps.js';
import type { HostSide } from '../plan/host-side.js';
import type { ObservedHost, ObservedRoute } from '../plan/observed.js';
import { desiredOverlayOf } from '../plan/overlay-desired.js';
import type { OverlayHostSide } from '../plan/overlay-host.js';
import {
  planForget,
  planForwardChange,
  planHostsReload,
  planPortPlug,
  planPortUnplug,
  planReconcile,
  planStart,
  planStop,
} from '../plan/planner.js';
import { dnsmasqFiles, portScope, reconcileScope, startScope, unionScope } from '../plan/probe-scopes.js';
import { driftOf, emptyPlanOf, type Plan, type Step } from '../plan/steps.js';
import { ALL_TC_FEATURES } from '../plan/tc-features.js';
import type { TranscriptStep } from '../plan/transcript.js';
import { needsDnsmasq } from '../render/dnsmasq-conf.js';
import { hasFirewallRules } from '../render/nft-ruleset.js';
import { toChangePlan } from './change-plan.js';
import { afterDirectPlug } from './direct-plug.js';
import { overlayFactsOf, superviseFrr } from './engine-overlay.js';
import { HookRunner } from './hook-runner.js';
import type { Log } from './log.js';
import type {
  ActiveNetwork,
  BatchStart,
  DriftProblem,
  HealResult,
  NetworkRuntime,
  PlugResult,
  ReconcileOutcome,
  RuntimeEvent,
  RuntimeState,
  SpawnGate,
} from './runtime.js';

/** The host's executor with its process starts run through `gate` (the recording executor's step calls kept). */
function gatedExecutor(inner: Executor, gate: SpawnGate): Executor {
  return {
    run: (a, step) => (a.kind === 'spawn' ? gate(() => inner.run(a, step)) : inner.run(a, step)),
    ...(inner.stepStarted ? { stepStarted: (s, p) => inner.stepStarted?.(s, p) } : {}),
    ...(inner.stepFinished ? { stepFinished: (s, p, ok) => inner.stepFinished?.(s, p, ok) } : {}),
  };
}

/** Records a plan without running it: what a dry run shows. */
export type Recorder = () => { executor: Executor; transcript: TranscriptStep[] };

export class Engine implements NetworkRuntime {
  private readonly listeners = new Set<(e: RuntimeEvent) => void>();
  /** Timers, watchers and supervision of each active network, released together when it stops. */
  private readonly perNetwork = new Map<string, DisposableStore>();
  private readonly own = new DisposableStore();
  private readonly degradedReasons = new Map<string, string>();
  /** Active overlay networks: FRR runs while there is one. */
  private readonly overlayNets = new Set<string>();
  private readonly hooks: HookRunner;
  /** The upstream servers the last heal round made every servers file follow. */
  private upstreamHealed: string;

  constructor(
    readonly host: HostSide,
    private readonly recorder: Recorder,
    private readonly log: Log = () => {},
  ) {
    // what a person should know whether or not the daemon traces: an event, which the daemon logs
    this.hooks = new HookRunner(host, (network, message) => {
      for (const l of this.listeners) l({ network, type: 'error', detail: { message } });
    });
    this.upstreamHealed = host.dnsmasq.upstream().join(' ');
    this.own.add(
      host.onEvent((e) => {
        if (e.type === 'degraded') this.degradedReasons.set(e.network, String(e.detail?.reason ?? 'unknown'));
        if (e.type === 'recovered') this.degradedReasons.delete(e.network);
        for (const l of this.listeners) l(e);
      }),
    );
  }

  onEvent(listener: (e: RuntimeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private desired(def: NetworkDef, ports: PortDevice[] = []): DesiredNetwork {
    const others = [...this.overlayNets].some((n) => n !== def.name);
    const ov = desiredOverlayOf(def, overlayFactsOf(this.host, def), others);
    return {
      def: ov.def,
      ports,
      dnsmasq: {
        binary: this.host.dnsmasq.binary,
        paths: this.host.dnsmasq.paths(def.name),
        upstream: this.host.dnsmasq.upstream(),
      },
      ...(ov.overlay ? { overlay: ov.overlay } : {}),
    };
  }

  /** The overlay side of this host; undefined when virtnetd runs without --overlay-address. */
  get overlay(): OverlayHostSide | undefined {
    return this.host.overlay;
  }

  private unsupported(def: NetworkDef): void {
    if (isDirectNetwork(def)) return;
    const mode = networkMode(def);
    if (mode === 'bridge') {
      if (!def.bridge?.name)
        throw new VirtError(
          'CONFIG_UNSUPPORTED',
          `network '${def.name}': forward mode 'bridge' without <bridge name> (macvtap) is not supported yet`,
        );
      return;
    }
    if (!isRoutedL3Mode(mode))
      throw new VirtError(
        'CONFIG_UNSUPPORTED',
        `forward mode '${mode}' is not supported by virtnet yet (network '${def.name}')`,
      );
    if (!def.bridge?.name)
      throw new VirtError('CONFIG_UNSUPPORTED', `network '${def.name}' has no bridge name`);
  }

  /** Runs a plan; a failure (after the unwinding) becomes a VirtError naming the step, its command and error. */
  private async apply(plan: Plan, what: string, executor = this.host.executor): Promise<Step[]> {
    const blocker = plan.blockers[0];
    // libvirt's refusal of a <pf> without VFs is its internal error, in its words
    if (blocker?.code === 'INTERNAL_ERROR') throw new VirtError(blocker.code, blocker.message);
    if (blocker) {
      const reason = /^check (host bridge|pool)/.test(blocker.step)
        ? blocker.message
        : `step "${blocker.step}" failed: ${blocker.message}`;
      // refused before anything ran, because of what the host has (a name taken, a subnet routed, a bridge or a
      // pool device missing): a conflict with the host's state, not a failure of it
      throw this.failure(what, reason, undefined, 'HOST_CONFLICT', blocker.step);
    }
    try {
      return await applySteps(plan.steps, executor);
    } catch (e) {
      const failed = e instanceof StepFailed ? e : undefined;
      throw this.failure(what, (e as Error).message, e, 'OPERATION_FAILED', failed?.step.title);
    }
  }

  private failure(
    what: string,
    reason: string,
    cause?: unknown,
    code: 'OPERATION_FAILED' | 'HOST_CONFLICT' = 'OPERATION_FAILED',
    step?: string,
  ): VirtError {
    const err = new VirtError(code, `${what}: ${reason}`, cause === undefined ? undefined : { cause });
    const hint = hintFor(reason);
    if (hint) err.hint = hint;
    if (step) err.step = step;
    return err;
  }

  private stateOf(d: DesiredNetwork, o?: ObservedHost): RuntimeState {
    const def = d.def;
    if (isDirectNetwork(def)) {
      // a <pf>'s VFs as the start found them: the live definition lists them as the pool (libvirt)
      const pool = o && def.forward?.pf && !def.forward.interfaces.length ? resolvePool(d, o).devices : [];
      return { direct: true, ...(pool.length ? { pool } : {}) };
    }
    if (networkMode(def) === 'bridge') return { bridge: def.bridge?.name, hostBridge: true };
    const st: RuntimeState = { bridge: def.bridge?.name, firewall: hasFirewallRules(def) };
    if (d.overlay?.mtu) st.overlayMtu = d.overlay.mtu;
    const pid = o?.processes.get(`dnsmasq:${def.name}`);
    if (pid !== undefined) st.dnsmasqPid = pid;
    return st;
  }

  /** Lease watching and supervision of a running network, owned by its disposable store. */
  private track(d: DesiredNetwork, o?: ObservedHost): void {
    const old = this.perNetwork.get(d.def.name);
    if (old) void old.dispose();
    const store = new DisposableStore();
    this.perNetwork.set(d.def.name, store);
    if (d.overlay) {
      this.overlayNets.add(d.def.name);
      superviseFrr(this.host, d, o);
    }
    if (!needsDnsmasq(d.def) || networkMode(d.def) === 'bridge') return;
    store.add(this.host.watchLeases(d.def, d.dnsmasq.paths.leaseFile));
    const proc = dnsmasqProcess(d);
    const pid = o?.processes.get(proc.id);
    // adopted: supervise the dnsmasq that runs (one spawned by a plan is supervised by the executor already)
    if (pid !== undefined) store.add(this.host.supervise(dnsmasqSpawn(d), pid));
    else store.add(toDisposable(() => undefined));
  }

  private async untrack(name: string): Promise<void> {
    const store = this.perNetwork.get(name);
    this.perNetwork.delete(name);
    this.overlayNets.delete(name);
    this.degradedReasons.delete(name);
    await store?.dispose();
  }

  async start(def: NetworkDef, ports: PortDevice[] = [], batch: BatchStart = {}): Promise<RuntimeState> {
    this.unsupported(def);
    const d = this.desired(def, ports);
    const gate = batch.aroundSpawn;
    const executor = gate ? gatedExecutor(this.host.executor, gate) : undefined;
    await this.apply(
      await this.startPlan(d, batch.routes),
      `failed to start network '${def.name}'`,
      executor,
    );
    const seen = needsDnsmasq(def)
      ? await this.host.probe.observe({ links: [], processes: [dnsmasqProcess(d)] })
      : isDirectNetwork(def)
        ? await this.host.probe.observe(startScope(d, this.host.tapNodeDir))
        : undefined;
    this.track(d);
    this.log(`network '${def.name}' started${def.bridge?.name ? ` on ${def.bridge.name}` : ''}`);
    return this.stateOf(d, seen);
  }

  /** A start's plan with its hooks: the same for the real start and its dry run. */
  private async startPlan(d: DesiredNetwork, routes?: ObservedRoute[]): Promise<Plan> {
    const scope = startScope(d, this.host.tapNodeDir);
    const o = await this.host.probe.observe({ ...scope, hooks: true, routes: scope.routes && !routes });
    if (routes && scope.routes) o.routes = routes;
    return this.hooks.start(planStart(d, o), o.hooks, d.def);
  }

  async hostRoutes(): Promise<ObservedRoute[]> {
    return (await this.host.probe.observe({ links: [], routes: true })).routes;
  }

  private async stopPlan(
    def: NetworkDef,
    opts: { ports?: PortDevice[]; dropPorts?: boolean },
  ): Promise<Plan> {
    const d = this.desired(def, opts.ports);
    const o = needsDnsmasq(def)
      ? await this.host.probe.observe({ links: [], processes: [dnsmasqProcess(d)], hooks: true })
      : await this.host.probe.observe({ links: [], hooks: true });
    return this.hooks.stop(planStop(d, o, { dropPorts: opts.dropPorts === true }), o.hooks, def);
  }

  async stop(
    def: NetworkDef,
    _state: RuntimeState,
    opts: { ports?: PortDevice[]; dropPorts?: boolean } = {},
  ): Promise<void> {
    await this.untrack(def.name);
    const plan = await this.stopPlan(def, opts);
    // every action of a stop tolerates what is gone already; nothing is unwound (a failing `stopped` hook is
    // reported: the network is stopped all the same, as with libvirt)
    await applySteps(plan.steps, this.host.executor).catch((e) => {
      for (const l of this.listeners)
        l({ network: def.name, type: 'error', detail: { message: `stop: ${(e as Error).message}` } });
    });
    this.log(`network '${def.name}' stopped`);
  }

  private async reconcile(d: DesiredNetwork, o: ObservedHost, what: string): Promise<ReconcileOutcome> {
    const plan = planReconcile(d, o);
    const applied = plan.steps.length ? await this.apply(plan, what) : [];
    return { state: this.stateOf(d, o), problems: driftOf(plan), steps: applied.map((s) => s.title) };
  }

  async adopt(def: NetworkDef, _state: RuntimeState, ports: PortDevice[] = []): Promise<ReconcileOutcome> {
    this.unsupported(def);
    const d = this.desired(def, ports);
    const o = await this.host.probe.observe(reconcileScope(d, false, this.host.tapNodeDir));
    const bridge = def.bridge?.name as string;
    if (!isDirectNetwork(def) && networkMode(def) !== 'bridge' && !o.links.has(bridge)) {
      // the namespace was reset (a reboot) or the bridge deleted: nothing to adopt; clean up what is left
      await applySteps((await this.stopPlan(def, {})).steps, this.host.executor).catch(() => undefined);
      throw new VirtError('OPERATION_FAILED', `bridge ${bridge} of network '${def.name}' no longer exists`);
    }
    const outcome = await this.reconcile(d, o, `failed to adopt network '${def.name}'`);
    const after = outcome.steps.length
      ? await this.host.probe.observe(reconcileScope(d, false, this.host.tapNodeDir))
      : o;
    this.track(d, after);
    outcome.state = this.stateOf(d, after);
    return outcome;
  }

  async adoptAll(nets: ActiveNetwork[]): Promise<Array<ReconcileOutcome | Error>> {
    const desired = nets.map((n) => this.desired(n.def, n.ports));
    const supported = desired.map((d) => {
      try {
        this.unsupported(d.def);
        return undefined;
      } catch (e) {
        return e as Error;
      }
    });
    const scope = unionScope(desired.filter((_, k) => !supported[k]).map((d) => reconcileScope(d)));
    let o = await this.host.probe.observe(scope);
    const out: Array<ReconcileOutcome | Error> = [];
    for (const [k, d] of desired.entries()) {
      const refused = supported[k];
      if (refused) {
        out.push(refused);
        continue;
      }
      const bridge = d.def.bridge?.name as string;
      try {
        if (networkMode(d.def) !== 'bridge' && !o.links.has(bridge)) {
          await applySteps((await this.stopPlan(d.def, {})).steps, this.host.executor).catch(() => undefined);
          throw new VirtError(
            'OPERATION_FAILED',
            `bridge ${bridge} of network '${d.def.name}' no longer exists`,
          );
        }
        // what is as it should be costs nothing more; a network with steps to apply is looked at again alone
        const outcome = await this.reconcile(d, o, `failed to adopt network '${d.def.name}'`);
        const after = outcome.steps.length ? await this.host.probe.observe(reconcileScope(d)) : o;
        this.track(d, after);
        outcome.state = this.stateOf(d, after);
        out.push(outcome);
        // the table was made again: every other network's rules are to be planned against the new one
        if (outcome.steps.length && o.nft && !o.nft.table) o = await this.host.probe.observe(scope);
      } catch (e) {
        out.push(e as Error);
      }
    }
    return out;
  }

  async check(def: NetworkDef, _state: RuntimeState, ports: PortDevice[] = []): Promise<DriftProblem[]> {
    const d = this.desired(def, ports);
    const o = await this.host.probe.observe(reconcileScope(d, false, this.host.tapNodeDir));
    const problems = driftOf(planReconcile(d, o));
    const degraded = this.degradedReasons.get(def.name);
    if (degraded)
      problems.push({ what: `dnsmasq keeps failing: ${degraded}`, expected: 'running', actual: 'failing' });
    return problems;
  }

  async repair(def: NetworkDef, _state: RuntimeState, ports: PortDevice[] = []): Promise<ReconcileOutcome> {
    const d = this.desired(def, ports);
    const o = await this.host.probe.observe(reconcileScope(d, false, this.host.tapNodeDir));
    const outcome = await this.reconcile(d, o, `failed to repair network '${def.name}'`);
    if (outcome.steps.length) {
      const after = await this.host.probe.observe(reconcileScope(d, false, this.host.tapNodeDir));
      this.track(d, after);
      outcome.state = this.stateOf(d, after);
    }
    return outcome;
  }

  async heal(nets: ActiveNetwork[], only?: ReadonlySet<string>): Promise<HealResult[]> {
    const eligible = nets.filter(
      (n) => isRoutedL3Mode(networkMode(n.def)) || networkMode(n.def) === 'bridge' || isDirectNetwork(n.def),
    );
    // the host's upstream servers changed since the last round: the servers files are compared (and rewritten,
    // with a SIGHUP) this once; other rounds read no files
    const upstream = this.host.dnsmasq.upstream().join(' ');
    const followUpstream = upstream !== this.upstreamHealed;
    // a round after starts looks at the new networks only, unless the upstream servers changed (every file
    // follows); the others' desired state is not even made (a thousand of them were most of such a round)
    const partial = only !== undefined && !followUpstream;
    const desiredOf = (list: ActiveNetwork[]) => list.map((n) => this.desired(n.def, n.ports));
    let desired = desiredOf(partial ? eligible.filter((n) => only.has(n.def.name)) : eligible);
    const scopeOf = (d: DesiredNetwork) => {
      const s = reconcileScope(d, true);
      const dns = needsDnsmasq(d.def) && isRoutedL3Mode(networkMode(d.def));
      return followUpstream && dns ? { ...s, files: dnsmasqFiles(d) } : s;
    };
    const union = () => unionScope(desired.map(scopeOf));
    let o = await this.host.probe.observe(union());
    if (partial && o.nft && !o.nft.table) {
      // the table is gone: every network's rules went with it, so every network is healed
      desired = desiredOf(eligible);
      o = await this.host.probe.observe(union());
    }
    const out: HealResult[] = [];
    for (const d of desired) {
      const plan = planReconcile(d, o);
      if (plan.steps.length === 0) continue;
      try {
        const applied = await this.apply(plan, `failed to heal network '${d.def.name}'`);
        out.push({
          name: d.def.name,
          outcome: { state: this.stateOf(d), problems: driftOf(plan), steps: applied.map((s) => s.title) },
        });
        // a new table: every other network's rules went with the old one. Its contents are listed this once
        // (a presence probe would take the new, empty table for complete)
        if (applied.some((s) => s.id === TABLE_STEP))
          o = await this.host.probe.observe({ ...union(), nft: 'full' });
      } catch (e) {
        const err = e as VirtError;
        const error = err.message;
        this.log(error, { level: 'error', network: d.def.name, step: err.step, hint: err.hint });
        out.push({ name: d.def.name, outcome: { state: {}, problems: driftOf(plan), steps: [] }, error });
      }
    }
    this.upstreamHealed = upstream;
    const bridges = eligible.filter((n) => hasFirewallRules(n.def)).map((n) => n.def.bridge?.name as string);
    const docker = planDockerUser(bridges, o.dockerUser);
    if (docker.length) {
      await applySteps(docker, this.host.executor).catch((e) =>
        this.log(`DOCKER-USER: ${(e as Error).message}`),
      );
      for (const s of docker) this.log(s.title);
    }
    return out;
  }

  async leases(def: NetworkDef, _state?: RuntimeState): Promise<Lease[]> {
    return this.host.readLeases(def, this.host.dnsmasq.paths(def.name).leaseFile);
  }

  async changeForwards(
    def: NetworkDef,
    state: RuntimeState,
    add: PortForward[],
    remove: PortForward[],
  ): Promise<void> {
    if (!def.bridge?.name || state.firewall === false || !hasFirewallRules(def)) return;
    await this.apply(
      planForwardChange(def, add, remove),
      `failed to change the forwards of network '${def.name}'`,
    );
  }

  forwardCounters(): Promise<Map<string, { packets: number; bytes: number }>> {
    return this.host.forwardCounters();
  }

  async planChange(
    op: 'start' | 'stop' | 'forget',
    def: NetworkDef,
    _state?: RuntimeState,
    opts: { ports?: PortDevice[]; dropPorts?: boolean } = {},
  ): Promise<ChangePlan> {
    let plan: Plan;
    if (op === 'start') {
      this.unsupported(def);
      plan = await this.startPlan(this.desired(def, opts.ports));
    } else if (op === 'stop') plan = await this.stopPlan(def, opts);
    else plan = planForget(this.desired(def, opts.ports));
    const rec = this.recorder();
    await applySteps(plan.steps, rec.executor);
    return toChangePlan(rec.transcript, [...plan.blockers.map((b) => b.message), ...plan.warnings]);
  }

  async plugPort(def: NetworkDef, port: PortDevice): Promise<PlugResult> {
    const d = this.desired(def, [port]);
    const o = await this.host.probe.observe(portScope(d, this.host.tapNodeDir));
    const what = `failed to plug port ${port.uuid} into network '${def.name}'`;
    await this.apply(planPortPlug(d, port, o), what);
    return afterDirectPlug(
      this.host,
      port,
      o,
      portScope(d, this.host.tapNodeDir),
      (plan) => this.apply(plan, what),
      () => this.unplugPort(port),
    );
  }

  async setFloors(def: NetworkDef, ports: PortDevice[]): Promise<void> {
    const bridge = def.bridge?.name;
    if (!bridge || !def.bandwidth?.inbound?.average) return;
    const o = await this.host.probe.observe({ links: [bridge], tc: true, qdiscs: [bridge] });
    const steps = floorSteps(def, bridge, ports, o, o.tc ?? ALL_TC_FEATURES);
    if (steps.length)
      await this.apply({ ...emptyPlanOf(), steps }, `failed to set the floors of network '${def.name}'`);
  }

  runHooks(op: HookOp, def: NetworkDef, portXml?: string): Promise<void> {
    return this.hooks.run(op, def, portXml);
  }

  async unplugPort(port: PortDevice): Promise<void> {
    await applySteps(planPortUnplug(port).steps, this.host.executor).catch(() => undefined);
  }

  async reloadDhcpHosts(def: NetworkDef): Promise<void> {
    if (!needsDnsmasq(def) || networkMode(def) === 'bridge') return;
    const d = this.desired(def);
    const p = d.dnsmasq.paths;
    const o = await this.host.probe.observe({
      links: [],
      files: [p.hostsFile, p.addnHostsFile, p.serversFile],
      processes: [dnsmasqProcess(d)],
    });
    await this.apply(planHostsReload(d, o), `failed to reload the hosts of network '${def.name}'`);
  }

  async forget(def: NetworkDef, ports: PortDevice[] = []): Promise<void> {
    await applySteps(planForget(this.desired(def, ports)).steps, this.host.executor).catch(() => undefined);
  }

  degraded(network: string): string | undefined {
    return this.degradedReasons.get(network);
  }

  uplink(): string | undefined {
    return this.host.uplink();
  }

  hostAddresses(): string[] {
    return this.host.addresses();
  }

  hostHasDevice(name: string): boolean {
    return this.host.deviceExists(name);
  }

  linkFacts(name: string) {
    return this.host.linkFacts(name);
  }

  hostDevices() {
    return this.host.devices();
  }

  deviceCounters(name: string) {
    return this.host.counters(name);
  }

  listenSockets() {
    return this.host.listenSockets();
  }

  allDeviceCounters() {
    return this.host.allCounters();
  }

  watchedLeases(network: string): Lease[] | undefined {
    return this.host.watchedLeases(network);
  }

  async detach(): Promise<void> {
    for (const name of [...this.perNetwork.keys()]) await this.untrack(name);
    await this.own.dispose();
    await this.host.dispose();
  }
}
