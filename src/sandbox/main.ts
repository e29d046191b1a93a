// `npm start`: virtnetd in a sandbox of its own network namespaces, with the default NAT network and demo guests.
// Everything it creates is torn down on Ctrl-C / SIGTERM; the machine's own namespace is never touched.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { join, resolve } from 'node:path';
import { vethBetween } from './netns.js';

const ROOT = resolve(new URL('../../..', import.meta.url).pathname);
const PREFIX = process.env.VIRTNET_SANDBOX_PREFIX ?? 'vnt-sbx';
const HOST_NS = `${PREFIX}-host`;
const UP_NS = `${PREFIX}-up`;
const GUESTS = ['demo1', 'demo2'];
const DIR = resolve(process.env.VIRTNET_SANDBOX_DIR ?? join(ROOT, '.sandbox'));
const SOCKET = join(DIR, 'run', 'virtnet.sock');

export const DEFAULT_NETWORK_XML = `<network>
  <name>default</name>
  <forward mode='nat'/>
  <bridge name='virbr0' stp='on' delay='0'/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
    </dhcp>
  </ip>
</network>
`;

const UDHCPC_SCRIPT = `#!/bin/busybox sh
# udhcpc event script for the sandbox's demo guests: apply the lease.
case "$1" in
  bound|renew)
    /bin/busybox ip addr flush dev "$interface"
    /bin/busybox ip addr add "$ip/\${mask:-24}" dev "$interface"
    [ -n "$router" ] && /bin/busybox ip route replace default via "\${router%% *}" dev "$interface"
    ;;
esac
exit 0
`;

const children: ChildProcess[] = [];
let cleaning = false;

