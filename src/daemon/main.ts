// virtnetd: loads definitions, adopts running networks, serves the API until SIGTERM (networks keep running).

import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { hostInstance } from '../host/host-instance.js';
import { assertDnsmasqOptionsAllowed } from '../model/dnsmasq-options.js';
import type { OverlayConfig } from '../model/overlay-config.js';
import { VERSION } from '../version.js';
import type { HostPolicy } from './api/access.js';
import { createApi } from './api/app.js';
import { DEFAULT_MAX_BODY } from './api/body.js';
import { Daemon } from './daemon.js';
import { tuneHeapForDaemon } from './heap-tuning.js';
import { importLibvirtDir } from './import-libvirt.js';
import { createLog, type Log, parseLogFormat } from './log.js';
import { MemoryRuntime } from './memory-runtime.js';
import { DaemonMetrics } from './metrics.js';
import { portFilterHook } from './nwfilter-ports.js';
import { startNwfilters } from './nwfilter-wiring.js';
import { overlayFromFlags } from './overlay-flags.js';
import type { NetworkRuntime } from './runtime.js';
import {
  closeServer,
  DEFAULT_LIMITS,
  type ListenerLimits,
  listenTcp,
  listenUnix,
  socketInUse,
} from './server.js';
import { Store } from './store.js';

const USAGE = `usage: virtnetd [--config-dir DIR] [--state-dir DIR] [--run-dir DIR] [--runtime linux|memory]
                [--http ADDR:PORT [--http-token-file F] [--http-host NAME[:PORT]]...] [--import-libvirt DIR]
                [--max-body BYTES] [--max-connections N] [--allow-dnsmasq-programs] [--log-format text|json]
                [--resolv-conf FILE]
                [--verbose] [--version]

  --config-dir DIR       network definitions (default /etc/virtnet)
  --state-dir DIR        status of active networks, dnsmasq files, leases (default /var/lib/virtnet)
  --run-dir DIR          sockets and pid files (default /run/virtnet)
  --runtime KIND         linux (default: bridges, nftables, dnsmasq) or memory (no host changes)
  --memory-host-bridge B with --runtime memory: the pretend host has bridge B (for bridged networks; repeatable)
  --http ADDR:PORT       also serve the API and the web UI over TCP. Every /v1 request needs the token
                         (Authorization: Bearer TOKEN, or the browser's cookie from /login?token=TOKEN)
  --http-token-file F    the token is the first line of F (default: made once in <state-dir>/http-token, 0600,
                         and printed when made)
  --http-host NAME[:P]   another name the TCP listener answers to (its address and localhost always do); with
                         :P also pages served on port P of NAME (a reverse proxy). Other Host headers get 403
  --web-root DIR         the built web UI served on the TCP listener (default: web/dist of this checkout)
  --max-body BYTES       largest request body (default ${DEFAULT_MAX_BODY}; suffix K or M); larger ones get 413
  --max-connections N    connections at once per listener (default ${DEFAULT_LIMITS.maxConnections})
  --allow-dnsmasq-programs
                         accept <dnsmasq:options> that run programs or name files (dhcp-script, conf-file, ...)
                         on the read-write socket; without it they are refused at define and start
  --import-libvirt DIR   define every network of a libvirt network directory (keeping autostart), then exit
  --log-format F        text (default: one line in words per event) or json (one object per line: time, level,
                         msg, network, step, hint; for journald and Loki)
  --resolv-conf FILE     the host's resolver file whose nameservers networks forward DNS to (default
                         /etc/resolv.conf; watched by virtnetd, each dnsmasq gets them in its servers file)
  --heal-interval MS     how often firewalls of active networks are checked and restored (default 2000; 0: never;
                         with many networks rounds are spaced to take at most 5% of the time, and wait while
                         the API changes things, up to 10× this)
  --overlay-address ADDR this host's VTEP for networks that span hosts (<virtnet:overlay vni=…/>); docs/overlay.md
  --overlay-peers A,B,…  the other members' VTEP addresses (iBGP EVPN sessions; a peer that is down joins later)
  --overlay-asn N        the fabric's BGP AS number (default 65000)
  --hook-timeout SEC     kill a network hook script (<config-dir>/hooks/network, network.d/*) after SEC (default 30)
`;

