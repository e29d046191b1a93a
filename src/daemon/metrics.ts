// The daemon's Prometheus metrics: what it counts as things happen (API requests, heal rounds, dnsmasq restarts,
// repairs, event-stream clients) and what it reads at scrape time (networks, bridge and port counters from one
// read of /proc/net/dev, leases as the lease watcher last saw them, forward hits from one nft listing).

import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { NetworkEvent } from '../api/types.js';
import { parseIp, rangeSize } from '../model/addr.js';
import type { NetworkDef } from '../model/network-def.js';
import { readForwards } from '../model/port-forward.js';
import { forwardChain } from '../render/nft-forwards.js';
import { bridgeId } from '../render/nft-ruleset.js';
import { VERSION } from '../version.js';
import type { Daemon } from './daemon.js';
import { Exposition, Histogram, LATENCY_BUCKETS, type Labels } from './metrics-text.js';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Addresses the DHCP ranges of a definition can hand out (IPv4 and IPv6 together). */
export function dhcpPoolSize(def: NetworkDef): number {
  let total = 0n;
  for (const ip of def.ips ?? []) {
    for (const r of ip.dhcp?.ranges ?? []) {
      const start = parseIp(r.start);
      const end = parseIp(r.end);
      if (start && end && end.value >= start.value) total += rangeSize(start, end);
    }
  }
  return Number(total);
}

/**
 * The route a request matched, as registered (`/v1/networks/:name`), never the raw path: label values stay few
 * whatever clients send. Paths no API route knows are 'web' (the UI's files) or 'unmatched' (under /v1).
 */
