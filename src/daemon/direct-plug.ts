// What plugging a direct port finds out once its device exists: the node of a macvtap's character device a
// hypervisor opens (made when /dev/tapN is not the macvtap's own), and a passthrough pool device's own MAC.

import type { PortDevice } from '../plan/desired.js';
import { isDirectPort, lowerMacOf, tapNodeStep } from '../plan/direct-steps.js';
import type { HostSide } from '../plan/host-side.js';
import type { ObservedHost, ProbeScope } from '../plan/observed.js';
import { emptyPlanOf, type Plan } from '../plan/steps.js';
import type { PlugResult } from './runtime.js';

export async function afterDirectPlug(
  host: HostSide,
  port: PortDevice,
  before: ObservedHost,
  scope: ProbeScope,
  apply: (plan: Plan) => Promise<unknown>,
  unplug: () => Promise<void>,
): Promise<PlugResult> {
  if (!isDirectPort(port)) return {};
  const lowerMac = lowerMacOf(port, before);
  const result: PlugResult = lowerMac ? { lowerMac } : {};
  if (port.kind !== 'macvtap') return result;
  // its character device's number is known once the macvtap exists
  const dir = host.tapNodeDir ?? '/run/virtnet/dev';
  const node = tapNodeStep(port, await host.probe.observe(scope), dir);
  try {
    if (node.step) await apply({ ...emptyPlanOf(), steps: [node.step] });
  } catch (e) {
    await unplug();
    throw e;
  }
  if (node.path) result.tapPath = node.path;
  if (node.path?.startsWith(`${dir}/`)) result.tapNode = node.path;
  return result;
}
