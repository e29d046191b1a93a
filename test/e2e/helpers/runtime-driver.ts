// A small command-line driver around createLinuxRuntime for end-to-end tests, run inside a test namespace:
//   node runtime-driver.js start|stop|check|adopt|repair|leases|supervise|dry-vs-real <stateDir> <xmlFile>
// Prints JSON on stdout; exits 1 with the error message on stderr. `supervise` adopts the network, prints one
// JSON line per runtime event and keeps running until SIGTERM (then detaches, leaving the network up).
// VIRTNET_TEST_DNSMASQ replaces the dnsmasq binary (tests use a wrapper that adds a bad option).
// `dry-vs-real` prints the dry run of a start, then starts for real through a recording executor and prints what
// ran, then the same for the stop: {dryStart, realStart, dryStop, realStop} (steps with title and commands).

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../../src/daemon/engine.js';
import { createLinuxRuntime } from '../../../src/daemon/linux-runtime.js';
import { createLinuxHost } from '../../../src/host/linux-host.js';
import { RecordingExecutor } from '../../../src/host/recording-executor.js';
import type { NetworkDef } from '../../../src/model/network-def.js';
import { parseNetworkXml } from '../../../src/model/network-parse.js';
import { validateNetworkDef } from '../../../src/model/network-validate.js';
import { formatAction } from '../../../src/plan/transcript.js';

async function main(argv: string[]): Promise<void> {
  const [cmd, stateDir, xmlFile] = argv;
  if (!cmd || !stateDir || !xmlFile) throw new Error('usage: runtime-driver CMD STATEDIR XMLFILE');
  const def = parseNetworkXml(readFileSync(xmlFile, 'utf8'));
  validateNetworkDef(def);
  const rt = createLinuxRuntime({
    stateDir,
    runDir: join(stateDir, 'run'),
    log: (m) => process.stderr.write(`${m}\n`),
    superviseIntervalMs: 100,
    dnsmasqPath: process.env.VIRTNET_TEST_DNSMASQ,
  });
  if (cmd === 'dry-vs-real') return dryVsReal(def, stateDir);
  const stateFile = join(stateDir, `${def.name}.state.json`);
  const load = () => JSON.parse(readFileSync(stateFile, 'utf8')) as Record<string, unknown>;
  const save = (s: Record<string, unknown>) => writeFileSync(stateFile, JSON.stringify(s));
  switch (cmd) {
    case 'start': {
      // VIRTNET_TEST_PORTS: the network's ports (PortDevice JSON), plugged in by the start
      const ports = process.env.VIRTNET_TEST_PORTS ? JSON.parse(process.env.VIRTNET_TEST_PORTS) : [];
      const s = await rt.start(def, ports);
      save(s);
      console.log(JSON.stringify(s));
      break;
    }
    case 'stop':
      await rt.stop(def, load());
      break;
    case 'check':
      console.log(JSON.stringify(await rt.check(def, load())));
      break;
    case 'adopt': {
      const s = (await rt.adopt(def, load())).state;
      save(s);
      console.log(JSON.stringify(s));
      break;
    }
    case 'repair': {
      const s = (await rt.repair(def, load())).state;
      save(s);
      console.log(JSON.stringify(s));
      break;
    }
    case 'leases':
      console.log(JSON.stringify(await rt.leases(def, load())));
      break;
    case 'supervise': {
      rt.onEvent((e) => console.log(JSON.stringify(e)));
      const s = (await rt.adopt(def, load())).state;
      save(s);
      console.log(JSON.stringify({ adopted: s }));
      const keepAlive = setInterval(() => {}, 1 << 30);
      process.on('SIGTERM', () => {
        clearInterval(keepAlive);
        void rt.detach().then(() => process.exit(0));
      });
      return;
    }
    default:
      throw new Error(`unknown command ${cmd}`);
  }
  await rt.detach();
}

async function dryVsReal(def: NetworkDef, stateDir: string): Promise<void> {
  const host = createLinuxHost({ stateDir, runDir: join(stateDir, 'run'), log: () => {} });
  const recording = new RecordingExecutor({ inner: host.executor });
  const engine = new Engine({ ...host, executor: recording }, () => {
    const r = new RecordingExecutor();
    return { executor: r, transcript: r.transcript };
  });
  const steps = () =>
    recording.transcript.map((t) => ({ id: t.id, title: t.title, commands: t.actions.map(formatAction) }));
  const dryStart = (await engine.planChange('start', def)).steps;
  const state = await engine.start(def);
  const realStart = steps();
  recording.reset();
  const dryStop = (await engine.planChange('stop', def, state)).steps;
  await engine.stop(def, state);
  const realStop = steps();
  console.log(JSON.stringify({ dryStart, realStart, dryStop, realStop }));
  await engine.detach();
}

main(process.argv.slice(2)).catch((e: Error) => {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
});
