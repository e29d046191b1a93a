// Pure texts and bytes of the overlay: FRR's configuration (golden), the bridge-family filter table, and the
// DNS messages of the name exchange (round trips, and what a hostile packet cannot get through).

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { chainRuleCounts } from '../../../src/host/overlay-probe.js';
import {
  decodeAnswer,
  decodeQuery,
  encodeAnswer,
  encodePtrQuery,
  ptrAddress,
  ptrName,
} from '../../../src/render/dns-message.js';
import { renderBgpdConf, renderZebraConf } from '../../../src/render/frr-conf.js';
import { OVERLAY_TABLE_CHAINS, overlayPortAdd, overlayTableScript } from '../../../src/render/nft-overlay.js';
import { assertGolden } from '../../helpers/golden.js';

const GOLDEN = join(import.meta.dirname, '../../../../test/unit/render/golden');
const CONFIG = { address: '10.99.0.2', peers: ['10.99.0.1', '10.99.0.3'], asn: 65000 };

describe('FRR configuration', () => {
  it('zebra and bgpd (golden)', () => {
    assertGolden(join(GOLDEN, 'frr-zebra.conf'), renderZebraConf(CONFIG));
    assertGolden(join(GOLDEN, 'frr-bgpd.conf'), renderBgpdConf(CONFIG));
  });

  it('only canonical addresses and valid AS numbers reach a line', () => {
    assert.throws(
      () => renderBgpdConf({ ...CONFIG, peers: ['10.99.0.1\n router bgp 1'] }),
      /not a canonical IPv4/,
    );
    assert.throws(() => renderBgpdConf({ ...CONFIG, address: '010.99.0.2' }), /not a canonical IPv4/);
    assert.throws(() => renderBgpdConf({ ...CONFIG, asn: 0 }), /bad AS number/);
  });
});

describe('the overlay filter table', () => {
  it('its chains are what the probe counts, and a port name is quoted and checked', () => {
    const text = overlayTableScript()
      .replace(/^ {2}/gm, '\t')
      .replace(/^\t {2}/gm, '\t\t');
    assert.deepEqual(Object.fromEntries(chainRuleCounts(text)), OVERLAY_TABLE_CHAINS);
    assert.equal(overlayPortAdd('vxlan100'), 'add element bridge virtnet overlay_ports { "vxlan100" }\n');
    assert.throws(() => overlayPortAdd('vx"; flush ruleset'));
  });
});

describe('DNS messages of the name exchange', () => {
  it('a PTR query and its answer round-trip', () => {
    assert.equal(ptrName('10.9.0.11'), '11.0.9.10.in-addr.arpa');
    assert.equal(ptrAddress('11.0.9.10.in-addr.arpa'), '10.9.0.11');
    assert.equal(ptrAddress('11.0.9.010.in-addr.arpa'), undefined);
    assert.equal(ptrAddress('11.0.9.300.in-addr.arpa'), undefined);
    const q = decodeQuery(encodePtrQuery(4711, '10.9.0.11'));
    assert.equal(q?.id, 4711);
    assert.equal(q?.ip, '10.9.0.11');
    const a = encodeAnswer(4711, q?.question as Uint8Array, 'web-1');
    assert.equal(decodeAnswer(a, 4711), 'web-1');
    assert.equal(decodeAnswer(a, 4712), undefined, 'another id');
    assert.equal(decodeAnswer(encodeAnswer(4711, q?.question as Uint8Array, undefined), 4711), undefined);
  });

  it('names that are no host names are never sent nor taken', () => {
    const q = decodeQuery(encodePtrQuery(1, '10.9.0.11'));
    const question = q?.question as Uint8Array;
    for (const bad of ['a.b', 'a b', 'x\nnas 10.0.0.1', '-x', ''])
      assert.equal(decodeAnswer(encodeAnswer(1, question, bad), 1), undefined, JSON.stringify(bad));
    // a forged answer whose PTR target has two labels ("a.b" in the place of "web") is refused
    const forged = Uint8Array.from([...encodeAnswer(1, question, 'web')]);
    forged.set([1, 97, 1, 98, 0], forged.length - 5);
    assert.equal(decodeAnswer(forged, 1), undefined);
  });

  it('hostile packets: compression loops, truncation, responses as queries', () => {
    const loop = Uint8Array.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 12, 0, 1]);
    assert.equal(decodeQuery(loop), undefined);
    assert.equal(decodeQuery(Uint8Array.from([0, 1, 0])), undefined);
    const q = encodePtrQuery(9, '10.0.0.1');
    assert.equal(decodeQuery(q.subarray(0, q.length - 3)), undefined);
    const answer = encodeAnswer(9, decodeQuery(q)?.question as Uint8Array, 'x');
    assert.equal(decodeQuery(answer), undefined, 'an answer is no query');
    assert.equal(decodeQuery(new Uint8Array(600)), undefined, 'longer than UDP DNS allows');
  });
});
