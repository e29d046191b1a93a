// Benchmark of CLI start-up: median wall time of `virtnet net-list --all` against a memory-runtime daemon
// holding 1000 networks (target < 150 ms). Usage: node dist/bench/net-list.js [count=1000] [runs=10]

import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startMemoryDaemon } from '../test/helpers/memory-daemon.js';

const ROOT = join(import.meta.dirname, '../..');

function post(sock: string, path: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath: sock, method: 'POST', path, headers: { 'content-type': 'application/xml' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function netXml(i: number): string {
  const a = Math.floor(i / 250);
  const b = i % 250;
  return `<network><name>bench${i}</name><forward mode='nat'/><bridge name='virbr${i}'/>
<ip address='10.${a}.${b}.1' netmask='255.255.255.0'/></network>`;
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 1000);
  const runs = Number(process.argv[3] ?? 10);
  const daemon = await startMemoryDaemon('virtnet-bench-');
  const sock = daemon.socket;
  try {
    for (let i = 0; i < count; i += 50) {
      const batch = [];
      for (let j = i; j < Math.min(count, i + 50); j++) batch.push(post(sock, '/v1/networks', netXml(j)));
      const codes = await Promise.all(batch);
      const bad = codes.find((c) => c !== 201);
      if (bad !== undefined) throw new Error(`define failed with HTTP ${bad}`);
    }
    const times: number[] = [];
    let lines = 0;
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      const res = spawnSync(
        process.execPath,
        [join(ROOT, 'bin/virtnet'), '-c', `unix:${sock}`, 'net-list', '--all'],
        {
          encoding: 'utf8',
        },
      );
      times.push(performance.now() - t0);
      if (res.status !== 0) throw new Error(`virtnet failed: ${res.stderr}`);
      lines = res.stdout.split('\n').length;
    }
    // node's own start-up on this box, for comparison: the CLI cannot be faster than this
    const base: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      spawnSync(process.execPath, ['-e', '']);
      base.push(performance.now() - t0);
    }
    base.sort((x, y) => x - y);
    times.sort((x, y) => x - y);
    const median = times[Math.floor(times.length / 2)] ?? 0;
    console.log(
      `virtnet net-list --all, ${count} networks (${lines} output lines): median ${median.toFixed(1)} ms over ${runs} runs (min ${times[0]?.toFixed(1)}, max ${times[times.length - 1]?.toFixed(1)}); bare \`node -e ''\` median ${base[Math.floor(runs / 2)]?.toFixed(1)} ms`,
    );
  } finally {
    daemon.stop();
  }
}

await main();
