// Starts the traffic-filter service next to the network daemon: its store and host side, the standard filters,
// and the DHCP leases of virtnet's networks as the source of learned guest addresses.

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Lease } from '../api/types.js';
import { NftNwfilterHost, RecordingNwfilterHost } from '../host/nwfilter-apply.js';
import type { Daemon } from './daemon.js';
import { NwfilterService } from './nwfilter-service.js';
import { NwfilterStore } from './nwfilter-store.js';

/** The filter files libvirt's package ships (share/nwfilter of this checkout). */
export const STANDARD_FILTERS = join(dirname(fileURLToPath(import.meta.url)), '../../../share/nwfilter');

export async function startNwfilters(
  daemon: Daemon,
  opts: { configDir: string; stateDir: string; memory: boolean; log: (m: string) => void },
): Promise<NwfilterService> {
  const store = new NwfilterStore(opts.configDir, opts.stateDir);
  const host = opts.memory ? new RecordingNwfilterHost(true) : new NftNwfilterHost();
  const service = new NwfilterService(store, host, {
    log: opts.log,
    leaseOf: async (mac) => {
      for (const n of daemon.list({ active: true })) {
        const l = (await daemon.leases(n.name, mac).catch(() => [] as Lease[])).find(
          (x) => x.protocol === 'ipv4',
        );
        if (l) return l.ipaddr;
      }
      return undefined;
    },
  });
  await service.load(STANDARD_FILTERS);
  daemon.onEvent((e) => {
    if (e.type !== 'lease' || !e.detail) return;
    const d = e.detail as { leases?: Lease[]; removed?: Lease[] };
    // a renewal shows up as the old lease removed and the new one added: only the outcome per MAC counts
    const now = new Map<string, string | undefined>();
    for (const l of d.removed ?? []) if (l.protocol === 'ipv4') now.set(l.mac.toLowerCase(), undefined);
    for (const l of d.leases ?? []) if (l.protocol === 'ipv4') now.set(l.mac.toLowerCase(), l.ipaddr);
    for (const [mac, ip] of now) void service.onLease(mac, ip);
  });
  return service;
}
