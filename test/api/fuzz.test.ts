// A small fixed-seed run of the fuzzer (test/fuzz) inside the test suite: mutated libvirt XML, port XML,
// net-update commands, URLs and headers through the API in memory. `npm run fuzz` runs the long one.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runFuzz } from '../fuzz/run.js';

test('fuzz, seed 1: no crash, no 5xx, no hang, every accepted definition defines again identically', async () => {
  const stats = await runFuzz({ seed: 1, count: 1500 });
  const shown = stats.findings.slice(0, 3).map((f) => `${f.kind}: ${f.what}\n${f.input.slice(0, 2000)}`);
  assert.deepEqual(shown, []);
  assert.equal(stats.inputs, 1500);
  // the run reached every class of answer, so the checks above were exercised
  for (const status of ['200', '201', '400', '403', '404', '409']) assert.ok(stats.byStatus[status], status);
  assert.ok(stats.roundtrips > 100, `${stats.roundtrips} round trips`);
});
