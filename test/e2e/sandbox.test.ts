// `npm start`'s sandbox: Ctrl-C removes everything in under 2 s; after a SIGKILL (its virtnetd, nft session and
// dnsmasq keep running in namespaces the next start deletes) the next start stops what the earlier one left,
// by its own records, and its Ctrl-C leaves nothing either.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { canRunE2e, sleep, tryRun } from './harness/topology.js';

const ROOT = join(import.meta.dirname, '../../..');
const PREFIX = `vnt-sbt${process.pid % 10000}`;
const DIR = mkdtempSync(join(tmpdir(), 'virtnet-sandbox-'));
const PORT = 8481;

/** Their command lines, for a message that says what was left. */
const described = (pids: number[]) =>
  pids.map((p) => {
    try {
      return `${p} ${readFileSync(`/proc/${p}/cmdline`, 'utf8').replaceAll('\0', ' ')}`;
    } catch {
      return `${p} (gone)`;
    }
  });

/** Processes whose command line names the sandbox's directory (what it and its daemon started). */
function ours(): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(DIR);
      } catch {
        return false;
      }
    })
    .map(Number);
}

const namespaces = () =>
  tryRun(['ip', 'netns', 'list'])
    .out.split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(`${PREFIX}-`));

async function start(): Promise<{ child: ChildProcess; out: () => string }> {
  const child = spawn(process.execPath, [join(ROOT, 'dist/src/sandbox/main.js')], {
    env: {
      ...process.env,
      VIRTNET_SANDBOX_PREFIX: PREFIX,
      VIRTNET_SANDBOX_DIR: DIR,
      VIRTNET_SANDBOX_WEB_PORT: String(PORT),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  for (let i = 0; i < 600 && !out.includes('Press Ctrl-C'); i++) {
    if (child.exitCode !== null) break;
    await sleep(50);
  }
  assert.match(out, /Press Ctrl-C/, out);
  return { child, out: () => out };
}

async function interrupt(child: ChildProcess): Promise<number> {
  const exited = new Promise((r) => child.once('exit', r));
  const t0 = performance.now();
  child.kill('SIGINT');
  await exited;
  return performance.now() - t0;
}

describe('the sandbox', { skip: canRunE2e() }, () => {
  after(() => {
    for (const pid of ours()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    for (const ns of namespaces()) tryRun(['ip', 'netns', 'del', ns]);
    rmSync(join('/etc/netns', `${PREFIX}-host`), { recursive: true, force: true });
    rmSync(DIR, { recursive: true, force: true });
  });

  test('Ctrl-C cleans up in under 2 s and leaves nothing', async () => {
    const { child, out } = await start();
    assert.ok(ours().length >= 3, 'virtnetd, its nft session and dnsmasq run');
    const ms = await interrupt(child);
    console.log(`sandbox Ctrl-C: cleaned up in ${ms.toFixed(0)} ms`);
    assert.ok(ms < 2000, `${ms} ms`);
    assert.match(out(), /virtnetd: stopped/, 'the daemon stopped cleanly, not killed');
    assert.deepEqual(ours(), []);
    assert.deepEqual(namespaces(), []);
  });

  test('after a SIGKILL, the next start stops what the earlier one left, and leaves nothing itself', async () => {
    const first = await start();
    const exited = new Promise((r) => first.child.once('exit', r));
    first.child.kill('SIGKILL');
    await exited;
    const left = ours();
    assert.ok(left.length >= 3, `virtnetd, nft and dnsmasq outlive a SIGKILLed sandbox: ${left}`);
    const second = await start();
    assert.match(second.out(), /stopping \d+ process\(es\) an earlier sandbox left running/);
    const still = ours().filter((p) => left.includes(p));
    assert.deepEqual(still, [], 'the earlier processes are gone');
    const ms = await interrupt(second.child);
    assert.ok(ms < 2000, `${ms} ms`);
    assert.deepEqual(described(ours()), []);
    assert.deepEqual(namespaces(), []);
  });
});
