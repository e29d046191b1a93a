// Which design keeps connections alive through another program's `nft flush ruleset` (root, namespaces of our own)?
// One NAT network with a port forward, an inbound TCP stream through the forward and an outbound one through NAT,
// then a flush. Designs: (1) a plain table restored by a 2 s poll (virtnet before), (2) a plain table restored as
// soon as `nft monitor` reports the flush, (3) a table with `flags owner` held by a long-lived nft session (virtnet
// now). Prints, per design and run, whether each stream was reset and its longest gap between two echoes.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseNetworkXml } from '../src/model/network-parse.js';
import { baseTableScript, networkAddScript } from '../src/render/nft-ruleset.js';
import { canRunE2e, sleep, Topology } from '../test/e2e/harness/topology.js';
import { startEchoServer, startStream } from '../test/e2e/helpers/streams.js';

const RUNS = Number(process.env.VIRTNET_BENCH_RUNS ?? 3);
const DEF = parseNetworkXml(`<network><name>b</name><forward mode='nat'/><bridge name='vnbr-fb'/>
<metadata><virtnet:forwards xmlns:virtnet="https://virtnet.dev/xmlns/network-forwards/1">
  <virtnet:forward proto="tcp" port="8080" target="10.99.0.10" targetPort="7"/>
</virtnet:forwards></metadata>
<ip address='10.99.0.1' prefix='24'/></network>`);
const PLAIN = baseTableScript().replace('  flags owner;\n', '') + networkAddScript(DEF);

type Design = 'poll-2s' | 'monitor' | 'owner';

async function run(design: Design): Promise<string> {
  const t = new Topology();
  // the owner session's -I names the topology's directory: destroy() kills it with the rest
  const dir = join(t.dir, 'run');
  const stop: Array<() => void> = [];
  try {
    const inHost = (...argv: string[]) => t.sh(['ip', 'netns', 'exec', t.hostNs, ...argv]);
    inHost('ip', 'link', 'add', 'vnbr-fb', 'type', 'bridge', 'stp_state', '0');
    inHost('ip', 'addr', 'add', '10.99.0.1/24', 'dev', 'vnbr-fb');
    inHost('ip', 'link', 'set', 'vnbr-fb', 'up');
    inHost('sysctl', '-qw', 'net.ipv4.ip_forward=1');
    const g = t.addGuest('g', 'vnbr-fb');
    t.sh(['ip', '-n', g, 'addr', 'add', '10.99.0.10/24', 'dev', 'eth0']);
    t.sh(['ip', '-n', g, 'route', 'add', 'default', 'via', '10.99.0.1']);
    const apply = () => t.sh(['ip', 'netns', 'exec', t.hostNs, 'nft', '-f', '-'], PLAIN);
    if (design === 'owner') {
      // the session must live in the host namespace: run a tiny node in it that owns the table
      const code = `import(${JSON.stringify(new URL('../src/host/nft-session.js', import.meta.url).href)}).then(async ({NftSession}) => {
        const s = new NftSession(${JSON.stringify(dir)}); const r = await s.run(${JSON.stringify(baseTableScript() + networkAddScript(DEF))});
        console.log(r.ok ? 'owned' : r.stderr); setInterval(() => {}, 1000); })`;
      const p = t.spawnIn(t.hostNs, [process.execPath, '--input-type=module', '-e', code]);
      await new Promise<void>((resolve) => p.stdout?.once('data', () => resolve()));
      stop.push(() => p.kill('SIGKILL'));
    } else {
      apply();
      if (design === 'poll-2s') {
        const timer = setInterval(() => {
          if (
            t.tryRun(['ip', 'netns', 'exec', t.hostNs, 'nft', 'list', 'table', 'inet', 'virtnet']).code !== 0
          )
            apply();
        }, 2000);
        stop.push(() => clearInterval(timer));
      } else {
        const mon = spawn('ip', ['netns', 'exec', t.hostNs, 'nft', 'monitor', 'tables'], {
          stdio: ['ignore', 'pipe', 'ignore'],
        });
        mon.stdout.on('data', (b: Buffer) => {
          if (/delete table inet virtnet/.test(b.toString())) apply();
        });
        stop.push(() => mon.kill('SIGKILL'));
        await sleep(200);
      }
    }
    await startEchoServer(t, g, 7);
    await startEchoServer(t, t.upNs, 8081);
    const inbound = await startStream(t, t.upNs, t.hostUplinkAddr, 8080);
    const outbound = await startStream(t, g, t.upAddr, 8081);
    await sleep(500);
    inHost('nft', 'flush', 'ruleset');
    await sleep(3000);
    const [i, o] = await Promise.all([inbound.stop(), outbound.stop()]);
    const show = (r: { reset: boolean; maxGapMs: number; error?: string }) =>
      `${r.reset ? `RESET (${r.error ?? 'closed'})` : 'kept'}, max gap ${r.maxGapMs} ms`;
    return `inbound forward: ${show(i)}; outbound NAT: ${show(o)}`;
  } finally {
    for (const s of stop) s();
    await t.destroy();
  }
}

async function main(): Promise<void> {
  const why = canRunE2e();
  if (why) {
    console.log(`skipped: ${why}`);
    return;
  }
  for (const design of ['poll-2s', 'monitor', 'owner'] as Design[]) {
    for (let r = 1; r <= RUNS; r++) console.log(`${design.padEnd(8)} run ${r}: ${await run(design)}`);
  }
}

await main();
