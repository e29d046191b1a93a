// The dry run is what runs: on a fresh host (no table yet) the dry run of a start equals, step for step, the
// recording of the real start made right after it (a recording executor wrapped around the real one), and so does
// the stop; the base table is planned when it is missing and only then; dnsmasq's files come before dnsmasq.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isRoot, RuntimeNs } from './helpers/runtime-ns.js';
import { natXml } from './helpers/runtime-xml.js';

interface PlanStep {
  id: string;
  title: string;
  commands: string[];
}

describe('dry runs equal what runs', { skip: !isRoot && 'needs root' }, () => {
  let ns: RuntimeNs;
  before(() => {
    ns = new RuntimeNs();
  });
  after(() => ns?.dispose());

  const compare = (xml: string) => {
    const r = ns.driver('dry-vs-real', xml);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<'dryStart' | 'realStart' | 'dryStop' | 'realStop', PlanStep[]>;
    assert.deepEqual(out.realStart, out.dryStart, 'the start ran exactly its dry run');
    assert.deepEqual(out.realStop, out.dryStop, 'the stop ran exactly its dry run');
    return out;
  };

  it('a NAT network with DHCP on a fresh host: base table, bridge, rules, files, then dnsmasq', () => {
    assert.equal(ns.hasTable(), false, 'fresh host');
    const out = compare(ns.writeXml('dry1', natXml(71, { v6: true })));
    const ids = out.dryStart.map((s) => s.id);
    assert.ok(ids.includes('nft:table'), `base table planned: ${ids}`);
    const dnsmasq = ids.indexOf('dnsmasq:rt71');
    for (const id of ids.filter((i) => i.startsWith('file:')))
      assert.ok(ids.indexOf(id) < dnsmasq, `${id} before dnsmasq`);
    assert.ok(out.dryStart.length >= 8, JSON.stringify(ids));
    assert.ok(
      out.dryStop.some((s) => /kill -TERM \d+/.test(s.commands.join('\n'))),
      'the stop names the running PID',
    );
  });

  it('a second network finds the table and does not plan it', () => {
    assert.equal(ns.hasTable(), true);
    const out = compare(ns.writeXml('dry2', natXml(72, { mode: 'route' })));
    assert.equal(
      out.dryStart.some((s) => s.id === 'nft:table'),
      false,
    );
  });
});