export function routeLabel(c: Context): string {
  const route = matchedRoutes(c).find((r) => r.method !== 'ALL' && r.path !== '*' && r.path !== '/*');
  if (route) return route.path;
  return /^\/*v1(\/|$)/i.test(c.req.path) ? 'unmatched' : 'web';
}

interface NetworkCounts {
  dnsmasqRestarts: number;
  repairs: number;
}

export class DaemonMetrics {
  private readonly requests = new Map<string, { labels: Labels; count: number }>();
  private readonly latency = new Map<string, { labels: Labels; h: Histogram }>();
  private readonly perNetwork = new Map<string, NetworkCounts>();
  private readonly healRounds = { ok: 0, failed: 0 };
  private readonly healDuration = new Histogram(LATENCY_BUCKETS);
  private healRepairs = 0;
  private streamClients = 0;
  private readonly disposers: Array<() => void> = [];

  constructor(private readonly daemon: Daemon) {
    this.disposers.push(
      daemon.onEvent((e) => this.onEvent(e)),
      daemon.onHealRound((r) => {
        this.healRounds[r.failed ? 'failed' : 'ok']++;
        this.healRepairs += r.repaired;
        this.healDuration.observe(r.seconds);
      }),
    );
  }

  dispose(): void {
    for (const d of this.disposers.splice(0)) d();
  }

  private counts(network: string): NetworkCounts {
    let c = this.perNetwork.get(network);
    if (!c) {
      c = { dnsmasqRestarts: 0, repairs: 0 };
      this.perNetwork.set(network, c);
    }
    return c;
  }

  private onEvent(e: NetworkEvent): void {
    if (e.type === 'repaired') this.counts(e.name).repairs++;
    else if (e.type === 'updated' && e.detail?.runtimeEvent === 'dnsmasq-restarted')
      this.counts(e.name).dnsmasqRestarts++;
    // a network that is gone takes its counters with it (a new one of the same name starts from zero)
    else if (e.type === 'undefined') this.perNetwork.delete(e.name);
  }

  /** Counts every request of an API app by method, route and status, with its latency. */
  middleware(): MiddlewareHandler {
    return async (c, next) => {
      const started = performance.now();
      try {
        await next();
      } finally {
        const seconds = (performance.now() - started) / 1000;
        const method = METHODS.has(c.req.method) ? c.req.method : 'OTHER';
        const route = routeLabel(c);
        // an error answered by onError has its status set by now; a throw that escapes is a 500
        const status = String(c.res?.status ?? 500);
        const key = `${method} ${route} ${status}`;
        const r = this.requests.get(key) ?? { labels: { method, route, status }, count: 0 };
        r.count++;
        this.requests.set(key, r);
        const lkey = `${method} ${route}`;
        const l = this.latency.get(lkey) ?? { labels: { method, route }, h: new Histogram(LATENCY_BUCKETS) };
        l.h.observe(seconds);
        this.latency.set(lkey, l);
      }
    };
  }

  /** An event-stream client connected; call the returned function when it leaves. */
  streamOpened(): () => void {
    this.streamClients++;
    let open = true;
    return () => {
      if (open) this.streamClients--;
      open = false;
    };
  }

  /** The exposition text of everything, read now. */
  async render(): Promise<string> {
    const out = new Exposition();
    const runtime = this.daemon.runtime;
    const nets = this.daemon.list();
    const devices = runtime.allDeviceCounters();
    const active = nets.filter((n) => n.active);
    const defs = new Map(active.map((n) => [n.name, this.daemon.definition(n.name)]));

    out.gauge('virtnet_build_info', 'The virtnetd answering (value 1).', [[{ version: VERSION }, 1]]);
    out.gauge(
      'virtnet_network_info',
      'Each defined network (value 1): its UUID, forward mode and bridge.',
      nets.map((n) => [{ network: n.name, uuid: n.uuid, mode: n.mode, bridge: n.bridge ?? '' }, 1]),
    );
    out.gauge(
      'virtnet_network_active',
      '1 while the network is active, 0 when it is defined but stopped.',
      nets.map((n) => [{ network: n.name }, n.active ? 1 : 0]),
    );
    out.gauge(
      'virtnet_network_degraded',
      "1 while an active network's dnsmasq cannot be kept running (DHCP and DNS down).",
      active.map((n) => [{ network: n.name }, n.degraded ? 1 : 0]),
    );

    // the bridge as the host sees it: rx is what the bridge device received from the network's guests
    const bridged = active.flatMap((n) => {
      const c = n.bridge ? devices.get(n.bridge) : undefined;
      return c ? [{ labels: { network: n.name, bridge: n.bridge as string }, c }] : [];
    });
    const side = (name: string, help: string, pick: (c: (typeof bridged)[0]['c']) => number) =>
      out.counter(
        name,
        help,
        bridged.map((b) => [b.labels, pick(b.c)]),
      );
    side('virtnet_network_rx_bytes_total', "Bytes the network's bridge device received.", (c) => c.rxBytes);
    side('virtnet_network_tx_bytes_total', "Bytes the network's bridge device sent.", (c) => c.txBytes);
    side(
      'virtnet_network_rx_packets_total',
      "Packets the network's bridge device received.",
      (c) => c.rxPackets,
    );
    side('virtnet_network_tx_packets_total', "Packets the network's bridge device sent.", (c) => c.txPackets);

    const leaseSamples: Array<[Labels, number]> = [];
    const poolSamples: Array<[Labels, number]> = [];
    const now = Date.now() / 1000;
    for (const n of active) {
      const def = defs.get(n.name) as NetworkDef;
      const pool = dhcpPoolSize(def);
      if (pool === 0) continue;
      const leases = runtime.watchedLeases(n.name) ?? (await this.daemon.leases(n.name));
      const inUse = leases.filter((l) => l.expiryTime === 0 || l.expiryTime >= now).length;
      leaseSamples.push([{ network: n.name }, inUse]);
      poolSamples.push([{ network: n.name }, pool]);
    }
    out.gauge('virtnet_network_dhcp_leases', 'DHCP leases in use (unexpired).', leaseSamples);
    out.gauge('virtnet_network_dhcp_pool_size', 'Addresses the DHCP ranges can hand out.', poolSamples);

    const counted = nets.map((n) => ({
      n,
      c: this.perNetwork.get(n.name) ?? { dnsmasqRestarts: 0, repairs: 0 },
    }));
    out.counter(
      'virtnet_network_dnsmasq_restarts_total',
      "Times the network's dnsmasq was restarted after it died, since virtnetd started.",
      counted.map(({ n, c }) => [{ network: n.name }, c.dnsmasqRestarts]),
    );
    out.counter(
      'virtnet_network_repairs_total',
      'Repairs of the network (by the heal loop, virtnet net-repair or adoption), since virtnetd started.',
      counted.map(({ n, c }) => [{ network: n.name }, c.repairs]),
    );

    // a port's figures are the guest's (as virsh domifstat): what the host-side device sent, the guest received
    const ports = this.daemon.ports.list().flatMap((p) => {
      const c = p.device ? devices.get(p.device.name) : undefined;
      return c && p.device
        ? [{ labels: { network: p.network, port: p.uuid, guest: p.owner.name, device: p.device.name }, c }]
        : [];
    });
    out.counter(
      'virtnet_port_rx_bytes_total',
      'Bytes the guest received through the port (sent by its host-side device).',
      ports.map((p) => [p.labels, p.c.txBytes]),
    );
    out.counter(
      'virtnet_port_tx_bytes_total',
      'Bytes the guest sent through the port (received by its host-side device).',
      ports.map((p) => [p.labels, p.c.rxBytes]),
    );
    out.counter(
      'virtnet_port_rx_packets_total',
      'Packets the guest received through the port.',
      ports.map((p) => [p.labels, p.c.txPackets]),
    );
    out.counter(
      'virtnet_port_tx_packets_total',
      'Packets the guest sent through the port.',
      ports.map((p) => [p.labels, p.c.rxPackets]),
    );

    const forwards = [...defs].flatMap(([name, def]) => readForwards(def).map((f) => ({ name, def, f })));
    const hits = forwards.length ? await runtime.forwardCounters() : new Map();
    out.counter(
      'virtnet_forward_hits_total',
      'Connections (first packets) a port forward redirected to its guest.',
      forwards.map(({ name, def, f }) => [
        {
          network: name,
          proto: f.proto,
          listen_address: f.listenAddress ?? '',
          listen_port: String(f.listenPort),
        },
        hits.get(forwardChain(bridgeId(def.bridge?.name ?? ''), f))?.packets ?? 0,
      ]),
    );

    out.counter(
      'virtnet_api_requests_total',
      'API requests answered, by method, route and HTTP status.',
      [...this.requests.values()].map((r) => [r.labels, r.count]),
    );
    out.histogram(
      'virtnet_api_request_duration_seconds',
      'Time to answer an API request, by method and route.',
      [...this.latency.values()].map((l) => [l.labels, l.h]),
    );
    out.counter('virtnet_heal_rounds_total', 'Heal rounds run, by result (ok, failed).', [
      [{ result: 'ok' }, this.healRounds.ok],
      [{ result: 'failed' }, this.healRounds.failed],
    ]);
    out.counter('virtnet_heal_repairs_total', 'Networks a heal round found changed and repaired.', [
      [{}, this.healRepairs],
    ]);
    out.histogram('virtnet_heal_round_duration_seconds', 'Time a heal round took.', [
      [{}, this.healDuration],
    ]);
    out.gauge('virtnet_event_stream_clients', 'Clients connected to /v1/events now.', [
      [{}, this.streamClients],
    ]);
    return out.text();
  }
}
