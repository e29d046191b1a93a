// libvirt network port XML: every case of libvirt's own port tests formats back to exactly its input.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { formatPortXml, parsePortXml } from '../../../src/model/port-def.js';

const DIR = join(
  import.meta.dirname,
  '../../../../test/fixtures/conformance/libvirt/virnetworkportxml2xmldata',
);

describe('network port XML round trip (libvirt virnetworkportxml2xmldata)', () => {
  for (const f of readdirSync(DIR).filter((n) => n.endsWith('.xml'))) {
    it(f, () => {
      const xml = readFileSync(join(DIR, f), 'utf8');
      assert.equal(formatPortXml(parsePortXml(xml)), xml);
    });
  }

  it('refuses ports without owner, MAC or a known plug type, naming what is missing', () => {
    const owner = '<owner><name>g</name><uuid>d54df46f-1ab5-4a22-8618-4560ef5fac2c</uuid></owner>';
    assert.throws(
      () => parsePortXml('<networkport><mac address="52:54:00:00:00:01"/></networkport>'),
      /Missing network port owner/,
    );
    assert.throws(() => parsePortXml(`<networkport>${owner}</networkport>`), /Missing network port mac/);
    assert.throws(
      () => parsePortXml(`<networkport>${owner}<mac address='zz'/></networkport>`),
      /Unable to parse mac 'zz'/,
    );
    assert.throws(
      () =>
        parsePortXml(
          `<networkport>${owner}<mac address='52:54:00:00:00:01'/><plug type='vhost'/></networkport>`,
        ),
      /Unknown network port type 'vhost'/,
    );
    assert.throws(() => parsePortXml('<network/>'), /expecting <networkport>/);
  });
});
