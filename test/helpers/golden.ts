// Golden files: compared, never written by a normal run. VIRTNET_UPDATE_GOLDEN=1 writes them; review the diff.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export function assertGolden(file: string, actual: string): void {
  if (process.env.VIRTNET_UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  assert.ok(
    existsSync(file),
    `golden file ${file} is missing: run with VIRTNET_UPDATE_GOLDEN=1 and review it`,
  );
  assert.equal(actual, readFileSync(file, 'utf8'), `${file} differs (VIRTNET_UPDATE_GOLDEN=1 rewrites it)`);
}
