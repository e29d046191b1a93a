// A domain interface's <filterref> as define-guest reads it (the filter then applied to the interface's port).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDomainInterfaces } from '../../../src/model/domain-interfaces.js';

describe('domain interfaces: traffic filters', () => {
  it('reads <filterref> with its parameters (a name given twice is a list)', () => {
    const dom = parseDomainInterfaces(`<domain><name>vm1</name><devices>
  <interface type='network'><source network='default'/><mac address='52:54:00:AA:BB:CC'/>
    <filterref filter='clean-traffic'><parameter name='IP' value='10.0.0.5'/><parameter name='IP' value='10.0.0.6'/></filterref>
  </interface></devices></domain>`);
    assert.deepEqual(dom.interfaces[0]?.filter, {
      name: 'clean-traffic',
      params: { IP: ['10.0.0.5', '10.0.0.6'] },
    });
  });

  it('refuses a <filterref> without filter=', () => {
    assert.throws(
      () =>
        parseDomainInterfaces(
          "<domain><name>vm1</name><devices><interface type='network'><source network='default'/><filterref/></interface></devices></domain>",
        ),
      /<filterref> needs a filter='...' attribute/,
    );
  });
});
