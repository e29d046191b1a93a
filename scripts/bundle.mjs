// Bundles the CLI and the daemon, each into one CommonJS file (dist/virtnet.cjs, dist/virtnetd.cjs), from tsc's
// output: neither needs node_modules at run time (the Debian package ships these two files), and the CLI loads
// as little as Node allows (CommonJS skips the ESM loader; each command's module is initialised on first use).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { relative } from 'node:path';
import { build } from 'esbuild';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));

/**
 * A module's import.meta.url, in the bundle, is where the module sits under dist/ (the bundles are in dist/):
 * paths the code finds relative to itself (share/, web/dist) stay right without knowing it was bundled.
 */
const moduleUrls = {
  name: 'module-urls',
  setup(b) {
    b.onLoad({ filter: /[/\\]dist[/\\]src[/\\].*\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const rel = JSON.stringify(relative('dist', args.path));
      return { contents: text.replaceAll('import.meta.url', `__virtnetModuleUrl(${rel})`), loader: 'js' };
    });
  },
};

/** Ties the CLI's code cache to this very build (bin/virtnet reads it from the banner). */
const buildId = randomBytes(8).toString('hex');
const banner = `'use strict';
// ${pkg.name} ${pkg.version}, bundled by scripts/bundle.mjs from the tsc output; the sources are in src/.
// build ${buildId}
function __virtnetModuleUrl(p) {
  return require('node:url').pathToFileURL(require('node:path').join(__dirname, p)).href;
}`;

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  define: { VIRTNET_BUILD_VERSION: JSON.stringify(pkg.version) },
  banner: { js: banner },
  plugins: [moduleUrls],
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
};

const outputs = [
  { entryPoints: ['dist/src/cli/main.js'], outfile: 'dist/virtnet.cjs' },
  { entryPoints: ['dist/src/daemon/main.js'], outfile: 'dist/virtnetd.cjs' },
];
for (const o of outputs) {
  const r = await build({ ...common, ...o });
  const bytes = Object.values(r.metafile.outputs)[0]?.bytes ?? 0;
  if (process.env.VIRTNET_BUNDLE_VERBOSE) console.log(`${o.outfile}: ${(bytes / 1024).toFixed(0)} KiB`);
}

rmSync('dist/virtnet.cache', { force: true });
// (the commands it runs print to stdout: discarded)
execFileSync(process.execPath, ['scripts/code-cache.cjs', 'dist/virtnet.cjs', 'dist/virtnet.cache'], {
  stdio: ['ignore', 'ignore', 'inherit'],
});