function sh(argv: string[], opts: { quiet?: boolean } = {}): string {
  try {
    return execFileSync(argv[0], argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    if (opts.quiet) return '';
    throw e;
  }
}

function netnsExists(name: string): boolean {
  return sh(['ip', 'netns', 'list'], { quiet: true })
    .split('\n')
    .some((l) => l.split(' ')[0] === name);
}

const WEB_PORT = Number(process.env.VIRTNET_SANDBOX_WEB_PORT ?? 8470);
const relaySockets = new Set<import('node:net').Socket>();
let relayServer: import('node:net').Server | undefined;

/**
 * The daemon's web listener is on the sandbox namespace's loopback. A browser on this machine reaches it through
 * a relay on the machine's own loopback (a listening socket, no change to its network configuration): each
 * connection is piped through `busybox nc` run inside the sandbox namespace.
 */
function relayWebPort(): void {
  relayServer = createNetServer((sock) => {
    relaySockets.add(sock);
    const nc = spawn('ip', ['netns', 'exec', HOST_NS, '/bin/busybox', 'nc', '127.0.0.1', String(WEB_PORT)], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    sock.pipe(nc.stdin);
    nc.stdout.pipe(sock);
    const end = () => {
      relaySockets.delete(sock);
      sock.destroy();
      if (nc.exitCode === null && nc.pid) nc.kill('SIGTERM');
    };
    sock.on('close', end);
    sock.on('error', end);
    nc.on('exit', end);
  });
  relayServer.on('error', (e) =>
    console.error(`virtnet sandbox: web relay on 127.0.0.1:${WEB_PORT}: ${e.message}`),
  );
  relayServer.listen(WEB_PORT, '127.0.0.1');
}

/** The web UI's token: made once (0600) and kept across sandbox runs, so a bookmarked login link keeps working. */
function sandboxToken(): string {
  const file = join(DIR, 'http-token');
  if (!existsSync(file)) writeFileSync(file, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

/** Sleeps without a child process or the event loop (cleanup runs in exit handlers too). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Whether a process runs. A zombie does not: while cleanup blocks the event loop nobody reaps our children, and
 * kill(pid, 0) succeeds on a zombie (that wait was the 8 s of the old Ctrl-C).
 */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Sends SIGTERM, waits up to waitMs for every pid to end, then SIGKILLs what is left. */
function stopPids(pids: number[], waitMs: number): void {
  const signal = (pid: number, sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  };
  for (const pid of pids) signal(pid, 'SIGTERM');
  for (let t = 0; t < waitMs && pids.some(alive); t += 10) pause(10);
  for (const pid of pids.filter(alive)) signal(pid, 'SIGKILL');
}

/** The sandbox's own records of what it started: its children; virtnetd's, its nft session's, dnsmasq's pid files. */
const RECORD = join(DIR, 'sandbox.pids');

function recordedPids(): number[] {
  const files = [RECORD, join(DIR, 'run', 'virtnetd.pid'), join(DIR, 'run', 'nft-session.pid')];
  const netDir = join(DIR, 'run', 'network');
  if (existsSync(netDir))
    for (const f of readdirSync(netDir)) if (f.endsWith('.pid')) files.push(join(netDir, f));
  const pids = files.flatMap((f) => {
    try {
      return readFileSync(f, 'utf8').split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  });
  // a pid is ours only if its command line names our directory: a recycled pid of someone else's is left alone
  return [...new Set(pids)].filter((pid) => {
    if (!Number.isInteger(pid) || pid <= 1 || !alive(pid)) return false;
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(DIR);
    } catch {
      return false;
    }
  });
}

/**
 * What an earlier sandbox left when it was killed (SIGKILL, a crash): its virtnetd and dnsmasq keep running in
 * namespaces the next start would delete under them. Stopped by the records, before the records are reset.
 */
function removeLeftovers(): void {
  const pids = recordedPids();
  if (pids.length === 0) return;
  console.log(`virtnet sandbox: stopping ${pids.length} process(es) an earlier sandbox left running`);
  stopPids(pids, 1000);
}

function record(): void {
  const pids = children.flatMap((c) => (c.pid ? [c.pid] : []));
  writeFileSync(RECORD, `${pids.join('\n')}\n`);
}

function cleanup(): void {
  if (cleaning) return;
  cleaning = true;
  relayServer?.close();
  for (const sock of relaySockets) sock.destroy();
  // The daemon must be gone first: its supervisor would restart a dnsmasq killed while it still runs.
  stopPids(
    children.flatMap((c) => (c.pid ? [c.pid] : [])),
    1500,
  );
  // The daemon leaves networks running by design; stop their dnsmasq processes (started inside our namespace).
  for (const ns of [HOST_NS, UP_NS, ...GUESTS.map((g) => `${PREFIX}-${g}`)]) {
    if (!netnsExists(ns)) continue;
    // a few rounds: a process may fork while it is being stopped (udhcpc runs its script on SIGTERM)
    for (let round = 0; round < 3; round++) {
      const pids = sh(['ip', 'netns', 'pids', ns], { quiet: true }).split('\n').filter(Boolean).map(Number);
      if (!pids.some(alive)) break;
      stopPids(pids, 1000);
    }
    sh(['ip', 'netns', 'del', ns], { quiet: true });
  }
  rmSync(join('/etc/netns', HOST_NS), { recursive: true, force: true });
  rmSync(RECORD, { force: true });
}

function api(method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolveReq, reject) => {
    const req = request(
      {
        socketPath: SOCKET,
        method,
        path,
        agent: false,
        headers: body ? { 'content-type': 'application/xml' } : {},
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          text += c;
        });
        res.on('end', () => resolveReq({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function waitForSocket(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(SOCKET)) {
      try {
        await api('GET', '/v1/networks?all=1');
        return;
      } catch {
        // not ready yet
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`virtnetd did not open ${SOCKET} within ${timeoutMs} ms`);
}

function buildNamespaces(): void {
  for (const ns of [HOST_NS, UP_NS]) {
    if (netnsExists(ns)) sh(['ip', 'netns', 'del', ns]);
    sh(['ip', 'netns', 'add', ns]);
    sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
  }
  // The veth pair is created directly inside the namespaces, so nothing appears in the root namespace.
  sh(vethBetween(HOST_NS, 'uplink0', UP_NS, 'eth0'));
  sh(['ip', '-n', HOST_NS, 'addr', 'add', '10.77.0.2/24', 'dev', 'uplink0']);
  sh(['ip', '-n', HOST_NS, 'link', 'set', 'uplink0', 'up']);
  sh(['ip', '-n', HOST_NS, 'route', 'add', 'default', 'via', '10.77.0.1']);
  sh(['ip', '-n', UP_NS, 'addr', 'add', '10.77.0.1/24', 'dev', 'eth0']);
  sh(['ip', '-n', UP_NS, 'link', 'set', 'eth0', 'up']);
  // `ip netns exec` bind-mounts this over /etc/resolv.conf: the networks' dnsmasq forwards to the sandbox's
  // upstream namespace, never to the machine's own resolver
  mkdirSync(join('/etc/netns', HOST_NS), { recursive: true });
  writeFileSync(join('/etc/netns', HOST_NS, 'resolv.conf'), 'nameserver 10.77.0.1\n');
}

function startUpstreamServer(): void {
  // A tiny "internet" web server in the upstream namespace that tells each guest how it was seen.
  const script =
    "require('http').createServer((q,s)=>s.end('hello from upstream, you are '+q.socket.remoteAddress+'\\n')).listen(80,'0.0.0.0')";
  // DIR on its command line: the record of a later start recognises it (removeLeftovers)
  const child = spawn('ip', ['netns', 'exec', UP_NS, process.execPath, '-e', script, DIR], {
    stdio: 'ignore',
  });
  children.push(child);
  record();
}

/** A demo "container": a namespace plugged into the network by virtnet itself (port-add --netns). */
async function addGuest(name: string, index: number): Promise<string> {
  const ns = `${PREFIX}-${name}`;
  if (netnsExists(ns)) sh(['ip', 'netns', 'del', ns]);
  sh(['ip', 'netns', 'add', ns]);
  sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
  const mac = `52:54:00:00:00:${(index + 16).toString(16).padStart(2, '0')}`;
  const port = await api(
    'POST',
    '/v1/networks/default/ports',
    // a reservation too: forwards can then name the guest (--target demo1:80)
    JSON.stringify({ owner: name, netns: `/var/run/netns/${ns}`, mac, ip: `192.168.122.${index + 16}` }),
  );
  if (port.status >= 300) throw new Error(`plugging in ${name} failed: ${port.text}`);
  const script = join(DIR, 'udhcpc.sh');
  writeFileSync(script, UDHCPC_SCRIPT, { mode: 0o755 });
  sh([
    'ip',
    'netns',
    'exec',
    ns,
    '/bin/busybox',
    'udhcpc',
    '-i',
    'eth0',
    '-n',
    '-q',
    // a new port of an STP bridge forwards after listening + learning (2 s each)
    '-t',
    '10',
    '-T',
    '1',
    '-x',
    `hostname:${name}`,
    '-s',
    script,
  ]);
  const addr = JSON.parse(sh(['ip', '-n', ns, '-j', '-4', 'addr', 'show', 'dev', 'eth0']))[0]?.addr_info?.[0]
    ?.local;
  return addr ?? '(no lease)';
}

export async function main(): Promise<void> {
  process.on('SIGINT', () => {
    cleanup();
    process.exit(0);
  });
  process.on('SIGTERM', () => {
    cleanup();
    process.exit(0);
  });
  process.on('exit', cleanup);

  removeLeftovers();
  // fresh namespaces mean nothing is running: start from the saved definitions only
  for (const sub of ['state', 'run']) rmSync(join(DIR, sub), { recursive: true, force: true });
  for (const sub of ['config', 'state', 'run']) mkdirSync(join(DIR, sub), { recursive: true });
  // dnsmasq runs as nobody and reads its hosts files under the state directory
  chmodSync(DIR, 0o755);
  console.log(
    `virtnet sandbox: namespaces ${HOST_NS} (virtnetd) and ${UP_NS} (upstream LAN), state in ${DIR}`,
  );
  buildNamespaces();
  startUpstreamServer();

  const token = sandboxToken();
  const daemon = spawn(
    'ip',
    [
      'netns',
      'exec',
      HOST_NS,
      process.execPath,
      join(ROOT, 'bin', 'virtnetd'),
      '--config-dir',
      join(DIR, 'config'),
      '--state-dir',
      join(DIR, 'state'),
      '--run-dir',
      join(DIR, 'run'),
      '--http',
      `127.0.0.1:${WEB_PORT}`,
      '--http-token-file',
      join(DIR, 'http-token'),
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  children.push(daemon);
  record();
  relayWebPort();
  daemon.on('exit', (code) => {
    if (!cleaning) {
      console.error(`virtnetd exited (${code}); stopping the sandbox`);
      cleanup();
      process.exit(1);
    }
  });
  await waitForSocket(10_000);

  const existing = await api('GET', '/v1/networks/default');
  if (existing.status === 404) {
    const defined = await api('POST', '/v1/networks', DEFAULT_NETWORK_XML);
    if (defined.status >= 300) throw new Error(`defining the default network failed: ${defined.text}`);
    const r = await api('PUT', '/v1/networks/default/autostart', JSON.stringify({ autostart: true }));
    if (r.status >= 300) throw new Error(`marking the default network autostart failed: ${r.text}`);
  }
  const info = JSON.parse((await api('GET', '/v1/networks/default')).text);
  if (!info.active) {
    const started = await api('POST', '/v1/networks/default/start');
    if (started.status >= 300) throw new Error(`starting the default network failed: ${started.text}`);
  }
  const leases: string[] = [];
  for (const [i, g] of GUESTS.entries()) {
    leases.push(`  ${g}: ${await addGuest(g, i)}  (ip netns exec ${PREFIX}-${g} ...)`);
  }

  const cli = `VIRTNET_SOCKET=${SOCKET} ${join(ROOT, 'bin', 'virtnet')}`;
  console.log(`
virtnet is running. The default NAT network (virbr0, 192.168.122.0/24) is up with demo guests:
${leases.join('\n')}

Web UI: http://127.0.0.1:${WEB_PORT}/login?token=${token}
  (virtnetd --http 127.0.0.1:${WEB_PORT} in ${HOST_NS}, relayed to this machine's loopback; the link logs you in,
   the token is in ${join(DIR, 'http-token')})

Try:
  ${cli} net-list --all
  ${cli} net-info default
  ${cli} net-dumpxml default
  ${cli} net-dhcp-leases default
  ${cli} domifaddr demo1
  ${cli} netmode demo1
  ${cli} net-forward-add default --listen-port 8080 --target demo1:80 --dry-run
  ${cli} doctor
  ip netns exec ${PREFIX}-demo1 busybox wget -qO- http://10.77.0.1/   # a guest reaching "upstream" through NAT

Press Ctrl-C to stop the sandbox (removes its namespaces and processes).`);
  await new Promise(() => {});
}

main().catch((e) => {
  console.error(`virtnet sandbox: ${e instanceof Error ? e.message : String(e)}`);
  cleanup();
  process.exit(1);
});
