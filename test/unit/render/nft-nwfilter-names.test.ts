// Chain and set names of filtered ports are injective: two different port devices never share a chain or set (the
// old encoding, plain names kept and the rest 'x' and hex, gave 'a@b' the chains of 'x614062'), and every name is
// an identifier nft takes unquoted. A property test draws random pairs of valid interface names.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isIfName } from '../../../src/model/safe-strings.js';
import { chainNames, portId } from '../../../src/render/nft-nwfilter.js';

const SUB_CHAINS = ['root', 'mac', 'ipv4', 'ipv4-ip', 'arp-mac', 'stp-xyz', 'ipv6:a'];

/** Every chain and set a binding on this device can own. */
function namesOf(dev: string): string[] {
  const n = chainNames(dev);
  return [
    n.rootFrom,
    n.rootTo,
    n.learnFrom,
    n.learnTo,
    n.egress,
    n.l3From,
    n.l3To,
    n.ipSet,
    ...[0, 1, 12].map((i) => n.connlimit(i)),
    ...SUB_CHAINS.flatMap((c) => [n.sub(true, c), n.sub(false, c)]),
  ];
}

function assertDisjoint(a: string, b: string): void {
  const mine = new Set(namesOf(a));
  for (const x of namesOf(b)) assert.ok(!mine.has(x), `devices '${a}' and '${b}' share ${x}`);
}

const IFCHARS = 'abcdef0123456789-_.@+xyzLO'.split('');
const ifName = fc
  .array(fc.constantFrom(...IFCHARS), { minLength: 1, maxLength: 15 })
  .map((cs) => cs.join(''))
  .filter(isIfName);

describe('nwfilter chain and set names', () => {
  it("keep a plain device name readable, like libvirt's libvirt-I-vnet0", () => {
    assert.equal(chainNames('vnet0').rootFrom, 'libvirt-I-vnet0');
    assert.equal(chainNames('vnet0').sub(true, 'ipv4-ip'), 'I-vnet0/ipv4-ip');
    assert.equal(portId('vm1-0'), 'vm1-2d0');
  });

  it('differ for the devices that collided before', () => {
    assertDisjoint('a@b', 'x614062');
    assertDisjoint('p+q', 'x702b71');
  });

  it('are identifiers nft takes unquoted', () => {
    for (const dev of ['vnet0', 'a@b', 'p+q', '.x', '-_-', 'x.y.z']) {
      for (const name of namesOf(dev)) assert.match(name, /^[A-Za-z][A-Za-z0-9/_.-]*$/, name);
    }
  });

  it('differ for any two different devices (property)', () => {
    fc.assert(
      fc.property(ifName, ifName, (a, b) => {
        fc.pre(a !== b);
        assertDisjoint(a, b);
      }),
      { numRuns: 5000, seed: 4242 },
    );
  });

  it('differ between the chains of one device', () => {
    const names = namesOf('vnet0');
    assert.equal(new Set(names).size, names.length);
  });
});
