// Runs the compiled tests of the given tiers (unit, api, e2e) with Node's built-in runner.
// Node 20's --test takes no globs, so the files are collected here.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const tiers = process.argv.slice(2);
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.test.js')) files.push(path);
  }
};
for (const tier of tiers.length ? tiers : ['unit', 'api', 'e2e']) {
  const dir = join('dist', 'test', tier);
  if (existsSync(dir)) walk(dir);
}
if (files.length === 0) {
  console.error('run-tests: no test files found; did the build run?');
  process.exit(1);
}
const filter = process.env.VIRTNET_TEST_FILTER;
const selected = filter ? files.filter((f) => f.includes(filter)) : files;
const result = spawnSync(
  process.execPath,
  ['--enable-source-maps', '--test', '--test-reporter=spec', ...selected],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
