// What `virsh net-define` then `net-dumpxml --inactive` does, run through virtnet's model, for conformance tests.

import { isVirtError } from '../../../src/model/errors.js';
import { applyDefineDefaults } from '../../../src/model/network-defaults.js';
import { formatNetworkXml } from '../../../src/model/network-format.js';
import type { PciProbe } from '../../../src/model/network-hostdev.js';
import { parseNetworkXml } from '../../../src/model/network-parse.js';
import { validateNetworkDef } from '../../../src/model/network-validate.js';

/** The outcome of a define: the dumped XML (with virsh's trailing newline), or the refusal's message. */
export type DefineOutcome = { output: string } | { error: string };

/** parse → validate → define defaults (lowest free bridge, fixed "random" bytes) → format --inactive. */
export function defineOutcome(xml: string, pci?: PciProbe): DefineOutcome {
  try {
    const def = parseNetworkXml(xml);
    validateNetworkDef(def, pci);
    const withDefaults = applyDefineDefaults(def, {
      bridgeInUse: () => false,
      random: (n) => new Uint8Array(n).fill(0x42),
    });
    return { output: `${formatNetworkXml(withDefaults, { inactive: true })}\n` };
  } catch (e) {
    if (!isVirtError(e)) throw e;
    return { error: e.message };
  }
}

/** libvirt's recorded outputs replace generated uuid/MAC values with GENERATED; do the same to ours. */
export function maskGenerated(actual: string, expected: string): string {
  let out = actual;
  if (expected.includes("<mac address='GENERATED'/>"))
    out = out.replace(/^ {2}<mac address='[^']*'\/>$/m, "  <mac address='GENERATED'/>");
  if (expected.includes('<uuid>GENERATED</uuid>'))
    out = out.replace(/^ {2}<uuid>[^<]*<\/uuid>$/m, '  <uuid>GENERATED</uuid>');
  return out;
}