// set from --log-format before anything else logs
let log: Log = createLog('text');

async function loadRuntime(
  kind: string,
  dirs: { configDir: string; stateDir: string; runDir: string },
  verbose: boolean,
  hookTimeoutMs: number,
  hostBridges: string[] = [],
  overlay: OverlayConfig | undefined = undefined,
  resolvConf: string | undefined = undefined,
): Promise<NetworkRuntime> {
  const { stateDir, runDir } = dirs;
  if (kind === 'memory')
    return new MemoryRuntime({ stateDir, runDir, hostBridges, ...(overlay ? { overlay } : {}) });
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
    ...(resolvConf ? { resolvConf } : {}),
    ...(verbose ? { trace: log } : {}),
    ...(overlay ? { overlay } : {}),
  });
}

function hookTimeout(text: string): number {
  const s = Number(text);
  if (!Number.isFinite(s) || s <= 0 || s > 3600)
    throw new Error(`--hook-timeout needs seconds (0-3600], got '${text}'`);
  return Math.round(s * 1000);
}

export async function main(argv: string[]): Promise<void> {
  tuneHeapForDaemon();
  const { values } = parseArgs({
    args: argv,
    options: {
      'config-dir': { type: 'string', default: '/etc/virtnet' },
      'state-dir': { type: 'string', default: '/var/lib/virtnet' },
      'run-dir': { type: 'string', default: '/run/virtnet' },
      runtime: { type: 'string', default: 'linux' },
      http: { type: 'string' },
      'http-token-file': { type: 'string' },
      'http-host': { type: 'string', multiple: true, default: [] },
      'max-body': { type: 'string' },
      'max-connections': { type: 'string' },
      'allow-dnsmasq-programs': { type: 'boolean', default: false },
      'import-libvirt': { type: 'string' },
      verbose: { type: 'boolean', default: false },
      'log-format': { type: 'string', default: 'text' },
      'heal-interval': { type: 'string', default: '2000' },
      'hook-timeout': { type: 'string', default: '30' },
      'resolv-conf': { type: 'string' },
      'memory-host-bridge': { type: 'string', multiple: true },
      'web-root': { type: 'string' },
      'overlay-address': { type: 'string' },
      'overlay-peers': { type: 'string' },
      'overlay-asn': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
      version: { type: 'boolean', short: 'v', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  log = createLog(parseLogFormat(values['log-format']));
  const configDir = values['config-dir'];
  const stateDir = values['state-dir'];
  const runDir = values['run-dir'];
  for (const d of [configDir, stateDir, runDir]) mkdirSync(d, { recursive: true, mode: 0o755 });
  // (the memory runtime's host is made again at each start: its statuses are always adopted)
  const instance = values.runtime === 'linux' ? hostInstance() : undefined;
  const store = new Store(configDir, stateDir, instance);

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
  const allowDnsmasqPrograms = values['allow-dnsmasq-programs'];
  const maxBody = values['max-body'] === undefined ? DEFAULT_MAX_BODY : parseSize(values['max-body']);
  const limits: ListenerLimits = {
    ...DEFAULT_LIMITS,
    ...(values['max-connections'] ? { maxConnections: parseCount(values['max-connections']) } : {}),
  };
  const overlay = overlayFromFlags(values, values.runtime === 'memory');
  if (overlay instanceof Error) {
    log(overlay.message);
    process.exitCode = 1;
    return;
  }
  const runtime = await loadRuntime(
    values.runtime,
    { configDir, stateDir, runDir },
    values.verbose,
    hookTimeout(values['hook-timeout']),
    values['memory-host-bridge'],
    overlay,
    values['resolv-conf'],
  );
  const daemon = new Daemon(store, runtime, log);
  // autostart and every other start: the same refusal as the API's for options that run programs
  daemon.startGuard = (def) =>
    assertDnsmasqOptionsAllowed(def, { allowPrograms: allowDnsmasqPrograms, fullAccess: true });
  await daemon.load();
  const nwfilters = await startNwfilters(daemon, {
    configDir,
    stateDir,
    memory: values.runtime === 'memory',
    log,
  });
  daemon.ports.filters = portFilterHook(nwfilters);
  daemon.startHealing(Number(values['heal-interval']));
  nwfilters.startHealing(Number(values['heal-interval']));
  const probeHost =
    values.runtime === 'linux' ? (await import('../host/doctor-probe.js')).probeHost : undefined;
  const doctorProbe = probeHost && (() => probeHost({ stateDir }));

  const metrics = new DaemonMetrics(daemon);
  const common = { doctorProbe, maxBody, allowDnsmasqPrograms, nwfilters, metrics, log };
  const servers: Server[] = [];
  servers.push(await listenUnix(createApi(daemon, { ...common, readOnly: false }), rwPath, 0o600, limits));
  servers.push(await listenUnix(createApi(daemon, { ...common, readOnly: true }), roPath, 0o666, limits));
  if (values.http) {
    const { host, port } = parseHttpAddress(values.http);
    const tokenFile = values['http-token-file'];
    let token = tokenFile ? readFileSync(tokenFile, 'utf8').split('\n')[0]?.trim() : undefined;
    if (tokenFile && !token) throw new Error(`--http-token-file ${tokenFile} is empty`);
    // loopback too: every local user can connect to 127.0.0.1, so the address is no authentication
    token ??= httpToken(stateDir);
    const hosts = hostPolicy(host, values['http-host'] ?? []);
    const web = values['web-root'] || DEFAULT_WEB_ROOT;
    const app = createApi(daemon, { ...common, readOnly: false, transport: 'tcp', token, hosts, web });
    const tcp = await listenTcp(app, host, port, limits);
    servers.push(tcp);
    const bound = tcp.address();
    hosts.port = bound && typeof bound === 'object' ? bound.port : port;
    log(`listening on http://${host.includes(':') ? `[${host}]` : host}:${hosts.port} (bearer token)`);
  }
  const pidFile = join(runDir, 'virtnetd.pid');
  writeFileSync(pidFile, `${process.pid}\n`);
  log(`listening on ${rwPath}`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await Promise.all(servers.map(closeServer));
    await nwfilters.shutdown();
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

/** The TCP listener's token: made once, kept 0600 in the state directory, printed only when made. */
function httpToken(stateDir: string): string {
  const file = join(stateDir, 'http-token');
  if (existsSync(file)) {
    if (statSync(file).mode & 0o077) {
      chmodSync(file, 0o600);
      log(`${file} was readable by others; its mode is 0600 now (replace the token if others saw it)`);
    }
    const token = readFileSync(file, 'utf8').trim();
    if (token) return token;
  }
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  log(`web UI token (shown once, kept in ${file}): ${token}`);
  return token;
}

/** The names a TCP listener bound to `host` answers to: its address, localhost, and --http-host NAME[:PORT]. */
export function hostPolicy(host: string, extra: string[]): HostPolicy {
  const bound = host.toLowerCase();
  const anyIp = bound === '0.0.0.0' || bound === '::';
  const names = new Set(['localhost', ...(anyIp ? [] : [bound])]);
  if (bound === 'localhost') for (const n of ['127.0.0.1', '::1']) names.add(n);
  const extraPorts: Array<{ name: string; port: number }> = [];
  for (const e of extra) {
    const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+))(?::(\d{1,5}))?$/.exec(e);
    if (!m || Number(m[3] ?? 0) > 65535) throw new Error(`--http-host needs NAME or NAME:PORT, got '${e}'`);
    const name = (m[1] ?? m[2] ?? '').toLowerCase();
    names.add(name);
    if (m[3] !== undefined) extraPorts.push({ name, port: Number(m[3]) });
  }
  return { names: [...names], anyIp, extraPorts };
}

/** "4194304", "512K", "8M" → bytes. */
export function parseSize(text: string): number {
  const m = /^(\d+)([KkMm]?)$/.exec(text);
  if (!m) throw new Error(`--max-body needs a byte count (suffix K or M allowed), got '${text}'`);
  const unit = m[2]?.toLowerCase() === 'm' ? 1024 * 1024 : m[2]?.toLowerCase() === 'k' ? 1024 : 1;
  return Number(m[1]) * unit;
}

function parseCount(text: string): number {
  if (!/^[1-9]\d*$/.test(text)) throw new Error(`--max-connections needs a positive number, got '${text}'`);
  return Number(text);
}
