// nft chain names are injective: two different bridges never share a chain of any kind (filter, NAT, forward).
// The known collisions of the old encoding (plain words kept, others hex) are asserted, and a property test
// draws random pairs of valid interface names, biased towards '-', '_' and hex-looking names.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { PortForward } from '../../../src/model/port-forward.js';
import { isIfName } from '../../../src/model/safe-strings.js';
import { forwardChain } from '../../../src/render/nft-forwards.js';
import { bridgeId, chainNames } from '../../../src/render/nft-ruleset.js';

const FORWARDS: PortForward[] = [
  { proto: 'tcp', listenPort: 80, targetAddress: '10.0.0.2', targetPort: 80 },
  { proto: 'udp', listenAddress: '1.2.3.4', listenPort: 53, targetAddress: '10.0.0.2', targetPort: 53 },
  { proto: 'both', listenAddress: '10.1.1.1', listenPort: 8080, targetAddress: '10.0.0.3', targetPort: 80 },
];

/** Every chain a network on this bridge can own. */
function chainsOf(bridge: string): string[] {
  const c = chainNames(bridge);
  return [c.fwd, c.nat, ...FORWARDS.map((f) => forwardChain(bridgeId(bridge), f))];
}

function assertDisjoint(a: string, b: string): void {
  const mine = new Set(chainsOf(a));
  for (const ch of chainsOf(b)) assert.ok(!mine.has(ch), `bridges '${a}' and '${b}' share chain ${ch}`);
}

const IFCHARS = 'abcdef0123456789-_.@+xyzXY';
const ifName = fc
  .array(fc.constantFrom(...IFCHARS.split('')), { minLength: 1, maxLength: 15 })
  .map((cs) => cs.join(''))
  .filter(isIfName);

describe('nft chain names', () => {
  it('keep letters and digits readable and contain no separator', () => {
    assert.equal(bridgeId('virbr0'), 'virbr0');
    assert.equal(bridgeId('vt-w'), 'vt-2dw');
    assert.equal(bridgeId('eth0.100'), 'eth0-2e100');
    assert.equal(bridgeId('a_b'), 'a-5fb');
    for (const b of ['a_b', 'x@y', 'p+q', 'a-b.c']) assert.doesNotMatch(bridgeId(b), /_/);
    // only characters nft takes in an unquoted identifier
    for (const b of ['a_b', 'x@y', 'p+q', 'a-b.c']) assert.match(chainNames(b).nat, /^[A-Za-z0-9_-]+$/);
  });

  it('differ for the bridges that collided before', () => {
    // plain word kept, others hex: 'a-c' -> 612d63, the chain of bridge '612d63'
    assertDisjoint('a-c', '612d63');
    assertDisjoint('abc', '616263');
    // the NAT chain of 'a' was the filter chain of 'a_nat'
    assertDisjoint('a', 'a_nat');
    assertDisjoint('vnbr', 'vnbr_nat');
  });

  it('differ for any two different bridges (property)', () => {
    fc.assert(
      fc.property(ifName, ifName, (a, b) => {
        fc.pre(a !== b);
        assertDisjoint(a, b);
      }),
      { numRuns: 5000, seed: 4242 },
    );
  });

  it('differ between forwards of one network', () => {
    const id = bridgeId('vnbr-x');
    const names = FORWARDS.map((f) => forwardChain(id, f));
    assert.equal(new Set(names).size, names.length);
  });
});
