// Benchmark: parse + validate + format throughput over the libvirt conformance inputs (documents per second).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatNetworkXml } from '../src/model/network-format.js';
import { parseNetworkXml } from '../src/model/network-parse.js';
import { validateNetworkDef } from '../src/model/network-validate.js';

const FIXTURES = join(import.meta.dirname, '../../test/fixtures/conformance/libvirt');

function loadInputs(): string[] {
  const docs: string[] = [];
  for (const dir of ['networkxml2xmlin', 'networkxmlconfdata', 'networkxml2confdata']) {
    const path = join(FIXTURES, dir);
    if (!existsSync(path)) continue;
    for (const f of readdirSync(path).sort()) {
      if (!f.endsWith('.xml')) continue;
      const xml = readFileSync(join(path, f), 'utf8');
      try {
        validateNetworkDef(parseNetworkXml(xml));
        docs.push(xml);
      } catch {
        // refused inputs are not part of the throughput run
      }
    }
  }
  return docs;
}

function run(docs: string[], seconds: number): { docs: number; bytes: number; ms: number } {
  let n = 0;
  let bytes = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  while (performance.now() < deadline) {
    for (const xml of docs) {
      const def = parseNetworkXml(xml);
      validateNetworkDef(def);
      bytes += formatNetworkXml(def).length;
      n++;
    }
  }
  return { docs: n, bytes, ms: performance.now() - start };
}

const docs = loadInputs();
if (docs.length === 0) throw new Error(`no inputs under ${FIXTURES}`);
run(docs, 0.5); // warm-up
const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const r = run(docs, seconds);
const perSec = Math.round((r.docs / r.ms) * 1000);
console.log(
  `xml-throughput: ${docs.length} distinct documents, ${r.docs} parse+validate+format in ${(r.ms / 1000).toFixed(2)} s = ${perSec} documents/s (${(((r.bytes / r.ms) * 1000) / 1e6).toFixed(1)} MB/s formatted)`,
);
