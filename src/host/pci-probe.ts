// The host's PCI devices as libvirt's hostdev checks see them (sysfs, read only).

import { existsSync } from 'node:fs';
import { type PciProbe, pciSysfsPath } from '../model/network-hostdev.js';

/** A device is an SR-IOV virtual function when sysfs gives it a `physfn` link to its physical function. */
export const hostPciProbe: PciProbe = {
  isSriovVf: (address) => existsSync(`${pciSysfsPath(address)}/physfn`),
};
