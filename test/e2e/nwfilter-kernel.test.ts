// Every rendered filter golden (test/fixtures/nwfilter-render) is a transaction this kernel and nft accept, applied
// twice (a re-apply replaces the port's objects in place) in a namespace of its own.

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isRoot, RuntimeNs } from './helpers/runtime-ns.js';

const GOLDEN = join(import.meta.dirname, '../../../test/fixtures/nwfilter-render');

describe('nwfilter transactions in the kernel', { skip: isRoot ? undefined : 'needs root' }, () => {
  let ns: RuntimeNs;
  before(() => {
    ns = new RuntimeNs();
  });
  after(() => ns?.dispose());

  const goldens = readdirSync(GOLDEN).filter((f) => f.endsWith('.nft'));
  test('there are goldens to apply', () => assert.ok(goldens.length >= 7));
  for (const f of goldens) {
    test(`${f} applies, and applies again`, () => {
      for (const family of ['bridge', 'inet'])
        ns.tryRun(['nft', 'delete', 'table', family, 'virtnet_filter']);
      for (let i = 0; i < 2; i++) {
        const r = ns.tryRun(['nft', '-f', join(GOLDEN, f)]);
        assert.equal(r.code, 0, r.stderr);
      }
      const listed = ns.sh(['nft', 'list', 'table', 'bridge', 'virtnet_filter']);
      assert.match(listed, /chain libvirt-I-vnet0 \{/);
    });
  }
});
