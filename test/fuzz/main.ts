// `npm run fuzz [-- --count N] [--time SECONDS] [--seed S] [--workers W]`: runs the fuzz loop (run.ts) in worker
// threads, each with its own seed, and prints the counts. A worker that reports no progress for 30 s is stuck
// (a synchronous loop): it is stopped and counted as a hang. Exit status 1 when anything was found; findings are
// written to test-output/fuzz/ for reproduction.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { type Finding, type FuzzStats, runFuzz } from './run.js';

interface Job {
  seed: number;
  count: number;
  timeMs: number;
}

if (!isMainThread) {
  const job = workerData as Job;
  const stats = await runFuzz({
    ...job,
    onProgress: (index) => parentPort?.postMessage({ type: 'progress', index }),
  });
  parentPort?.postMessage({ type: 'done', stats });
} else {
  const { values } = parseArgs({
    options: {
      count: { type: 'string', default: '100000' },
      time: { type: 'string', default: '1800' },
      seed: { type: 'string', default: String(Date.now() % 100000) },
      workers: { type: 'string', default: '1' },
    },
  });
  const workers = Math.max(1, Number(values.workers));
  const count = Number(values.count);
  const seed = Number(values.seed);
  const timeMs = Number(values.time) * 1000;
  console.log(`fuzz: ${count} inputs, at most ${values.time} s, ${workers} worker(s), seed ${seed}`);
  const results = await Promise.all(
    Array.from({ length: workers }, (_, i) =>
      runWorker({ seed: seed + i, count: Math.ceil(count / workers), timeMs }),
    ),
  );
  const total: FuzzStats = {
    inputs: 0,
    requests: 0,
    accepted: 0,
    roundtrips: 0,
    byStatus: {},
    findings: [],
    slowUnderLoad: [],
    ms: 0,
  };
  for (const r of results) {
    total.inputs += r.inputs;
    total.requests += r.requests;
    total.accepted += r.accepted;
    total.roundtrips += r.roundtrips;
    total.findings.push(...r.findings);
    total.slowUnderLoad.push(...r.slowUnderLoad);
    total.ms = Math.max(total.ms, r.ms);
    for (const [k, v] of Object.entries(r.byStatus)) total.byStatus[k] = (total.byStatus[k] ?? 0) + v;
  }
  const kinds = (k: Finding['kind']) => total.findings.filter((f) => f.kind === k).length;
  console.log(
    [
      `inputs ${total.inputs}, requests ${total.requests}, in ${(total.ms / 1000).toFixed(0)} s`,
      `accepted definitions ${total.accepted}, round trips checked ${total.roundtrips}`,
      `statuses ${Object.entries(total.byStatus)
        .sort()
        .map(([k, v]) => `${k}:${v}`)
        .join(' ')}`,
      `crashes ${kinds('crash')}, 5xx ${kinds('5xx')}, hangs over 2 s ${kinds('hang')}, round-trip mismatches ${kinds('roundtrip')}`,
      `answers over 2 s in the run that were fast when replayed (a busy machine): ${total.slowUnderLoad.length}`,
      ...total.slowUnderLoad.slice(0, 5).map((s) => `  ${s}`),
    ].join('\n'),
  );
  if (total.findings.length) {
    const dir = join(import.meta.dirname, '../../../test-output/fuzz');
    mkdirSync(dir, { recursive: true });
    for (const [i, f] of total.findings.slice(0, 200).entries()) {
      writeFileSync(join(dir, `${String(i).padStart(3, '0')}-${f.kind}.txt`), `${f.what}\n\n${f.input}\n`);
    }
    for (const f of total.findings.slice(0, 10))
      console.log(`- ${f.kind} (input ${f.index}): ${f.what.slice(0, 300)}`);
    console.log(`findings written to ${dir}`);
    process.exitCode = 1;
  }
}

function runWorker(job: Job): Promise<FuzzStats> {
  return new Promise((resolve) => {
    const w = new Worker(new URL(import.meta.url), { workerData: job });
    let last = 0;
    let lastBeat = Date.now();
    const watchdog = setInterval(() => {
      if (Date.now() - lastBeat > 30000) {
        clearInterval(watchdog);
        void w.terminate();
        resolve({
          inputs: last,
          requests: 0,
          accepted: 0,
          roundtrips: 0,
          byStatus: {},
          slowUnderLoad: [],
          findings: [
            {
              kind: 'hang',
              index: last,
              what: `worker stuck after input ${last} (seed ${job.seed})`,
              input: '',
            },
          ],
          ms: 0,
        });
      }
    }, 1000);
    w.on('message', (m: { type: string; index?: number; stats?: FuzzStats }) => {
      lastBeat = Date.now();
      if (m.type === 'progress') last = m.index ?? last;
      if (m.type === 'done' && m.stats) {
        clearInterval(watchdog);
        resolve(m.stats);
      }
    });
    w.on('error', (e) => {
      clearInterval(watchdog);
      resolve({
        inputs: last,
        requests: 0,
        accepted: 0,
        roundtrips: 0,
        byStatus: {},
        slowUnderLoad: [],
        findings: [{ kind: 'crash', index: last, what: `worker died: ${e.stack}`, input: '' }],
        ms: 0,
      });
    });
  });
}
