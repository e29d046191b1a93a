// libvirt's guaranteed minimum ('floor'): which networks take it, when a new floor would overcommit the network's
// inbound, the class ID a floored port gets, and the rate left for traffic without a floor (libvirt's
// networkCheckBandwidth and networkPlugBandwidthImpl). Pure.

import { VirtError } from './errors.js';
import type { BandwidthDef, BandwidthRate, NetworkDef } from './network-def.js';
import { networkMode } from './network-def.js';

export function floorOf(bw: BandwidthDef | undefined): number {
  return bw?.inbound?.floor ?? 0;
}

/**
 * Throws libvirt 9.0's refusal when a port with this bandwidth cannot join the network: a floor on a network
 * that is not nat/route/open/isolated, or without inbound QoS, or a floor sum above the inbound peak (average).
 * `others`: the floors of the network's other ports.
 */
export function checkFloor(def: NetworkDef, mac: string, bw: BandwidthDef | undefined, others: number): void {
  const floor = floorOf(bw);
  if (!floor) return;
  const mode = networkMode(def);
  if (!['nat', 'route', 'open', 'isolated'].includes(mode)) {
    throw new VirtError(
      'OPERATION_UNSUPPORTED',
      `Invalid use of 'floor' on interface with MAC address ${mac} - 'floor' is only supported for interface type 'network' with forward type 'nat', 'route', 'open' or none`,
    );
  }
  const net = def.bandwidth?.inbound;
  if (!net) {
    throw new VirtError(
      'OPERATION_UNSUPPORTED',
      `Invalid use of 'floor' on interface with MAC address ${mac} - network '${def.name}' has no inbound QoS set`,
    );
  }
  const sum = others + floor;
  const limit = net.peak ? { name: 'peak', value: net.peak } : { name: 'average', value: net.average ?? 0 };
  if (sum > limit.value) {
    throw new VirtError(
      'OPERATION_INVALID',
      `Cannot plug '${mac}' interface into '${def.bridge?.name}' because new combined inbound floor=${sum} would overcommit ${limit.name}=${limit.value} on network '${def.name}'`,
    );
  }
}

/** The class ID libvirt gives the next floored port: the lowest free one, 1:1 and 1:2 being the network's. */
export function nextClassId(used: Iterable<number>): number {
  const taken = new Set(used);
  let id = 3;
  while (taken.has(id)) id++;
  return id;
}

/** What traffic without a floor is guaranteed: the network's inbound peak (else average) less the floors. */
export function nonGuaranteedRate(def: NetworkDef, floorSum: number): number {
  const net = def.bandwidth?.inbound;
  // (at least 1: tc takes no zero rate, and floors may take the whole of it)
  return Math.max(1, (net?.peak || net?.average || 0) - floorSum);
}

const MAX_RATE = 0xffffffff;

/**
 * virsh's --inbound average[,peak[,burst[,floor]]] and --outbound average[,peak[,burst]] (kilobytes per second,
 * burst in kilobytes) as a rate; throws INVALID_ARG with virsh's words for anything else.
 */
export function parseRateOption(text: string, dir: 'inbound' | 'outbound'): BandwidthRate {
  const parts = text.split(',');
  const max = dir === 'inbound' ? 4 : 3;
  const nums = parts.map((p) => (p === '' ? 0 : /^\d{1,10}$/.test(p) ? Number(p) : Number.NaN));
  if (parts.length > max || nums.some((n) => !Number.isInteger(n) || n > MAX_RATE))
    throw new VirtError('INVALID_ARG', `${dir} format is incorrect`);
  const [average, peak, burst, floor] = nums;
  const r: BandwidthRate = {};
  if (average) r.average = average;
  if (peak) r.peak = peak;
  if (burst) r.burst = burst;
  if (floor) r.floor = floor;
  if (!r.average && !(dir === 'inbound' && r.floor))
    throw new VirtError('INVALID_ARG', `${dir} average is mandatory`);
  return r;
}

/** A bandwidth given as data (the API's JSON): the same rules as the options and the XML. */
export function checkBandwidthRequest(bw: unknown): BandwidthDef {
  if (typeof bw !== 'object' || bw === null)
    throw new VirtError('INVALID_ARG', 'bandwidth must be an object');
  const out: BandwidthDef = {};
  for (const dir of ['inbound', 'outbound'] as const) {
    const r = (bw as Record<string, unknown>)[dir];
    if (r === undefined) continue;
    if (typeof r !== 'object' || r === null) throw new VirtError('INVALID_ARG', `${dir} format is incorrect`);
    const fields = dir === 'inbound' ? ['average', 'peak', 'burst', 'floor'] : ['average', 'peak', 'burst'];
    const o = r as Record<string, unknown>;
    if (Object.keys(o).some((k) => !fields.includes(k)))
      throw new VirtError('INVALID_ARG', `${dir} format is incorrect`);
    out[dir] = parseRateOption(fields.map((f) => (o[f] === undefined ? '' : String(o[f]))).join(','), dir);
  }
  return out;
}
