// hostdev networks: libvirt's define-time check that every PCI device of the pool is an SR-IOV virtual function.
// The model stays pure: the facts come from a probe the caller injects (the daemon passes the host's sysfs).

import { VirtError } from './errors.js';
import type { NetworkDef, PciAddress } from './network-def.js';

/** Host facts about PCI devices that validation needs. */
export interface PciProbe {
  /** True when the device at this address is an SR-IOV virtual function (libvirt: it has a `physfn` link). */
  isSriovVf(address: PciAddress): boolean;
  /** Where the host keeps the device (libvirt names this path in its refusal; src/host/pci-probe.ts knows it). */
  sysfsPath(address: PciAddress): string;
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
        `device '${probe.sysfsPath(a)}' in network '${def.name}' is not an SR-IOV Virtual Function`,
      );
    }
  }
}
