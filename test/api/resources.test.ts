// The real virtnetd (memory runtime) under abuse over its UNIX sockets: a 100 MB body is refused with 413 without
// the daemon's memory growing by it, and 1000 slow or silent clients on the read-only socket do not keep a
// client on the read-write socket from working. Figures are printed (memory, latency).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type MemoryDaemon, startMemoryDaemon } from '../helpers/memory-daemon.js';

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}

function call(
  socket: string,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0 }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends `total` bytes as fast as the socket takes them; resolves with the status the daemon answered. */
function hugeUpload(socket: string, total: number, chunked: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = chunked ? {} : { 'content-length': String(total) };
    const req = request({ socketPath: socket, method: 'POST', path: '/v1/networks', agent: false, headers });
    const chunk = Buffer.alloc(1 << 20, 0x61);
    let sent = 0;
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    // the daemon closes the connection after answering: writes fail then, which is the point
    req.on('error', (e) => (answered ? undefined : reject(e)));
    const pump = () => {
      while (!answered && sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

describe('virtnetd under abuse', () => {
  let d: MemoryDaemon;
  let ro: string;
  const sockets: Socket[] = [];
  before(async () => {
    d = await startMemoryDaemon('virtnet-abuse-');
    ro = join(d.dir, 'r', 'virtnet-ro.sock');
  });
  after(() => {
    for (const s of sockets) s.destroy();
    d?.stop();
  });

  test('a 100 MB body gets 413 and the daemon does not hold it', async () => {
    const pid = d.process.pid as number;
    await call(d.socket, 'GET', '/v1/networks');
    const before = rssMb(pid);
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssMb(pid));
    }, 20);
    try {
      assert.equal(await hugeUpload(d.socket, 100 << 20, false), 413, 'with Content-Length');
      assert.equal(await hugeUpload(d.socket, 100 << 20, true), 413, 'chunked');
    } finally {
      clearInterval(sampler);
    }
    console.log(`100 MB bodies: daemon RSS ${before.toFixed(1)} MB before, peak ${peak.toFixed(1)} MB`);
    assert.ok(peak - before < 50, `memory grew by ${(peak - before).toFixed(1)} MB`);
    assert.equal((await call(d.socket, 'GET', '/v1/networks')).status, 200);
  });

  /** p99 of 100 define + undefine pairs on the read-write socket (ms). */
  async function rwP99(prefix: string): Promise<number> {
    const latencies: number[] = [];
    for (let i = 0; i < 100; i++) {
      const xml = `<network><name>${prefix}${i}</name><bridge name='vtb${i}'/></network>`;
      const r = await call(d.socket, 'POST', '/v1/networks', xml);
      assert.equal(r.status, 201);
      latencies.push(r.ms);
      latencies.push((await call(d.socket, 'DELETE', `/v1/networks/${prefix}${i}`)).ms);
    }
    latencies.sort((a, b) => a - b);
    return latencies[Math.floor(latencies.length * 0.99)] ?? 0;
  }

  test('1000 slow or silent clients on the read-only socket do not stop the read-write socket', async () => {
    const pid = d.process.pid as number;
    // the same requests without the crowd: a loaded machine is slow for both, a blocked daemon only with it
    const quietP99 = await rwP99('quiet');
    const before = rssMb(pid);
    let closedByDaemon = 0;
    for (let i = 0; i < 1000; i++) {
      const s = connect(ro);
      s.on('error', () => {});
      s.on('close', () => closedByDaemon++);
      sockets.push(s);
      if (i % 4 === 1) s.write('GET /v1/networks HTTP/1.1\r\nHost: x\r\n'); // headers never finished
      if (i % 4 === 2) s.write('GET /v1/events HTTP/1.1\r\nHost: x\r\n\r\n'); // subscribed, never reads
      if (i % 4 === 3) s.write('G'); // one byte, then silence
      // the slow ones read what they get (a 408), so their end is seen; the events subscribers read nothing
      if (i % 4 !== 2) s.resume();
    }
    await new Promise((r) => setTimeout(r, 500));
    const p99 = await rwP99('busy');
    const peak = rssMb(pid);
    // slow headers time out (5 s), so the read-only socket serves again afterwards
    await new Promise((r) => setTimeout(r, 6500));
    const roAgain = await call(ro, 'GET', '/v1/networks');
    console.log(
      `1000 clients on the ro socket: rw p99 ${p99.toFixed(1)} ms (${quietP99.toFixed(1)} ms without them); ` +
        `daemon RSS ${before.toFixed(1)} -> ${peak.toFixed(1)} MB; ${closedByDaemon} of 1000 closed by the daemon after 7 s`,
    );
    assert.ok(p99 < Math.max(500, 5 * quietP99), `p99 ${p99} ms with the crowd, ${quietP99} ms without`);
    assert.ok(peak - before < 50, `memory grew by ${(peak - before).toFixed(1)} MB`);
    // all but the events subscribers were refused at once or timed out
    assert.ok(closedByDaemon >= 750, `${closedByDaemon} closed`);
    assert.equal(roAgain.status, 200);
  });
});
