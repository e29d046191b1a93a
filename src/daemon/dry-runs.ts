// Dry runs of define, create, start, destroy and undefine: every check the real change makes, then the plan the
// engine would run (the recording executor's transcript) plus the definition files — and nothing changes.

import type { ChangePlan } from '../api/types.js';
import { VirtError } from '../model/errors.js';
import type { NetworkDef } from '../model/network-def.js';
import { liveNetworkDef } from '../model/network-defaults.js';
import { formatNetworkXml } from '../model/network-format.js';
import { checkStartable } from '../model/network-validate.js';
import { emptyPlan } from './change-plan.js';
import type { PortService } from './port-service.js';
import type { NetworkObj, Registry } from './registry.js';
import type { NetworkRuntime } from './runtime.js';
import type { Store } from './store.js';

export interface DryRunContext {
  registry: Registry;
  store: Store;
  runtime: NetworkRuntime;
  ports: PortService;
  /** The definition a start runs with: live defaults and the ports' reservations. */
  liveFor(obj: NetworkObj | undefined, def: NetworkDef): NetworkDef;
}

/** Steps and file lists of two plans, one after the other. */
function concat(a: ChangePlan, b: ChangePlan): ChangePlan {
  const out: ChangePlan = {
    dryRun: true,
    commands: [...a.commands, ...b.commands],
    nft: a.nft + b.nft,
    files: [...a.files, ...b.files],
    steps: [...(a.steps ?? []), ...(b.steps ?? [])],
  };
  const warnings = [...(a.warnings ?? []), ...(b.warnings ?? [])];
  if (warnings.length) out.warnings = [...new Set(warnings)];
  return out;
}

function fileStep(path: string, content?: string): ChangePlan {
  const plan = emptyPlan();
  plan.files.push(content === undefined ? { path } : { path, content });
  const cmd =
    content === undefined ? `rm -f ${path}` : `write ${path} <<EOF\n${content.replace(/\n$/, '')}\nEOF`;
  plan.steps = [
    {
      id: `file:${path}`,
      title: content === undefined ? `remove ${path}` : `write ${path}`,
      commands: [cmd],
    },
  ];
  return plan;
}

/** Define: the definition file it would write; warnings for what a start would run into. */
export async function planDefine(ctx: DryRunContext, xml: string): Promise<ChangePlan> {
  const { def, existing } = ctx.registry.prepare(xml, (n) => ctx.runtime.hostHasDevice(n));
  const plan = fileStep(ctx.store.configFile(def.name), formatNetworkXml(def, { inactive: true }));
  const own = ownRunningBridge(existing);
  const warnings = [
    ...ctx.registry.subnetClashes(def),
    ...(await startWarnings(ctx, def)).filter((w) => !own || !aboutOwnBridge(w, own)),
  ];
  if (warnings.length) plan.warnings = [...new Set(warnings)];
  return plan;
}

/** The bridge the network runs on now, when a redefine targets an active network. */
function ownRunningBridge(existing: NetworkObj | undefined): string | undefined {
  return existing?.liveDef?.bridge?.name;
}

/**
 * A redefined active network applies at its next restart, which first removes its own bridge and routes: the
 * start check against the host as it is now finds them and must not warn about them.
 */
function aboutOwnBridge(warning: string, bridge: string): boolean {
  return (
    warning.includes(`a device named '${bridge}' already exists`) ||
    warning.includes(`already in use by interface ${bridge} `)
  );
}

/** What starting the defined network would run into; a start that would be refused is a warning here. */
async function startWarnings(ctx: DryRunContext, def: NetworkDef): Promise<string[]> {
  try {
    checkStartable(def);
    return (await ctx.runtime.planChange('start', liveNetworkDef(def))).warnings ?? [];
  } catch (e) {
    return [`starting it would fail: ${(e as Error).message}`];
  }
}

/** Create: a transient network started at once. */
export async function planCreate(ctx: DryRunContext, xml: string): Promise<ChangePlan> {
  const { def, existing } = ctx.registry.prepare(xml, (n) => ctx.runtime.hostHasDevice(n));
  if (existing?.liveDef) {
    throw new VirtError('OPERATION_INVALID', `network is already active as '${existing.def.name}'`);
  }
  checkStartable(def);
  return ctx.runtime.planChange('start', ctx.liveFor(existing, def), undefined, {
    ports: existing ? ctx.ports.devicesOf(def.name) : [],
  });
}

export function planStart(ctx: DryRunContext, id: string): Promise<ChangePlan> {
  const obj = ctx.registry.lookup(id);
  if (obj.liveDef) throw new VirtError('OPERATION_INVALID', 'network is already active');
  checkStartable(obj.def);
  return ctx.runtime.planChange('start', ctx.liveFor(obj, obj.def), undefined, {
    ports: ctx.ports.devicesOf(obj.def.name),
  });
}

export async function planDestroy(ctx: DryRunContext, id: string): Promise<ChangePlan> {
  const obj = ctx.registry.lookup(id);
  if (!obj.liveDef) throw new VirtError('OPERATION_INVALID', `network '${obj.def.name}' is not active`);
  const stop = await ctx.runtime.planChange('stop', obj.liveDef, obj.runtime ?? {}, {
    ports: ctx.ports.devicesOf(obj.def.name),
    dropPorts: !obj.persistent,
  });
  return obj.persistent ? stop : concat(stop, await ctx.runtime.planChange('forget', obj.liveDef));
}

export async function planUndefine(ctx: DryRunContext, id: string): Promise<ChangePlan> {
  const obj = ctx.registry.lookup(id);
  if (!obj.persistent) throw new VirtError('OPERATION_INVALID', "can't undefine transient network");
  let plan = fileStep(ctx.store.configFile(obj.def.name));
  if (obj.autostart) plan = concat(plan, fileStep(ctx.store.autostartLink(obj.def.name)));
  // an inactive network's last traces go too: its kept ports' devices and its lease file
  if (!obj.liveDef)
    plan = concat(
      plan,
      await ctx.runtime.planChange('forget', obj.def, undefined, {
        ports: ctx.ports.devicesOf(obj.def.name),
      }),
    );
  return plan;
}
