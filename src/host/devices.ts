// The host's network devices as sysfs shows them: kind, link state, addresses, bridge master, traffic counters.
// Read only; used by the web UI's bridge picker and live traffic figures, and by /metrics (every device's counters
// in one read of /proc/net/dev, whatever the number of networks).

import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { basename } from 'node:path';
import type { DeviceCounters, DeviceKind, HostDevice } from '../plan/host-side.js';

const sys = (dev: string, file: string) => readFileSync(`/sys/class/net/${dev}/${file}`, 'utf8').trim();

function kindOf(dev: string): DeviceKind {
  const has = (p: string) => {
    try {
      readdirSync(`/sys/class/net/${dev}/${p}`);
      return true;
    } catch {
      return false;
    }
  };
  if (dev === 'lo') return 'loopback';
  if (has('bridge')) return 'bridge';
  if (has('bonding')) return 'bond';
  let uevent = '';
  try {
    uevent = sys(dev, 'uevent');
  } catch {
    // no uevent: decide from the other hints
  }
  if (/DEVTYPE=vlan/.test(uevent)) return 'vlan';
  try {
    if (Number.parseInt(sys(dev, 'tun_flags'), 16) & 0x2) return 'tap';
  } catch {
    // not a tun/tap device
  }
  if (has('device')) return 'physical';
  try {
    if (
      readlinkSync(`/sys/class/net/${dev}`).includes('/virtual/') &&
      sys(dev, 'iflink') !== sys(dev, 'ifindex')
    )
      return 'veth';
  } catch {
    // keep 'other'
  }
  return 'other';
}

export function listHostDevices(): HostDevice[] {
  const addrs = networkInterfaces();
  const out: HostDevice[] = [];
  for (const name of readdirSync('/sys/class/net').sort()) {
    let up = false;
    try {
      up = (Number(sys(name, 'flags')) & 1) === 1;
    } catch {
      continue;
    }
    const d: HostDevice = {
      name,
      kind: kindOf(name),
      up,
      addresses: (addrs[name] ?? []).map((a) => a.cidr ?? a.address),
    };
    try {
      d.master = basename(readlinkSync(`/sys/class/net/${name}/master`));
    } catch {
      // not enslaved
    }
    out.push(d);
  }
  return out;
}

export function deviceCounters(dev: string): DeviceCounters | undefined {
  try {
    const n = (f: string) => Number(sys(dev, `statistics/${f}`));
    return {
      rxBytes: n('rx_bytes'),
      txBytes: n('tx_bytes'),
      rxPackets: n('rx_packets'),
      txPackets: n('tx_packets'),
    };
  } catch {
    return undefined;
  }
}

/**
 * /proc/net/dev's text → counters by device. The kernel fills both this file and sysfs' statistics/ from the same
 * dev_get_stats(), so the figures agree; one read covers every device of the namespace.
 */
export function parseProcNetDev(text: string): Map<string, DeviceCounters> {
  const out = new Map<string, DeviceCounters>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    // receive: bytes packets errs drop fifo frame compressed multicast; transmit: bytes packets ...
    if (!name || f.length < 16 || f.some((n) => !Number.isFinite(n))) continue;
    out.set(name, {
      rxBytes: f[0] as number,
      rxPackets: f[1] as number,
      txBytes: f[8] as number,
      txPackets: f[9] as number,
    });
  }
  return out;
}

/** Counters of every device of this network namespace (one read). */
export function allDeviceCounters(): Map<string, DeviceCounters> {
  try {
    return parseProcNetDev(readFileSync('/proc/net/dev', 'utf8'));
  } catch {
    return new Map();
  }
}
