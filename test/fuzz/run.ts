// The fuzz loop: mutated libvirt network XML (the conformance inputs), network port XML, net-update commands,
// port forwards, URLs and headers, all through the real API (the Hono app in memory over a Daemon with the
// memory runtime). Every answer must be below 500 and come within 2 s, and every accepted definition must
// define again identically from its own dumpxml.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { createApi } from '../../src/daemon/api/app.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { MemoryRuntime } from '../../src/daemon/memory-runtime.js';
import { Store } from '../../src/daemon/store.js';
import { UPDATE_COMMANDS, UPDATE_SECTIONS } from '../../src/model/network-update.js';
import { INTERESTING, mutate, Rng } from './mutate.js';

const FIXTURES = join(import.meta.dirname, '../../../test/fixtures/conformance/libvirt');
const HANG_MS = 2000;
const TOKEN = 'fuzz-token';

export interface Finding {
  kind: 'crash' | '5xx' | 'hang' | 'roundtrip';
  index: number;
  what: string;
  input: string;
}

export interface FuzzStats {
  inputs: number;
  requests: number;
  accepted: number;
  roundtrips: number;
  byStatus: Record<string, number>;
  findings: Finding[];
  /** Answers over 2 s in the run that were fast when replayed (the machine was busy, not the input slow). */
  slowUnderLoad: string[];
  ms: number;
}

function load(dir: string): string[] {
  return readdirSync(join(FIXTURES, dir))
    .filter((f) => f.endsWith('.xml'))
    .sort()
    .map((f) => readFileSync(join(FIXTURES, dir, f), 'utf8'));
}

export function corpus(): { networks: string[]; ports: string[]; updates: string[] } {
  return {
    networks: [...load('networkxml2xmlin'), ...load('networkxmlconfdata'), ...load('networkxml2confdata')],
    ports: load('virnetworkportxml2xmldata'),
    updates: load('networkxml2xmlupdatein'),
  };
}

/** The section a net-update snippet belongs to, from its root element (as libvirt's tests pair them). */
function sectionOf(xml: string): string {
  const root = /<([\w:-]+)/.exec(xml)?.[1] ?? '';
  if (root === 'host') return /<hostname/.test(xml) ? 'dns-host' : 'ip-dhcp-host';
  return (
    { range: 'ip-dhcp-range', txt: 'dns-txt', srv: 'dns-srv', interface: 'forward-interface' }[root] ??
    (root === 'portgroup' ? 'portgroup' : 'ip-dhcp-host')
  );
}

/** A scratch directory on tmpfs when there is one: the store fsyncs every write. */
function scratch(): string {
  const base = process.env.VIRTNET_FUZZ_DIR ?? (readdirSafe('/dev/shm') ? '/dev/shm' : tmpdir());
  mkdirSync(base, { recursive: true });
  return mkdtempSync(join(base, 'virtnet-fuzz-'));
}

function readdirSafe(d: string): boolean {
  try {
    readdirSync(d);
    return true;
  } catch {
    return false;
  }
}

interface Answer {
  status: number;
  text: string;
}

