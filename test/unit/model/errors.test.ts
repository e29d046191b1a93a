// Hints for failures from the host side: the package to install or the command that explains the problem.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hintFor, VirtError } from '../../../src/model/errors.js';

describe('error hints', () => {
  it('names what to install or run for known failures, nothing for others', () => {
    assert.match(
      hintFor('step "start dnsmasq" failed: spawn dnsmasq ENOENT') ?? '',
      /apt-get install dnsmasq-base/,
    );
    assert.match(hintFor('spawn nft ENOENT') ?? '', /apt-get install nftables/);
    assert.match(
      hintFor('dnsmasq: failed to create listening socket for 10.0.0.1: Address already in use') ?? '',
      /virtnet doctor/,
    );
    assert.equal(hintFor('something else entirely'), undefined);
  });

  it('travels in the API error body', () => {
    const e = new VirtError('OPERATION_FAILED', 'x');
    e.hint = 'do y';
    assert.deepEqual(e.toJSON(), { code: 'OPERATION_FAILED', message: 'operation failed: x', hint: 'do y' });
  });
});
