// The supervisor of dnsmasq processes with a fake clock: a death is answered by a restart at once; a restart that
// keeps failing backs off exponentially, is logged once per reason, and reports the network degraded once; a
// process that runs long enough again is reported recovered once.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProcessSupervisor } from '../../../src/host/process-supervisor.js';
import type { HostEvent } from '../../../src/plan/host-side.js';

const REF = {
  id: 'dnsmasq:n1',
  network: 'n1',
  pidFile: '/nonexistent/n1.pid',
  match: '--conf-file=/x/n1.conf',
};

function harness() {
  let now = 1_000_000;
  const live = new Set<number>([100]);
  const events: HostEvent[] = [];
  const logs: string[] = [];
  const attempts: number[] = [];
  let failWith: string | undefined;
  let nextPid = 200;
  const sup = new ProcessSupervisor({
    intervalMs: 1_000_000,
    emit: (e) => events.push(e),
    log: (m) => logs.push(m),
    now: () => now,
    alive: (pid) => live.has(pid),
    start: async () => {
      attempts.push(now);
      if (failWith) throw new Error(failWith);
      const pid = nextPid++;
      live.add(pid);
      return pid;
    },
  });
  sup.supervise(REF, ['dnsmasq'], 100);
  return {
    sup,
    events,
    logs,
    attempts,
    live,
    advance: async (ms: number) => {
      now += ms;
      await sup.tick();
    },
    fail: (reason: string | undefined) => {
      failWith = reason;
    },
  };
}

describe('process supervisor', () => {
  it('restarts a process that died after running a while, at once, without calling it degraded', async () => {
    const h = harness();
    await h.advance(60_000);
    h.live.delete(100);
    await h.advance(250);
    assert.equal(h.attempts.length, 1);
    assert.deepEqual(
      h.events.map((e) => e.type),
      ['dnsmasq-restarted'],
    );
    await h.sup.dispose();
  });

  it('runs what follows a start (taking dnsmasq off route events) again on the restarted process, before it reports the restart', async () => {
    const h = harness();
    const after: number[] = [];
    h.sup.supervise(REF, ['dnsmasq'], 100, async (pid) => {
      after.push(pid);
    });
    await h.advance(60_000);
    h.live.delete(100);
    await h.advance(250);
    assert.deepEqual(after, [200]);
    assert.equal(h.events.at(-1)?.type, 'dnsmasq-restarted');
    await h.sup.dispose();
  });

  it('a restart that keeps failing backs off, logs its reason once per change, reports degraded once, then recovered', async () => {
    const h = harness();
    await h.advance(60_000);
    h.fail('failed to create listening socket for 10.0.0.1: Address already in use');
    h.live.delete(100);
    // ten seconds of polls every 250 ms: without backoff that would be 40 attempts
    for (let i = 0; i < 40; i++) await h.advance(250);
    const gaps = h.attempts.slice(1).map((t, i) => t - (h.attempts[i] as number));
    assert.ok(h.attempts.length <= 6, `attempts: ${h.attempts.length}`);
    for (let i = 1; i < gaps.length; i++)
      assert.ok((gaps[i] as number) >= (gaps[i - 1] as number), `growing gaps ${gaps}`);
    assert.equal(h.events.filter((e) => e.type === 'degraded').length, 1);
    assert.match(
      String(h.events.find((e) => e.type === 'degraded')?.detail?.reason),
      /Address already in use/,
    );
    assert.equal(h.logs.filter((l) => /cannot be kept running/.test(l)).length, 1, h.logs.join('\n'));
    h.fail('dnsmasq: bad option at line 3');
    for (let i = 0; i < 200; i++) await h.advance(250);
    assert.equal(
      h.logs.filter((l) => /cannot be kept running/.test(l)).length,
      2,
      'a new reason is logged once more',
    );
    assert.equal(h.events.filter((e) => e.type === 'degraded').length, 1, 'still one degraded event');
    h.fail(undefined);
    for (let i = 0; i < 400 && !h.events.some((e) => e.type === 'dnsmasq-restarted'); i++)
      await h.advance(250);
    assert.ok(h.events.some((e) => e.type === 'dnsmasq-restarted'));
    assert.equal(
      h.events.some((e) => e.type === 'recovered'),
      false,
      'not yet: it must run a while first',
    );
    await h.advance(11_000);
    assert.equal(h.events.filter((e) => e.type === 'recovered').length, 1);
    await h.sup.dispose();
  });

  it('a crash loop (each restart dies at once) backs off and is degraded after three quick deaths', async () => {
    const h = harness();
    await h.advance(60_000);
    for (let i = 0; i < 60; i++) {
      for (const p of [...h.live]) h.live.delete(p);
      await h.advance(250);
    }
    assert.ok(h.attempts.length <= 8, `attempts in 15 s: ${h.attempts.length}`);
    assert.equal(h.events.filter((e) => e.type === 'degraded').length, 1);
    await h.sup.dispose();
  });
});

describe('process supervisor with many processes', () => {
  it('looks at 256 per tick in turn, so each of 600 is looked at once in three ticks, and restarts the dead', async () => {
    const looked: number[] = [];
    const dead = new Set<number>([1599]);
    const started: string[] = [];
    const sup = new ProcessSupervisor({
      intervalMs: 1_000_000,
      emit: () => undefined,
      log: () => undefined,
      now: () => 5_000_000,
      alive: (pid) => {
        looked.push(pid);
        return !dead.has(pid);
      },
      start: async (_argv, pidFile) => {
        started.push(pidFile);
        return 9999;
      },
    });
    for (let i = 0; i < 600; i++)
      sup.supervise(
        { id: `dnsmasq:n${i}`, network: `n${i}`, pidFile: `/nonexistent/n${i}.pid`, match: `n${i}.conf` },
        ['dnsmasq'],
        1000 + i,
      );
    await sup.tick();
    assert.equal(looked.length, 256);
    assert.deepEqual(started, []);
    await sup.tick();
    await sup.tick();
    assert.equal(looked.length, 768);
    // every process once in the first 600 looks; then the turn goes on from the start
    assert.deepEqual(
      [...new Set(looked.slice(0, 600))].sort((a, b) => a - b),
      Array.from({ length: 600 }, (_, i) => 1000 + i),
    );
    assert.equal(looked[600], 1000);
    assert.deepEqual(started, ['/nonexistent/n599.pid']);
    await sup.dispose();
  });
});