export async function runFuzz(opts: {
  seed: number;
  count: number;
  timeMs?: number;
  onProgress?: (index: number) => void;
}): Promise<FuzzStats> {
  const rng = new Rng(opts.seed);
  const seeds = corpus();
  const dir = scratch();
  const stats: FuzzStats = {
    inputs: 0,
    requests: 0,
    accepted: 0,
    roundtrips: 0,
    byStatus: {},
    findings: [],
    slowUnderLoad: [],
    ms: 0,
  };
  const t0 = performance.now();
  let daemon!: Daemon;
  let rw!: Hono;
  let ro!: Hono;
  let tcp!: Hono;
  let generation = 0;
  const reset = async () => {
    rmSync(join(dir, String(generation)), { recursive: true, force: true });
    generation++;
    const d = join(dir, String(generation));
    daemon = new Daemon(new Store(join(d, 'c'), join(d, 's')), new MemoryRuntime());
    await daemon.load();
    rw = createApi(daemon, { readOnly: false });
    ro = createApi(daemon, { readOnly: true });
    tcp = createApi(daemon, {
      readOnly: false,
      transport: 'tcp',
      token: TOKEN,
      hosts: { names: ['localhost', '127.0.0.1'], anyIp: false, port: 8470 },
    });
  };
  await reset();
  let index = 0;
  let input = '';
  /** Requests that took longer than HANG_MS: replayed at the end to tell slow inputs from a busy machine. */
  const slow: Array<{
    index: number;
    method: string;
    path: string;
    body?: string;
    headers?: Record<string, string>;
    ms: number;
    input: string;
  }> = [];

  const send = async (
    app: Hono,
    method: string,
    path: string,
    body?: string,
    headers?: Record<string, string>,
  ) => {
    stats.requests++;
    const started = performance.now();
    let res: Response;
    try {
      const h = new Headers(headers);
      if (!h.has('host')) h.set('host', '127.0.0.1:8470');
      const url = `http://127.0.0.1:8470${path}`;
      const run = (async () => {
        const r = await app.request(url, { method, body, headers: h });
        return { r, text: await r.text() };
      })();
      const timeout = new Promise<'hang'>((r) => setTimeout(() => r('hang'), HANG_MS).unref());
      const got = await Promise.race([run, timeout]);
      if (got === 'hang') {
        stats.findings.push({ kind: 'hang', index, what: `${method} ${path}`, input });
        return { status: 0, text: '' };
      }
      res = got.r;
      const ms = performance.now() - started;
      if (ms > HANG_MS) slow.push({ index, method, path, body, headers, ms, input });
      stats.byStatus[res.status] = (stats.byStatus[res.status] ?? 0) + 1;
      if (res.status >= 500) {
        stats.findings.push({
          kind: '5xx',
          index,
          what: `${method} ${path} -> ${res.status} ${got.text.slice(0, 300)}`,
          input,
        });
      }
      return { status: res.status, text: got.text } as Answer;
    } catch (e) {
      stats.findings.push({ kind: 'crash', index, what: `${method} ${path}: ${(e as Error).stack}`, input });
      return { status: 0, text: '' };
    }
  };

  /** define → dumpxml → define again → dumpxml: the two documents must be equal. */
  const roundTrip = async (uuid: string) => {
    const first = await send(rw, 'GET', `/v1/networks/${uuid}/xml?inactive=1`);
    if (first.status !== 200) {
      stats.findings.push({ kind: 'roundtrip', index, what: `dumpxml answered ${first.status}`, input });
      return;
    }
    const again = await send(rw, 'POST', '/v1/networks', first.text);
    if (again.status !== 201) {
      stats.findings.push({
        kind: 'roundtrip',
        index,
        what: `its dumpxml does not define again: ${again.text.slice(0, 300)}`,
        input: `${input}\n----- dumpxml -----\n${first.text}`,
      });
      return;
    }
    const second = await send(rw, 'GET', `/v1/networks/${uuid}/xml?inactive=1`);
    if (second.text !== first.text) {
      stats.findings.push({
        kind: 'roundtrip',
        index,
        what: 'dumpxml differs after defining it again',
        input: `${input}\n----- first -----\n${first.text}\n----- second -----\n${second.text}`,
      });
    }
    stats.roundtrips++;
  };

  const deadline = opts.timeMs === undefined ? Number.POSITIVE_INFINITY : t0 + opts.timeMs;
  for (index = 0; index < opts.count && performance.now() < deadline; index++) {
    if (index % 250 === 0) {
      opts.onProgress?.(index);
      await reset();
    }
    stats.inputs++;
    const op = rng.int(100);
    if (op < 55) {
      // a network definition, then what can be done with it
      input = mutate(rng.pick(seeds.networks), rng, seeds.networks);
      const transient = rng.chance(0.1);
      const dry = rng.chance(0.1);
      const r = await send(
        rw,
        'POST',
        `/v1/networks${transient ? '?transient=1' : dry ? '?dryRun=1' : ''}`,
        input,
      );
      if (r.status !== 201) continue;
      stats.accepted++;
      const uuid = (JSON.parse(r.text) as { uuid: string }).uuid;
      if (!transient) await roundTrip(uuid);
      else await send(rw, 'GET', `/v1/networks/${uuid}/xml`);
      if (!transient && rng.chance(0.5)) await send(rw, 'POST', `/v1/networks/${uuid}/start`);
      if (rng.chance(0.5)) {
        const snippet = mutate(rng.pick(seeds.updates), rng, seeds.updates);
        const body = {
          command: rng.chance(0.9) ? rng.pick(UPDATE_COMMANDS) : rng.pick(INTERESTING),
          section: rng.chance(0.8) ? sectionOf(snippet) : rng.pick(UPDATE_SECTIONS),
          xml: snippet,
          ...(rng.chance(0.2) ? { parentIndex: rng.int(4) - 1 } : {}),
          ...(rng.chance(0.3) ? { live: rng.chance(0.5) } : {}),
          ...(rng.chance(0.3) ? { config: rng.chance(0.5) } : {}),
        };
        const u = await send(rw, 'POST', `/v1/networks/${uuid}/update`, JSON.stringify(body));
        if (u.status === 200 && !transient) await roundTrip(uuid);
      }
      if (rng.chance(0.4)) {
        const port = rng.chance(0.7)
          ? mutate(rng.pick(seeds.ports), rng, seeds.ports)
          : JSON.stringify({
              owner: rng.pick(INTERESTING),
              mac: rng.pick(INTERESTING),
              ...(rng.chance(0.5) ? { ip: rng.pick(INTERESTING) } : {}),
            });
        const p = await send(rw, 'POST', `/v1/networks/${uuid}/ports`, port);
        if (p.status === 201) {
          const made = JSON.parse(p.text) as { uuid: string };
          await send(rw, 'GET', `/v1/networks/${uuid}/ports/${made.uuid}/xml`);
          await send(rw, 'DELETE', `/v1/networks/${uuid}/ports/${made.uuid}`);
        }
      }
      if (rng.chance(0.3)) {
        const f: Record<string, unknown> = {
          listenPort: rng.chance(0.7) ? 1 + rng.int(65535) : rng.pick(INTERESTING),
          targetAddress: rng.pick(INTERESTING),
        };
        if (rng.chance(0.3)) f.proto = rng.pick(['tcp', 'udp', 'both', ...INTERESTING]);
        if (rng.chance(0.3)) f.listenPortEnd = 1 + rng.int(65535);
        if (rng.chance(0.2)) f.listenAddress = rng.pick(INTERESTING);
        const a = await send(
          rw,
          'POST',
          `/v1/networks/${uuid}/forwards${rng.chance(0.3) ? '?dryRun=1' : ''}`,
          JSON.stringify(f),
        );
        if (a.status === 201 && !transient) await roundTrip(uuid);
      }
      for (const path of ['', '/leases', '/forwards', '/ports', '/check', '/stats']) {
        if (rng.chance(0.15)) await send(ro, 'GET', `/v1/networks/${uuid}${path}`);
      }
      await send(rw, 'POST', `/v1/networks/${uuid}/destroy`);
      if (!transient) await send(rw, 'DELETE', `/v1/networks/${uuid}`);
    } else if (op < 70) {
      // a port on a running network
      const net = `<network><name>p${index}</name><bridge name='vtf${index % 1000}'/><ip address='10.200.0.1' prefix='24'><dhcp><range start='10.200.0.10' end='10.200.0.99'/></dhcp></ip></network>`;
      await send(rw, 'POST', '/v1/networks?transient=1', net);
      input = mutate(rng.pick(seeds.ports), rng, seeds.ports);
      const made = await send(rw, 'POST', `/v1/networks/p${index}/ports`, input);
      if (made.status === 201) {
        // an accepted port's XML creates the same port again
        const port = JSON.parse(made.text) as { uuid: string; xml: string };
        await send(rw, 'DELETE', `/v1/networks/p${index}/ports/${port.uuid}`);
        const again = await send(rw, 'POST', `/v1/networks/p${index}/ports`, port.xml);
        const xml = again.status === 201 ? (JSON.parse(again.text) as { xml: string }).xml : '';
        if (xml !== port.xml) {
          stats.findings.push({
            kind: 'roundtrip',
            index,
            what: `port XML does not create the same port again: ${again.text.slice(0, 300)}`,
            input: `${input}\n----- port xml -----\n${port.xml}`,
          });
        }
        stats.roundtrips++;
      }
      await send(rw, 'POST', `/v1/networks/p${index}/destroy`);
    } else if (op < 75) {
      // a valid network redefined by a mutation of itself: same name and uuid, other content
      const base = rng.pick(seeds.networks);
      const first = await send(rw, 'POST', '/v1/networks', base);
      input = mutate(base, rng, seeds.networks);
      const r = await send(rw, 'POST', '/v1/networks', input);
      if (r.status === 201) {
        stats.accepted++;
        await roundTrip((JSON.parse(r.text) as { uuid: string }).uuid);
      }
      for (const a of [first, r]) {
        if (a.status === 201)
          await send(rw, 'DELETE', `/v1/networks/${(JSON.parse(a.text) as { uuid: string }).uuid}`);
      }
    } else if (op < 85) {
      // URLs: malformed escapes, odd ids and query values, on every listener
      const piece = () => encodeURIComponent(rng.pick(INTERESTING)).slice(0, 300);
      const raw = rng.pick(['%', '%E0%A4%A', '%zz', '..%2F..', '%00', '', piece(), piece()]);
      const path = rng.pick([
        `/v1/networks/${raw}`,
        `/v1/networks/${raw}/xml?inactive=${piece()}`,
        `/v1/networks?all=${raw}`,
        `/v1/netmode/${raw}`,
        `/v1/guests/${raw}`,
        `/v1/networks/${raw}/ports/${raw}`,
        `/v1/networks/${raw}/forwards?listenPort=${raw}&proto=${piece()}`,
        `/${raw}`,
        `/v1/${raw}`,
      ]);
      input = path;
      const method = rng.pick(['GET', 'GET', 'POST', 'DELETE', 'PUT']);
      await send(
        rng.chance(0.5) ? rw : ro,
        method,
        path,
        method === 'GET' ? undefined : rng.pick(INTERESTING),
      );
    } else {
      // headers on the TCP listener: hosts, origins, cookies, tokens
      const headers: Record<string, string> = {};
      // header values are bytes 0x20-0x7e here: fetch's Headers refuses others before the app sees them
      const value = () => rng.pick(INTERESTING).replace(/[^\x20-\x7e]/g, '');
      if (rng.chance(0.5))
        headers.host = rng.pick(['127.0.0.1:8470', 'localhost', 'evil.example', '[::1]:8470', value()]);
      if (rng.chance(0.5))
        headers.origin = rng.pick(['http://127.0.0.1:8470', 'null', 'http://evil.example', value()]);
      if (rng.chance(0.5)) headers.cookie = `virtnet_token=${rng.pick([TOKEN, value(), '%E0%A4%A', '%'])}`;
      if (rng.chance(0.5)) headers.authorization = `Bearer ${rng.pick([TOKEN, value()])}`;
      if (rng.chance(0.3))
        headers['sec-fetch-site'] = rng.pick(['same-origin', 'cross-site', 'same-site', value()]);
      if (rng.chance(0.3)) headers['x-virtnet-client'] = 'web';
      input = JSON.stringify(headers);
      const method = rng.pick(['GET', 'POST']);
      const path = rng.pick([
        '/v1/networks',
        '/login?token=' + encodeURIComponent(value()),
        '/',
        '/v1/events',
      ]);
      if (path === '/v1/events') continue;
      await send(
        tcp,
        method,
        path,
        method === 'POST' ? `<network><name>h${index}</name></network>` : undefined,
        headers,
      );
      await send(rw, 'DELETE', `/v1/networks/h${index}`);
    }
  }
  // a slow answer counts as a hang when it stays slow: three replays on a fresh daemon, the fastest over 2 s
  for (const r of slow) {
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 3; i++) {
      await reset();
      const app = r.path.startsWith('/login') || r.headers ? tcp : rw;
      const started = performance.now();
      const h = new Headers(r.headers);
      if (!h.has('host')) h.set('host', '127.0.0.1:8470');
      await (
        await app.request(`http://127.0.0.1:8470${r.path}`, { method: r.method, body: r.body, headers: h })
      ).text();
      best = Math.min(best, performance.now() - started);
    }
    if (best > HANG_MS) {
      stats.findings.push({
        kind: 'hang',
        index: r.index,
        what: `${r.method} ${r.path}: ${best.toFixed(0)} ms`,
        input: r.input,
      });
    } else
      stats.slowUnderLoad.push(
        `${r.method} ${r.path}: ${r.ms.toFixed(0)} ms in the run, ${best.toFixed(0)} ms replayed`,
      );
  }
  stats.ms = performance.now() - t0;
  rmSync(dir, { recursive: true, force: true });
  return stats;
}
