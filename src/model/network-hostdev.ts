// hostdev networks: libvirt's define-time check that every PCI device of the pool is an SR-IOV virtual function.
// The model stays pure: the facts come from a probe the caller injects (the daemon passes the host's /sys).

import { VirtError } from './errors.js';
import type { NetworkDef, PciAddress } from './network-def.js';
import { pciLabel } from './network-parse-forward.js';

/** Host facts about PCI devices that validation needs. */
export interface PciProbe {
  /** True when the device at this address is an SR-IOV virtual function (libvirt: it has a `physfn` link). */
  isSriovVf(address: PciAddress): boolean;
}

/** Where libvirt (and the host probe) looks for a PCI device: /sys/bus/pci/devices/DDDD:BB:SS.F. */
export function pciSysfsPath(address: PciAddress): string {
  return `/sys/bus/pci/devices/${pciLabel(address)}`;
}

/**
 * libvirt 9.0 (networkValidate) refuses a hostdev pool listing a PCI device that is not a VF on this host, naming
 * the sysfs path of the first one; a missing device gets the same message (libvirt only looks for `physfn`).
 */
export function checkHostdevPool(def: NetworkDef, probe: PciProbe): void {
  if (def.forward?.mode !== 'hostdev') return;
  for (const a of def.forward.pciAddresses) {
    if (!probe.isSriovVf(a)) {
      throw new VirtError(
        'CONFIG_UNSUPPORTED',
        `device '${pciSysfsPath(a)}' in network '${def.name}' is not an SR-IOV Virtual Function`,
      );
    }
  }
}
