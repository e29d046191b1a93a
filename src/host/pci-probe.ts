// The host's PCI devices as libvirt's hostdev checks see them (sysfs, read only).

import { existsSync } from 'node:fs';
import type { PciAddress } from '../model/network-def.js';
import type { PciProbe } from '../model/network-hostdev.js';
import { pciLabel } from '../model/network-parse-forward.js';

/** Where libvirt (and this probe) looks for a PCI device: /sys/bus/pci/devices/DDDD:BB:SS.F. */
export function pciSysfsPath(address: PciAddress): string {
  return `/sys/bus/pci/devices/${pciLabel(address)}`;
}

/** A device is an SR-IOV virtual function when sysfs gives it a `physfn` link to its physical function. */
export const hostPciProbe: PciProbe = {
  isSriovVf: (address) => existsSync(`${pciSysfsPath(address)}/physfn`),
  sysfsPath: pciSysfsPath,
};
