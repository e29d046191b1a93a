// netmode when virtnetd does not answer: what the kernel alone shows about a device (a bridge, its ports and
// addresses, or the bridge a device is a port of). Network and guest names need the daemon's definitions.

import type { listHostDevices } from '../host/devices.js';
import type { NetmodeReport } from '../model/netmode.js';
import { CliError } from './errors.js';

type HostDevice = ReturnType<typeof listHostDevices>[number];

const UPLINK_KINDS = new Set(['physical', 'bond', 'vlan']);

function bridgeEvidence(br: HostDevice, all: HostDevice[]): { evidence: string[]; bridged: boolean } {
  const ports = all.filter((d) => d.master === br.name);
  const evidence = [
    `bridge ${br.name} is ${br.up ? 'up' : 'down'}${br.addresses.length ? `, addresses ${br.addresses.join(', ')}` : ', no addresses'}`,
    ports.length ? `its ports: ${ports.map((p) => `${p.name} (${p.kind})`).join(', ')}` : 'it has no ports',
  ];
  // a host NIC in the bridge and no address of the host on it: guests are on that NIC's LAN
  return { evidence, bridged: ports.some((p) => UPLINK_KINDS.has(p.kind)) && br.addresses.length === 0 };
}

/** The kernel's answer for NAME, or a CliError saying what cannot be known without the daemon. */
export function kernelNetmode(name: string, devices: HostDevice[], why: string): NetmodeReport {
  const head = `virtnetd does not answer (${why}): from the kernel alone, without virtnet's definitions`;
  const dev = devices.find((d) => d.name === name);
  if (!dev) {
    throw new CliError([
      `error: virtnetd does not answer (${why}) and the kernel has no device '${name}'; network and guest names need the daemon`,
    ]);
  }
  const br = dev.kind === 'bridge' ? dev : devices.find((d) => d.name === dev.master && d.kind === 'bridge');
  if (!br) {
    return {
      subject: { kind: 'device', name },
      mode: 'unknown',
      summary: `device ${name} (${dev.kind}) is on no bridge`,
      evidence: [head, `device ${name} is ${dev.up ? 'up' : 'down'} and a port of no bridge`],
      problems: [],
    };
  }
  const { evidence, bridged } = bridgeEvidence(br, devices);
  if (br !== dev) evidence.unshift(`device ${name} (${dev.kind}) is a port of bridge ${br.name}`);
  return {
    subject: { kind: 'device', name },
    mode: bridged ? 'bridge' : 'unknown',
    summary: bridged
      ? `bridged: ${br.name} holds a host NIC, guests on it are on that LAN`
      : `bridge ${br.name}: a virtual network's bridge; its mode is in its definition (start virtnetd to see it)`,
    evidence: [head, ...evidence],
    problems: [],
  };
}
