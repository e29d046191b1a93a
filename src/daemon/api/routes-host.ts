// Routes that reach host facts: doctor, netmode, traffic counters, host devices. On the read-only socket they show
// only virtnet's own objects (its networks' bridges and ports); nothing else of the host is probed for a caller
// who is not root.

import { createRoute, type OpenAPIHono, type z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import {
  type DoctorReport as DoctorReportType,
  diagnose,
  doctorNetwork,
  type HostFacts,
  report,
} from '../../doctor/checks.js';
import { netmodeOf } from '../netmode-facts.js';
import { mount } from './route.js';
import type { RouteContext } from './routes-networks.js';
import {
  AllStats,
  DoctorReport,
  HostDevices,
  NameParam,
  NetmodeReport,
  NetworkIdParam,
  NetworkStats,
} from './schemas.js';

export interface HostRouteContext extends RouteContext {
  /** The 0666 socket: no host probing beyond virtnet's objects. */
  readOnly: boolean;
  doctorProbe?: () => Promise<HostFacts>;
}

const json = <S extends z.ZodType>(schema: S, description = 'OK') => ({
  description,
  content: { 'application/json': { schema } },
});

export function hostRoutes(app: OpenAPIHono, { daemon, readOnly, doctorProbe }: HostRouteContext): void {
  mount(
    app,
    createRoute({
      method: 'get',
      path: '/v1/doctor',
      summary:
        'Host check (virtnet doctor): what breaks virtual networks on this host, with fixes; ok is false on any error or warning. On the read-only socket only the checks between networks run',
      responses: { 200: json(DoctorReport) },
    }),
    async (c) => {
      const nets = daemon.list({}).map((n) => doctorNetwork(n, daemon.definition(n.name)));
      const facts = doctorProbe && !readOnly ? await doctorProbe() : undefined;
      // the overlay's underlay checks probe the host as well: not for the read-only socket
      const overlay = readOnly
        ? []
        : await daemon.overlay.doctor(daemon.list({}).map((n) => daemon.definition(n.name)));
      const r: DoctorReportType = report([...diagnose(facts, nets), ...overlay]);
      if (readOnly && doctorProbe) {
        for (const f of r.findings) {
          if (f.id === 'host-not-probed')
            f.message = 'host checks skipped: the read-only socket shows only virtnet networks (ask root)';
        }
      }
      return c.json(r);
    },
  );

  mount(
    app,
    createRoute({
      method: 'get',
      path: '/v1/netmode/{name}',
      summary:
        'Networking mode of a network, guest or device, with the evidence and any contradiction (netmode)',
      request: { params: NameParam },
      responses: { 200: json(NetmodeReport) },
    }),
    async (c) => c.json(await netmodeOf(daemon, c.req.param('name') as string, { hostDevices: !readOnly })),
  );

  mount(
    app,
    createRoute({
      method: 'get',
      path: '/v1/networks/{id}/stats',
      summary: 'Traffic counters of the bridge and of every port device (rates: difference of two samples)',
      request: { params: NetworkIdParam },
      responses: { 200: json(NetworkStats) },
    }),
    (c: Context) => {
      const info = daemon.info(c.req.param('id') as string);
      const bridge = info.active && info.bridge ? daemon.runtime.deviceCounters(info.bridge) : undefined;
      const ports = info.active
        ? daemon.ports.list(info.name).flatMap((p) => {
            const k = p.device ? daemon.runtime.deviceCounters(p.device.name) : undefined;
            return k && p.device ? [{ uuid: p.uuid, device: p.device.name, owner: p.owner.name, ...k }] : [];
          })
        : [];
      return c.json({
        time: Date.now(),
        ...(bridge ? { bridge: { name: info.bridge, ...bridge } } : {}),
        ports,
      });
    },
  );

  mount(
    app,
    createRoute({
      method: 'get',
      path: '/v1/stats',
      summary: "Traffic counters of every active network's bridge in one sample (the list page's rates)",
      responses: { 200: json(AllStats) },
    }),
    (c: Context) => {
      const networks: Record<
        string,
        { name: string; rxBytes: number; txBytes: number; rxPackets: number; txPackets: number }
      > = {};
      for (const n of daemon.list({ active: true })) {
        const k = n.bridge ? daemon.runtime.deviceCounters(n.bridge) : undefined;
        if (k && n.bridge) networks[n.name] = { name: n.bridge, ...k };
      }
      return c.json({ time: Date.now(), networks });
    },
  );

  mount(
    app,
    createRoute({
      method: 'get',
      path: '/v1/host/devices',
      summary:
        'Network devices of the host: kind, link state, addresses, bridge master, the network using it. On the read-only socket: only the bridges of active networks and the devices on them',
      responses: { 200: json(HostDevices) },
    }),
    (c) => {
      const users = new Map(
        daemon.list({ active: true }).flatMap((n) => (n.bridge ? [[n.bridge, n.name]] : [])),
      );
      const uplink = daemon.runtime.uplink();
      const devices = daemon.runtime
        .hostDevices()
        .filter((d) => !readOnly || users.has(d.name) || (d.master !== undefined && users.has(d.master)))
        .map((d) => ({
          ...d,
          ...(users.get(d.name) ? { virtnet: users.get(d.name) } : {}),
          ...(d.name === uplink ? { defaultRoute: true } : {}),
        }));
      return c.json({ devices });
    },
  );
}
