// The web UI's network list with N networks (memory runtime: the page's cost, not the host's) in Chromium, both
// in a namespace of their own: first render (navigation included), sort by a column, scroll to the end, filter.
// Medians of a few rounds, printed, not asserted. Usage (root, after npm run build): node dist/bench/web-list.js [N=1000]

import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const ROOT = join(import.meta.dirname, '../..');
const count = Number(process.argv[2] ?? 1000);
const ROUNDS = 3;
const PORT = 8473;
const ns = `vnt-wl-${randomBytes(3).toString('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'vnt-wl-'));
const sock = join(dir, 'run', 'virtnet.sock');
let daemon: ChildProcess | undefined;

function post(path: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: sock, method: 'POST', path }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const net = (i: number) =>
  `<network><name>web${i}</name><forward mode='nat'/><bridge name='vwl${i}'/><ip address='10.${60 + Math.floor(i / 250)}.${i % 250}.1' prefix='24'><dhcp><range start='10.${60 + Math.floor(i / 250)}.${i % 250}.10' end='10.${60 + Math.floor(i / 250)}.${i % 250}.99'/></dhcp></ip></network>`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  execFileSync('ip', ['netns', 'add', ns]);
  execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  let log = '';
  daemon = spawn(
    'ip',
    [
      ...['netns', 'exec', ns, process.execPath, join(ROOT, 'bin/virtnetd'), '--runtime', 'memory'],
      ...[
        '--config-dir',
        join(dir, 'config'),
        '--state-dir',
        join(dir, 'state'),
        '--run-dir',
        join(dir, 'run'),
      ],
      ...['--http', `127.0.0.1:${PORT}`],
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  daemon.stderr?.on('data', (b: Buffer) => {
    log += b;
  });
  while (!log.includes('listening on')) {
    if (daemon.exitCode !== null) throw new Error(`virtnetd exited: ${log}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  for (let i = 0; i < count; i++) {
    const code = await post('/v1/networks?start=1', net(i));
    if (code !== 201) throw new Error(`define failed: HTTP ${code}\n${log.slice(-2000)}`);
  }
  const wrapper = join(dir, 'chromium-in-ns');
  writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${ns} /usr/bin/chromium "$@"\n`, { mode: 0o755 });
  const browser = await chromium.launch({
    executablePath: wrapper,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    timeout: 60000,
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const base = `http://127.0.0.1:${PORT}`;
    const token = readFileSync(join(dir, 'state', 'http-token'), 'utf8').trim();
    await page.goto(`${base}/login?token=${token}`);
    const firstRow = (name: string) =>
      `document.querySelector('[data-testid^="net-row-"]')?.getAttribute('data-testid') === 'net-row-${name}'`;
    // timed in the page (from the action to the frame that shows its result), not across the browser's pipe:
    // on a loaded machine the round trips to the test process would be most of the figure
    const timed = (action: string, until: string, sinceNavigation = false): Promise<number> =>
      page.evaluate(
        `new Promise((resolve) => {
          const t0 = ${sinceNavigation ? '0' : 'performance.now()'};
          ${action};
          const check = () => ((${until}) ? requestAnimationFrame(() => resolve(performance.now() - t0)) : requestAnimationFrame(check));
          check();
        })`,
      ) as Promise<number>;
    const times = { render: [] as number[], sort: [] as number[], scroll: [] as number[] };
    let inDom = 0;
    for (let r = 0; r < ROUNDS; r++) {
      await page.goto(`${base}/`);
      // since the navigation started (the page's clock starts there): page load, the one request, render
      times.render.push(
        await timed(
          '0',
          `document.querySelector('[data-testid="list-count"]')?.textContent === '${count} networks' && ${firstRow('web0')}`,
          true,
        ),
      );
      inDom = await page.locator('[data-testid^="net-row-"]').count();
      times.sort.push(
        await timed(
          `document.querySelector('[data-testid="sort-name"]').click()`,
          firstRow(`web${count - 1}`),
        ),
      );
      times.scroll.push(
        await timed(
          `(() => { const el = document.querySelector('.list-scroll'); el.scrollTop = el.scrollHeight; })()`,
          `document.querySelector('[data-testid="net-row-web0"]')`,
        ),
      );
      await page.locator('[data-testid="net-filter"]').fill('web12');
      await page.waitForFunction(
        `document.querySelector('[data-testid="list-count"]')?.textContent?.startsWith('${count >= 130 ? 11 : 1} of')`,
        undefined,
        { timeout: 60000 },
      );
    }
    const f = (xs: number[]) => `${median(xs).toFixed(0)} ms`;
    console.log(
      `web list, ${count} networks (${inDom} rows in the DOM): first render ${f(times.render)} (navigation included), sort ${f(times.sort)}, scroll to the end ${f(times.scroll)} (medians of ${ROUNDS}, timed in the page)`,
    );
  } finally {
    await browser.close();
  }
}

try {
  await main();
} catch (e) {
  console.log(`web-list bench failed: ${(e as Error).stack}`);
  process.exitCode = 1;
} finally {
  const d = daemon;
  if (d && d.exitCode === null) {
    const gone = new Promise((r) => d.once('exit', r));
    d.kill('SIGTERM');
    await gone;
  }
  spawnSync('ip', ['netns', 'del', ns]);
  rmSync(dir, { recursive: true, force: true });
}
