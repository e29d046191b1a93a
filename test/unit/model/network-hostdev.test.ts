// hostdev pools of PCI addresses: refused unless every device is an SR-IOV virtual function of this host
// (libvirt 9.0's networkValidate), asked of an injected probe; and the host's own probe on this machine.

import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { describe, test } from 'node:test';
import { hostPciProbe, pciSysfsPath } from '../../../src/host/pci-probe.js';
import type { PciAddress } from '../../../src/model/network-def.js';
import type { PciProbe } from '../../../src/model/network-hostdev.js';
import { pciLabel } from '../../../src/model/network-parse.js';
import { defineOutcome } from './libvirt-define.js';

const hostdev = (...addresses: string[]) =>
  `<network><name>hd</name><forward mode='hostdev' managed='yes'><driver name='vfio'/>${addresses
    .map((a) => {
      const [domain, bus, slotFn] = a.split(':');
      const [slot, fn] = (slotFn as string).split('.');
      return `<address type='pci' domain='0x${domain}' bus='0x${bus}' slot='0x${slot}' function='0x${fn}'/>`;
    })
    .join('')}</forward></network>`;

const probeOf = (vfs: string[]): PciProbe => ({
  isSriovVf: (a: PciAddress) => vfs.includes(pciLabel(a)),
  sysfsPath: pciSysfsPath,
});

describe('hostdev pool check', () => {
  test('a pool of virtual functions is defined and dumped as virsh 9.0 prints it', () => {
    const out = defineOutcome(
      hostdev('0000:03:10.1', '0000:03:10.3'),
      probeOf(['0000:03:10.1', '0000:03:10.3']),
    );
    assert.ok('output' in out, JSON.stringify(out));
    assert.equal(
      out.output.replace(/<uuid>[^<]*<\/uuid>/, '<uuid>U</uuid>'),
      `<network>
  <name>hd</name>
  <uuid>U</uuid>
  <forward mode='hostdev' managed='yes'>
    <driver name='vfio'/>
    <address type='pci' domain='0x0000' bus='0x03' slot='0x10' function='0x1'/>
    <address type='pci' domain='0x0000' bus='0x03' slot='0x10' function='0x3'/>
  </forward>
</network>

`,
    );
  });

  test("the first device that is no VF is named with its sysfs path, in libvirt's words", () => {
    const out = defineOutcome(hostdev('0000:03:10.1', '0000:03:10.2'), probeOf(['0000:03:10.1']));
    assert.deepEqual(out, {
      error:
        "unsupported configuration: device '/sys/bus/pci/devices/0000:03:10.2' in network 'hd' is not an SR-IOV Virtual Function",
    });
  });

  test('without a probe (no host facts, e.g. the web UI checking as you type) the pool is not judged', () => {
    assert.ok('output' in defineOutcome(hostdev('0000:03:10.2')));
  });

  test('a <pf> pool is not checked at define time (libvirt expands it when the network starts)', () => {
    const xml = "<network><name>hd</name><forward mode='hostdev'><pf dev='eth2'/></forward></network>";
    assert.ok('output' in defineOutcome(xml, probeOf([])));
  });

  test('sysfs paths: domain, bus and slot in hex, as libvirt formats them', () => {
    assert.equal(
      pciSysfsPath({ domain: 0x10000, bus: 0xff, slot: 0x1f, function: 7 }),
      '/sys/bus/pci/devices/10000:ff:1f.7',
    );
  });
});

describe("this host's PCI devices (the real probe)", () => {
  const devices = existsSync('/sys/bus/pci/devices') ? readdirSync('/sys/bus/pci/devices') : [];
  const toAddress = (label: string): PciAddress => {
    const [domain, bus, slotFn] = label.split(':');
    const [slot, fn] = (slotFn as string).split('.');
    return {
      domain: Number.parseInt(domain as string, 16),
      bus: Number.parseInt(bus as string, 16),
      slot: Number.parseInt(slot as string, 16),
      function: Number.parseInt(fn as string, 16),
    };
  };

  test('answers like sysfs: a VF has a physfn link, anything else (or nothing at that address) is no VF', () => {
    for (const label of devices) {
      assert.equal(
        hostPciProbe.isSriovVf(toAddress(label)),
        existsSync(`/sys/bus/pci/devices/${label}/physfn`),
        label,
      );
    }
    assert.equal(hostPciProbe.isSriovVf({ domain: 0xfffe, bus: 0xff, slot: 0x1f, function: 7 }), false);
  });

  test('a pool of a device of this machine that is no VF is refused, as libvirt 9.0 refused it here', (t) => {
    const plain = devices.find((l) => !existsSync(`/sys/bus/pci/devices/${l}/physfn`));
    if (!plain) {
      // every PCI device being a VF would be a strange host; then the nonexistent address still proves the refusal
      t.diagnostic('no PCI device without physfn here; using an address with no device');
    }
    const label = plain ?? 'fffe:ff:1f.7';
    const out = defineOutcome(hostdev(label), hostPciProbe);
    assert.deepEqual(out, {
      error: `unsupported configuration: device '/sys/bus/pci/devices/${label}' in network 'hd' is not an SR-IOV Virtual Function`,
    });
  });
});
