// virsh's --inbound average[,peak[,burst[,floor]]] and --outbound average[,peak[,burst]] (attach-interface,
// port-add) as a port's <bandwidth>, with virsh's words for a bad value.

import { parseRateOption } from '../model/bandwidth-floor.js';
import type { VirtError } from '../model/errors.js';
import type { BandwidthDef } from '../model/network-def.js';
import { CliError } from './errors.js';

export function bandwidthOptions(a: Record<string, string | boolean | undefined>): BandwidthDef | undefined {
  const out: BandwidthDef = {};
  for (const dir of ['inbound', 'outbound'] as const) {
    const v = a[dir];
    if (v === undefined) continue;
    if (typeof v !== 'string') throw new CliError([`--${dir} takes a value`]);
    try {
      out[dir] = parseRateOption(v, dir);
    } catch (e) {
      throw new CliError([(e as VirtError).detail ?? (e as Error).message]);
    }
  }
  return out.inbound || out.outbound ? out : undefined;
}
