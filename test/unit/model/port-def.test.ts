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

  it("refuses ports without owner, MAC or a known plug type, with libvirt 9.0's messages", () => {
    const owner = '<owner><name>g</name><uuid>d54df46f-1ab5-4a22-8618-4560ef5fac2c</uuid></owner>';
    assert.throws(
      () => parsePortXml('<networkport><mac address="52:54:00:00:00:01"/></networkport>'),
      /^VirtError: internal error: network port has no owner name$/,
    );
    assert.throws(
      () => parsePortXml(`<networkport>${owner}</networkport>`),
      /^VirtError: internal error: network port has no mac$/,
    );
    assert.throws(
      () => parsePortXml(`<networkport>${owner}<mac address='zz'/></networkport>`),
      /^VirtError: internal error: Unable to parse MAC 'zz'$/,
    );
    assert.throws(
      () =>
        parsePortXml(
          `<networkport>${owner}<mac address='52:54:00:00:00:01'/><plug type='vhost'/></networkport>`,
        ),
      /Invalid value for attribute 'type' in element 'plug': 'vhost'\./,
    );
    assert.throws(() => parsePortXml('<network/>'), /unknown root element for network port/);
  });

  it('a port without <uuid>: libvirt refuses it, virtnet lets the daemon make one', () => {
    const xml =
      "<networkport><owner><name>g</name><uuid>d54df46f-1ab5-4a22-8618-4560ef5fac2c</uuid></owner><mac address='52:54:00:00:00:01'/></networkport>";
    assert.equal(parsePortXml(xml).uuid, undefined);
    assert.throws(() => parsePortXml(xml, { requireUuid: true }), /network port has no uuid/);
  });
});
