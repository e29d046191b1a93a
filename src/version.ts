// virtnet's version: baked into the bundles at build time (scripts/bundle.mjs), read from package.json otherwise.

import { readFileSync } from 'node:fs';

/** Replaced by the bundler with package.json's version; undefined when running the tsc output directly. */
declare const VIRTNET_BUILD_VERSION: string | undefined;

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export const VERSION: string =
  typeof VIRTNET_BUILD_VERSION === 'string' ? VIRTNET_BUILD_VERSION : packageVersion();
