// libvirt 9.0 conformance: every xml2xml vector formats byte for byte as libvirt printed it; every refusal refuses.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { isVirtError } from '../../../src/model/errors.js';
import type { NetworkDef } from '../../../src/model/network-def.js';
import { applyDefineDefaults } from '../../../src/model/network-defaults.js';
import { formatNetworkXml } from '../../../src/model/network-format.js';
import { parseNetworkXml } from '../../../src/model/network-parse.js';
import { validateNetworkDef } from '../../../src/model/network-validate.js';

export const FIXTURES = join(import.meta.dirname, '../../../../test/fixtures/conformance');

/** Define as virsh net-define does, then dump --inactive with virsh's trailing newline. */
export function defineAndDump(xml: string): string {
  const def: NetworkDef = parseNetworkXml(xml);
  validateNetworkDef(def);
  const withDefaults = applyDefineDefaults(def, {
    bridgeInUse: () => false,
    random: (n) => new Uint8Array(n).fill(0x42),
  });
  return `${formatNetworkXml(withDefaults, { inactive: true })}\n`;
}

/** libvirt's expected outputs replace generated uuid/MAC values with GENERATED; do the same to ours. */
function maskGenerated(actual: string, expected: string): string {
  let out = actual;
  if (expected.includes("<mac address='GENERATED'/>"))
    out = out.replace(/<mac address='[^']*'\/>/, "<mac address='GENERATED'/>");
  if (expected.includes('<uuid>GENERATED</uuid>'))
    out = out.replace(/<uuid>[^<]*<\/uuid>/, '<uuid>GENERATED</uuid>');
  return out;
}

function errorText(file: string): string {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('Failed to define network'))
    .join('\n');
}

/** libvirt refuses these only on hosts without the PCI device they name; virtnet defines them (and never starts them). */
const HOST_DEPENDENT = /SR-IOV Virtual Function/;

type Stage = 'parse' | 'validate' | 'define';

/**
 * Where each refusal vector must fail, as libvirt's tests state it: `parse` is the XML parser (libvirt's
 * virNetworkDefParse), `validate` the checks a define makes before anything is stored (the driver's
 * networkValidate), `define` the defaults and registry (uuid, name, bridge). A vector missing here fails.
 */
const REFUSAL_STAGE: Record<string, Stage> = {
  '8021Qbh-net': 'validate',
  'hostdev-duplicate': 'parse',
  'open-network-with-forward-dev': 'parse',
  'openvswitch-net': 'validate',
  'passthrough-address-crash': 'validate',
  'passthrough-duplicate': 'parse',
  'passthrough-pf': 'validate',
  'routed-network-no-dns-extra-elements': 'parse',
};

/** The stage that refuses the input (with its error), or 'accepted'. */
function refusalStage(xml: string): { stage: Stage | 'accepted'; error?: unknown } {
  let def: NetworkDef;
  try {
    def = parseNetworkXml(xml);
  } catch (error) {
    return { stage: 'parse', error };
  }
  try {
    validateNetworkDef(def);
  } catch (error) {
    return { stage: 'validate', error };
  }
  try {
    applyDefineDefaults(def, { bridgeInUse: () => false, random: (n) => new Uint8Array(n).fill(0x42) });
  } catch (error) {
    return { stage: 'define', error };
  }
  return { stage: 'accepted' };
}

for (const [inputs, outputs] of [
  ['libvirt/networkxml2xmlin', 'libvirt-9.0/xml2xml'],
  ['libvirt/networkxmlconfdata', 'libvirt-9.0/xmlconfdata-xml2xml'],
] as const) {
  describe(`conformance ${outputs}`, () => {
    const counts = { same: 0, total: 0, refused: 0, refusedTotal: 0, sameMessage: 0, hostDependent: 0 };
    for (const file of readdirSync(join(FIXTURES, inputs)).sort()) {
      if (!file.endsWith('.xml')) continue;
      const base = file.slice(0, -4);
      const input = readFileSync(join(FIXTURES, inputs, file), 'utf8');
      const errFile = join(FIXTURES, outputs, `${base}.err`);
      if (existsSync(errFile)) {
        const expected = errorText(errFile);
        if (HOST_DEPENDENT.test(expected)) {
          counts.hostDependent++;
          test(`${base} is refused by libvirt only for this host's PCI devices; virtnet defines it`, () => {
            assert.equal(refusalStage(input).stage, 'accepted');
          });
          continue;
        }
        counts.refusedTotal++;
        test(`${base} is refused at ${REFUSAL_STAGE[base] ?? '(no stage given)'}: ${expected}`, () => {
          const stage = REFUSAL_STAGE[base];
          assert.ok(stage, `refusal vector ${base} states no stage in REFUSAL_STAGE`);
          const r = refusalStage(input);
          assert.equal(r.stage, stage, `refused at ${r.stage}, expected at ${stage}`);
          assert.ok(isVirtError(r.error), `not a VirtError: ${r.error}`);
          const message = r.error.message;
          counts.refused++;
          if (message === expected) counts.sameMessage++;
          assert.equal(message, expected);
        });
        continue;
      }
      const outFile = join(FIXTURES, outputs, `${base}.xml`);
      if (!existsSync(outFile)) {
        test(`${base} has an expected output`, () => assert.fail(`no ${outputs}/${base}.xml or .err`));
        continue;
      }
      counts.total++;
      test(`${base} formats as libvirt 9.0`, () => {
        const expected = readFileSync(outFile, 'utf8');
        assert.equal(maskGenerated(defineAndDump(input), expected), expected);
        counts.same++;
      });
    }
    after(() => {
      console.log(
        `${outputs}: ${counts.same}/${counts.total} identical to libvirt 9.0; refused ${counts.refused}/${counts.refusedTotal} (messages identical ${counts.sameMessage}/${counts.refusedTotal}); ${counts.hostDependent} host-dependent refusals (virtnet defines them)`,
      );
    });
  });
}
