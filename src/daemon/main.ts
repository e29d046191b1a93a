// virtnetd: loads definitions, adopts running networks, serves the API until SIGTERM (networks keep running).

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createApi } from './api/app.js';
import { Daemon } from './daemon.js';
import { importLibvirtDir } from './import-libvirt.js';
import { MemoryRuntime } from './memory-runtime.js';
import type { NetworkRuntime } from './runtime.js';
import { closeServer, listenTcp, listenUnix, socketInUse } from './server.js';
import { Store } from './store.js';

const USAGE = `usage: virtnetd [--config-dir DIR] [--state-dir DIR] [--run-dir DIR] [--runtime linux|memory]
                [--http ADDR:PORT] [--import-libvirt DIR] [--verbose]

  --config-dir DIR       network definitions (default /etc/virtnet)
  --state-dir DIR        status of active networks, dnsmasq files, leases (default /var/lib/virtnet)
  --run-dir DIR          sockets and pid files (default /run/virtnet)
  --runtime KIND         linux (default: bridges, nftables, dnsmasq) or memory (no host changes)
  --http ADDR:PORT       also serve the API over TCP (loopback only, unless --http-token-file is given)
  --http-token-file F    require \`Authorization: Bearer <first line of F>\` on the TCP listener (default for a
                         non-loopback address: a token generated once in <state-dir>/http-token, mode 0600)
  --web-root DIR         the built web UI served on the TCP listener (default: web/dist of this checkout)
  --import-libvirt DIR   define every network of a libvirt network directory (keeping autostart), then exit
  --heal-interval MS     how often firewalls of active networks are checked and restored (default 2000; 0: never)
  --hook-timeout SEC     kill a network hook script (<config-dir>/hooks/network, network.d/*) after SEC (default 30)
`;

function log(msg: string): void {
  process.stderr.write(`virtnetd: ${msg}\n`);
}

async function loadRuntime(
  kind: string,
  dirs: { configDir: string; stateDir: string; runDir: string },
  verbose: boolean,
  hookTimeoutMs: number,
): Promise<NetworkRuntime> {
  const { stateDir, runDir } = dirs;
  if (kind === 'memory') return new MemoryRuntime({ stateDir, runDir });
  if (kind !== 'linux') throw new Error(`unknown runtime '${kind}'`);
  const { createLinuxRuntime } = await import('./linux-runtime.js');
  // what happens behind the daemon's back (a dnsmasq restarted or failing, the table restored) is always logged
  const hooksDir = join(dirs.configDir, 'hooks');
  return createLinuxRuntime({
    stateDir,
    runDir,
    log,
    hooksDir,
    hookTimeoutMs,
    ...(verbose ? { trace: log } : {}),
  });
}

function hookTimeout(text: string): number {
  const s = Number(text);
  if (!Number.isFinite(s) || s <= 0 || s > 3600)
    throw new Error(`--hook-timeout needs seconds (0-3600], got '${text}'`);
  return Math.round(s * 1000);
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'config-dir': { type: 'string', default: '/etc/virtnet' },
      'state-dir': { type: 'string', default: '/var/lib/virtnet' },
      'run-dir': { type: 'string', default: '/run/virtnet' },
      runtime: { type: 'string', default: 'linux' },
      http: { type: 'string' },
      'http-token-file': { type: 'string' },
      'import-libvirt': { type: 'string' },
      verbose: { type: 'boolean', default: false },
      'heal-interval': { type: 'string', default: '2000' },
      'hook-timeout': { type: 'string', default: '30' },
      'web-root': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const configDir = values['config-dir'];
  const stateDir = values['state-dir'];
  const runDir = values['run-dir'];
  for (const d of [configDir, stateDir, runDir]) mkdirSync(d, { recursive: true, mode: 0o755 });
  const store = new Store(configDir, stateDir);

  if (values['import-libvirt']) {
    const daemon = new Daemon(store, new MemoryRuntime(), log);
    await daemon.load({ definitionsOnly: true });
    const r = await importLibvirtDir(daemon, values['import-libvirt']);
    for (const n of r.imported)
      process.stdout.write(`imported ${n.name} from ${n.file}${n.autostart ? ' (autostart)' : ''}\n`);
    for (const f of r.failed) process.stderr.write(`error: ${f.file}: ${f.message}\n`);
    process.stdout.write(`${r.imported.length} network(s) imported, ${r.failed.length} failed\n`);
    process.exitCode = r.failed.length ? 1 : 0;
    return;
  }

  const rwPath = join(runDir, 'virtnet.sock');
  const roPath = join(runDir, 'virtnet-ro.sock');
  if (await socketInUse(rwPath)) {
    log(`another virtnetd is already listening on ${rwPath}`);
    process.exitCode = 1;
    return;
  }
  const runtime = await loadRuntime(
    values.runtime,
    { configDir, stateDir, runDir },
    values.verbose,
    hookTimeout(values['hook-timeout']),
  );
  const daemon = new Daemon(store, runtime, log);
  await daemon.load();
  daemon.startHealing(Number(values['heal-interval']));
  const doctorProbe =
    values.runtime === 'linux' ? (await import('../host/doctor-probe.js')).probeHost : undefined;

  const servers: Server[] = [];
  servers.push(await listenUnix(createApi(daemon, { readOnly: false, doctorProbe }), rwPath, 0o600));
  servers.push(await listenUnix(createApi(daemon, { readOnly: true, doctorProbe }), roPath, 0o666));
  if (values.http) {
    const { host, port } = parseHttpAddress(values.http);
    const tokenFile = values['http-token-file'];
    let token = tokenFile ? readFileSync(tokenFile, 'utf8').split('\n')[0]?.trim() : undefined;
    if (tokenFile && !token) throw new Error(`--http-token-file ${tokenFile} is empty`);
    if (!token && !isLoopback(host)) token = httpToken(stateDir);
    const web = values['web-root'] || DEFAULT_WEB_ROOT;
    const tcp = await listenTcp(createApi(daemon, { readOnly: false, token, doctorProbe, web }), host, port);
    servers.push(tcp);
    const bound = tcp.address();
    const shown = bound && typeof bound === 'object' ? bound.port : port;
    log(
      `listening on http://${host.includes(':') ? `[${host}]` : host}:${shown}${token ? ' (bearer token)' : ''}`,
    );
  }
  const pidFile = join(runDir, 'virtnetd.pid');
  writeFileSync(pidFile, `${process.pid}\n`);
  log(`listening on ${rwPath}`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await Promise.all(servers.map(closeServer));
    await daemon.shutdown();
    for (const p of [rwPath, roPath, pidFile]) rmSync(p, { force: true });
    log('stopped (networks keep running)');
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** Parses `ADDR:PORT` (IPv6 as `[::1]:PORT`); throws on anything else. */
export function parseHttpAddress(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  const host = m?.[1] ?? m?.[2];
  // port 0 asks the kernel for a free port (tests); the log line shows the one bound
  if (!m || !host || port > 65535) throw new Error(`--http needs ADDR:PORT, got '${text}'`);
  return { host, port };
}

const DEFAULT_WEB_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

/** The TCP listener's token for non-loopback addresses: made once, kept 0600, printed only when made. */
function httpToken(stateDir: string): string {
  const file = join(stateDir, 'http-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  log(`web UI token (shown once, kept in ${file}): ${token}`);
  return token;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
