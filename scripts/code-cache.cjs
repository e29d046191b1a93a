// Makes V8's code cache for the CLI bundle (dist/virtnet.cjs -> dist/virtnet.cache, or the file given), compiled
// the way bin/virtnet compiles it, after running a few commands so that their functions are in the cache too.
// Run by scripts/bundle.mjs, and by the Debian package's postinst for the node it runs on (a cache from another V8
// is refused by V8, which only costs the milliseconds it would have saved). The commands print to fd 1 as the CLI
// does: callers discard stdout.
'use strict';
const { readFileSync, writeFileSync, renameSync } = require('node:fs');
const { wrap } = require('node:module');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');

async function main() {
  const file = process.argv[2] || join(__dirname, '../dist/virtnet.cjs');
  const out = process.argv[3] || join(dirname(file), 'virtnet.cache');
  const source = readFileSync(file, 'utf8');
  const id = /^\/\/ build (\w+)$/m.exec(source.slice(0, 400))?.[1];
  if (!id) throw new Error(`${file} has no build id`);
  const script = new Script(wrap(source), { filename: file });
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, require, mod, file, dirname(file));
  const write = [process.stdout.write, process.stderr.write];
  process.stdout.write = process.stderr.write = () => true;
  try {
    for (const argv of [
      ['--version'],
      ['help', 'net-list'],
      ['-c', 'unix:/nonexistent/virtnet.sock', 'net-list'],
    ])
      await mod.exports.main(argv);
  } finally {
    [process.stdout.write, process.stderr.write] = write;
    process.exitCode = 0;
  }
  writeFileSync(`${out}.tmp`, Buffer.concat([Buffer.from(`${id}\n`, 'latin1'), script.createCachedData()]));
  renameSync(`${out}.tmp`, out);
}

main().catch((e) => {
  process.stderr.write(`code-cache: ${e.message}\n`);
  process.exit(1);
});
