// Long-lived TCP streams through a network, for fault tests and benchmarks: an echo server, and a client that sends
// a line every 20 ms and reports how its echoes came back — the longest gap between two, and whether the connection
// was reset. Both run as node processes inside namespaces of a Topology.

import type { ChildProcess } from 'node:child_process';
import type { Topology } from '../harness/topology.js';

export interface StreamReport {
  echoes: number;
  /** Longest time between two echoes (ms), counted from the first one. */
  maxGapMs: number;
  /** The connection ended with ECONNRESET (or any error), or was closed by the other side. */
  reset: boolean;
  error?: string;
}

/** An echo server on `port` in `ns` (every byte comes back); resolves once it listens. */
export async function startEchoServer(t: Topology, ns: string, port: number): Promise<ChildProcess> {
  const code = `require('net').createServer(s=>{s.on('error',()=>{});s.pipe(s)}).listen(${port},()=>console.log('up'))`;
  const p = t.spawnIn(ns, [process.execPath, '-e', code]);
  await new Promise<void>((resolve, reject) => {
    p.stdout?.once('data', () => resolve());
    p.once('exit', () => reject(new Error('echo server died')));
  });
  return p;
}

export interface StreamClient {
  /** Ends the stream and returns what it saw. */
  stop(): Promise<StreamReport>;
  /** Echoes so far (the client prints one dot per echo). */
  echoes(): number;
}

/** A client in `ns` streaming to addr:port; resolves once the first echo came back. */
export async function startStream(
  t: Topology,
  ns: string,
  addr: string,
  port: number,
): Promise<StreamClient> {
  const code = `
const s = require('net').connect(${port}, '${addr}');
let echoes = 0, last = 0, maxGap = 0, reset = false, error;
s.setNoDelay(true);
const timer = setInterval(() => s.write('x'), 20);
s.on('data', (b) => { const now = Date.now(); for (let i = 0; i < b.length; i++) { if (last) maxGap = Math.max(maxGap, now - last); last = now; echoes++; process.stdout.write('.'); } });
s.on('error', (e) => { reset = true; error = e.code || e.message; });
s.on('close', () => { reset = reset || !stopping; clearInterval(timer); });
let stopping = false;
// a reset connection leaves nothing to run: stay until asked for the report
setInterval(() => {}, 1 << 30);
process.on('SIGTERM', () => { stopping = true; clearInterval(timer); if (last) maxGap = Math.max(maxGap, Date.now() - last);
  process.stdout.write('\\n' + JSON.stringify({ echoes, maxGapMs: maxGap, reset, ...(error ? { error } : {}) }) + '\\n'); s.destroy(); process.exit(0); });`;
  const p = t.spawnIn(ns, [process.execPath, '-e', code]);
  let out = '';
  p.stdout?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  for (let i = 0; i < 200 && !out.includes('.'); i++) await new Promise((r) => setTimeout(r, 25));
  if (!out.includes('.')) throw new Error(`no echo from ${addr}:${port} (from ${ns})`);
  return {
    echoes: () => out.split('').filter((c) => c === '.').length,
    stop: () =>
      new Promise((resolve, reject) => {
        p.once('exit', () => {
          const line = out.trim().split('\n').pop() ?? '';
          try {
            resolve(JSON.parse(line) as StreamReport);
          } catch {
            reject(new Error(`stream client said: ${out.slice(-200)}`));
          }
        });
        p.kill('SIGTERM');
      }),
  };
}
