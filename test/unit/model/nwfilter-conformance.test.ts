// libvirt 9.0 conformance of filter and binding XML: every accepted input prints byte for byte as libvirt printed
// it, every refused input is refused with libvirt's message.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { isVirtError } from '../../../src/model/errors.js';
import {
  formatNwfilterBindingXml,
  parseNwfilterBindingXml,
  withMacParam,
} from '../../../src/model/nwfilter-binding.js';
import { formatNwfilterXml } from '../../../src/model/nwfilter-format.js';
import { parseNwfilterXml } from '../../../src/model/nwfilter-parse.js';

const FIXTURES = join(import.meta.dirname, '../../../../test/fixtures/conformance');
const IN = join(FIXTURES, 'libvirt/nwfilterxml2xmlin');
const OUT = join(FIXTURES, 'libvirt-9.0/nwfilter-xml2xml');

/** virsh's error lines without the "Failed to define" line and without "error: ". */
function expectedError(file: string): string {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('Failed to define network filter'))
    .join('\n');
}

describe('nwfilter xml2xml (libvirt 9.0)', () => {
  const counts = { same: 0, total: 0, refusedSame: 0, refusedTotal: 0 };
  const inputs = readdirSync(IN)
    .filter((f) => f.endsWith('.xml'))
    .sort();
  test('all 42 inputs are present', () => assert.equal(inputs.length, 42));
  for (const file of inputs) {
    const base = file.slice(0, -4);
    const input = readFileSync(join(IN, file), 'utf8');
    const errFile = join(OUT, `${base}.err`);
    if (existsSync(errFile)) {
      counts.refusedTotal++;
      test(`${base} is refused as libvirt refuses it`, () => {
        let message: string | undefined;
        try {
          parseNwfilterXml(input);
        } catch (e) {
          assert.ok(isVirtError(e), String(e));
          message = e.message;
        }
        assert.equal(message, expectedError(errFile));
        counts.refusedSame++;
      });
    } else {
      counts.total++;
      test(`${base} prints as libvirt prints it`, () => {
        const expected = readFileSync(join(OUT, file), 'utf8');
        assert.equal(`${formatNwfilterXml(parseNwfilterXml(input))}\n`, expected);
        counts.same++;
      });
    }
  }
  after(() => {
    process.stdout.write(
      `# nwfilter conformance: ${counts.same}/${counts.total} round trips identical, ${counts.refusedSame}/${counts.refusedTotal} refusals identical\n`,
    );
  });
});

describe('nwfilter binding xml2xml (libvirt 9.0)', () => {
  const dir = join(FIXTURES, 'libvirt/nwfilterbindingxml2xmldata');
  for (const file of readdirSync(dir).sort()) {
    test(`${file} prints as libvirt 9.0 stores it (MAC parameter added, <backend> dropped)`, () => {
      const def = withMacParam(parseNwfilterBindingXml(readFileSync(join(dir, file), 'utf8')));
      const expected = readFileSync(join(FIXTURES, 'libvirt-9.0/nwfilter-binding-xml2xml', file), 'utf8');
      assert.equal(`${formatNwfilterBindingXml(def)}\n`, expected);
    });
  }
});
