// Gathers what `virtnet doctor` judges about the underlay (src/doctor/overlay-checks.ts): the device and MTU of the
// overlay address, FRR's binaries, whether each peer's BGP port answers, base chains that drop by default on the
// input or output hook, and who holds UDP 4789.

import { readFileSync } from 'node:fs';
import { Socket } from 'node:net';
import type { UnderlayFacts } from '../doctor/overlay-checks.js';
import { VXLAN_PORT } from '../model/network-overlay.js';
import type { OverlayHostSide } from '../plan/overlay-host.js';
import { parseProcUdp } from './doctor-probe.js';
import { exec } from './exec.js';

/** A TCP connection to the peer's BGP port from our VTEP address: answered, refused, or nothing within `ms`. */
export function probeBgp(
  peer: string,
  local: string,
  ms = 1000,
): Promise<'open' | 'refused' | 'unreachable'> {
  return new Promise((resolve) => {
    const s = new Socket();
    const done = (r: 'open' | 'refused' | 'unreachable') => {
      s.destroy();
      resolve(r);
    };
    s.setTimeout(ms, () => done('unreachable'));
    s.once('connect', () => done('open'));
    s.once('error', (e: NodeJS.ErrnoException) =>
      done(e.code === 'ECONNREFUSED' ? 'refused' : 'unreachable'),
    );
    s.connect({ host: peer, port: 179, localAddress: local });
  });
}

async function dropChains(): Promise<{ chains: string[]; mentions4789: boolean }> {
  const chains: string[] = [];
  const r = await exec({ argv: ['nft', '-j', 'list', 'chains'] });
  try {
    for (const o of (JSON.parse(r.stdout) as { nftables: Array<Record<string, Record<string, unknown>>> })
      .nftables) {
      const c = o.chain;
      if ((c?.hook === 'input' || c?.hook === 'output') && c.policy === 'drop')
        chains.push(`${c.family} ${c.table} ${c.name} (${c.hook})`);
    }
  } catch {
    // no nft, or no chains
  }
  let mentions4789 = false;
  if (chains.length) {
    const all = await exec({ argv: ['nft', 'list', 'ruleset'] });
    mentions4789 = /\b4789\b/.test(all.stdout);
  }
  return { chains, mentions4789 };
}

function portTakenBy(): string | undefined {
  const read = (f: string) => {
    try {
      return readFileSync(f, 'utf8');
    } catch {
      return '';
    }
  };
  // the kernel's own VXLAN sockets have no inode; a program's have one
  const l = [...parseProcUdp(read('/proc/net/udp')), ...parseProcUdp(read('/proc/net/udp6'))].find(
    (x) => x.port === VXLAN_PORT && x.inode !== 0,
  );
  return l ? `a program's socket on ${l.address}:${VXLAN_PORT} (inode ${l.inode})` : undefined;
}

export async function probeUnderlay(ov: OverlayHostSide): Promise<UnderlayFacts> {
  const under = ov.underlay();
  const [peers, drops] = await Promise.all([
    Promise.all(
      ov.config.peers.map(async (address) => ({ address, bgp: await probeBgp(address, ov.config.address) })),
    ),
    dropChains(),
  ]);
  const taken = portTakenBy();
  return {
    address: ov.config.address,
    ...(under ? { device: under.device, mtu: under.mtu } : {}),
    frrInstalled: ov.frrInstalled(),
    peers,
    dropChains: drops.chains,
    mentions4789: drops.mentions4789,
    ...(taken ? { portTakenBy: taken } : {}),
  };
}
