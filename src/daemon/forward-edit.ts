// Adding and removing a port forward as a change of forward lists (the live one and the persistent one): which
// forwards to add to and remove from the kernel, checked against the network. Pure; the daemon applies the result.

import { VirtError } from '../model/errors.js';
import type { NetworkDef } from '../model/network-def.js';
import {
  checkForward,
  type ForwardKey,
  forwardLabel,
  normalizeForward,
  type PortForward,
  readForwards,
  resolveTarget,
  sameKey,
} from '../model/port-forward.js';

export interface ForwardEdit {
  /** The forward list after the change. */
  next: PortForward[];
  add: PortForward[];
  remove: PortForward[];
}

/** A client's forward (API JSON): target may be "ADDR" or a DHCP host name of the network. */
export function forwardFromInput(def: NetworkDef, input: Record<string, unknown>): PortForward {
  const target = input.targetAddress;
  if (typeof target !== 'string' || target === '') {
    throw new VirtError(
      'INVALID_ARG',
      'a forward needs a target address (or a DHCP host name of the network)',
    );
  }
  return normalizeForward({ ...input, targetAddress: resolveTarget(def, target) });
}

export function addForwardEdit(def: NetworkDef, f: PortForward): ForwardEdit {
  const current = readForwards(def);
  checkForward(def, f, current);
  return { next: [...current, f], add: [f], remove: [] };
}

/** Removal by key; undefined when this list has no such forward. */
export function deleteForwardEdit(def: NetworkDef, key: ForwardKey): ForwardEdit | undefined {
  const current = readForwards(def);
  const gone = current.filter((f) => sameKey(f, key));
  if (gone.length === 0) return undefined;
  return { next: current.filter((f) => !sameKey(f, key)), add: [], remove: gone };
}

export function noSuchForward(network: string, key: ForwardKey): VirtError {
  return new VirtError('INVALID_ARG', `network '${network}' has no forward ${forwardLabel(key)}`);
}
