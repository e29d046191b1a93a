// net-update's policy: which of the live and persistent definitions a command changes (virsh's flags), which
// sections may change a running network, and how the change reaches it. The edit itself is the model's.

import { VirtError } from '../model/errors.js';
import type { NetworkDef } from '../model/network-def.js';
import {
  HUP_SECTIONS,
  parseUpdateSection,
  type UpdateSection,
  updateNetworkDef,
} from '../model/network-update.js';
import type { NetworkObj } from './registry.js';
import type { NetworkRuntime } from './runtime.js';
import type { Store } from './store.js';

/** Sections that can change a running network: dnsmasq re-reads hosts on SIGHUP; portgroups apply at plug time. */
const LIVE_SECTIONS: readonly UpdateSection[] = ['ip-dhcp-host', 'dns-host', 'portgroup'];

export interface UpdateRequest {
  command: string;
  section: string;
  xml: string;
  parentIndex?: number;
  live?: boolean;
  config?: boolean;
}

/**
 * Applies one net-update to the network object. Flags as virsh: neither live nor config means the live state of
 * an active network, else the persistent config. Both results are computed before anything changes, so a
 * refusal leaves both untouched.
 */
export async function applyUpdate(
  obj: NetworkObj,
  req: UpdateRequest,
  deps: { store: Store; runtime: NetworkRuntime; saveStatus: (obj: NetworkObj) => void },
): Promise<{ section: UpdateSection; live: boolean; config: boolean }> {
  const name = obj.def.name;
  let { live = false, config = false } = req;
  if (!live && !config) {
    if (obj.liveDef) live = true;
    else config = true;
  }
  if (live && !obj.liveDef) throw new VirtError('OPERATION_INVALID', 'network is not running');
  if (config && !obj.persistent) {
    throw new VirtError('OPERATION_INVALID', 'cannot change persistent config of a transient network');
  }
  const section = parseUpdateSection(req.section);
  if (live && !LIVE_SECTIONS.includes(section)) {
    throw new VirtError(
      'OPERATION_UNSUPPORTED',
      `can't update '${section}' section of running network '${name}' without restarting it; use --config and restart the network`,
    );
  }
  const liveNext = live
    ? updateNetworkDef(obj.liveDef as NetworkDef, req.command, section, req.xml, req.parentIndex)
    : undefined;
  const configNext = config
    ? updateNetworkDef(obj.newDef ?? obj.def, req.command, section, req.xml, req.parentIndex)
    : undefined;
  if (configNext) {
    deps.store.saveDefinition(configNext);
    if (obj.newDef) obj.newDef = configNext;
    else obj.def = configNext;
  }
  if (liveNext) {
    obj.liveDef = liveNext;
    if (!obj.persistent) obj.def = liveNext;
    deps.saveStatus(obj);
    if (HUP_SECTIONS.includes(section)) await deps.runtime.reloadDhcpHosts(liveNext, obj.runtime ?? {});
  }
  return { section, live, config };
}
