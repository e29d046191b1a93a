// Debian's Chromium (playwright-core) inside a topology's host namespace, logged in to its daemon's TCP listener:
// the shared start of the web UI's browser tests. Screenshots go to test-output/web/.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { canRunE2e, type Topology } from '../harness/topology.js';

export const ROOT = join(import.meta.dirname, '../../../..');
export const SHOTS = join(ROOT, 'test-output', 'web');

/** Why a browser test cannot run here (undefined: it can). */
export function browserSkipReason(): string | undefined {
  const e2e = canRunE2e();
  if (e2e) return e2e;
  if (!existsSync('/usr/bin/chromium')) return 'needs /usr/bin/chromium (scripts/setup.sh)';
  if (!existsSync(join(ROOT, 'web', 'dist', 'index.html'))) return 'needs the built web UI (npm run build)';
  return undefined;
}

export interface WebSession {
  browser: Browser;
  page: Page;
  base: string;
  shot: (name: string) => Promise<unknown>;
  byTestId: (id: string) => ReturnType<Page['locator']>;
  /** Waits until the element's text includes `text`. */
  waitForText: (selector: string, text: string, timeout?: number) => Promise<unknown>;
  close: () => Promise<void>;
}

/** Launches Chromium in the topology's host namespace (the daemon must listen on 127.0.0.1:port) and logs in. */
export async function openWeb(
  t: Topology,
  port: number,
  viewport = { width: 1280, height: 800 },
): Promise<WebSession> {
  mkdirSync(SHOTS, { recursive: true });
  const wrapper = join(t.dir, 'chromium-in-ns');
  writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${t.hostNs} /usr/bin/chromium "$@"\n`, {
    mode: 0o755,
  });
  const browser = await chromium.launch({
    executablePath: wrapper,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    timeout: 60000,
  });
  const page = await browser.newPage({ viewport });
  const base = `http://127.0.0.1:${port}`;
  const token = readFileSync(join(t.dir, 'state', 'http-token'), 'utf8').trim();
  await page.goto(`${base}/login?token=${token}`);
  return {
    browser,
    page,
    base,
    shot: (name) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true }),
    byTestId: (id) => page.locator(`[data-testid="${id}"]`),
    waitForText: (selector, text, timeout = 15000) =>
      page.waitForFunction(
        `(document.querySelector(${JSON.stringify(selector)})?.textContent ?? '').includes(${JSON.stringify(text)})`,
        undefined,
        { timeout },
      ),
    close: () => browser.close(),
  };
}
