// The HTTP/JSON API (routes in src/api/types.ts) as a Hono app over a Daemon; transport-independent.

import type { Context } from 'hono';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { NetworkEvent } from '../../api/types.js';
import { type DoctorReport, diagnose, doctorNetwork, type HostFacts, report } from '../../doctor/checks.js';
import { isVirtError, VirtError } from '../../model/errors.js';
import type { ForwardProto } from '../../model/port-forward.js';
import type { Daemon, ListFilter } from '../daemon.js';
import { netmodeOf } from '../netmode-facts.js';
import type { PortRequest } from '../port-service.js';
import { guestDetail, guestList } from './guests.js';
import { OPENAPI_DOCUMENT } from './openapi.js';
import { mountWeb, requestToken } from './web.js';

export interface ApiOptions {
  /** GET only; anything else gets 403 AUTH_FAILED (the 0666 socket). */
  readOnly: boolean;
  /** When set, every API request must carry the token: `Authorization: Bearer <token>` or the UI's cookie. */
  token?: string;
  /** Directory of the built web UI, served on this listener (TCP only). */
  web?: string;
  /** Gathers host facts for GET /v1/doctor; without it (memory runtime) only the definitions are checked. */
  doctorProbe?: () => Promise<HostFacts>;
}

function flag(c: Context, name: string): boolean {
  const v = c.req.query(name);
  return v !== undefined && v !== '0' && v !== 'false';
}

/** virsh net-list flag semantics: no state flag → active only; --all → both; filters combine. */
export function listFilterFromQuery(q: (name: string) => boolean): ListFilter {
  const filter: ListFilter = {};
  const all = q('all');
  const inactive = q('inactive');
  const active = q('active');
  if (!all) {
    if (inactive && !active) filter.active = false;
    else if (!inactive) filter.active = true;
  }
  if (q('persistent') !== q('transient')) filter.persistent = q('persistent');
  if (q('autostart') !== q('no-autostart')) filter.autostart = q('autostart');
  return filter;
}

export function createApi(daemon: Daemon, opts: ApiOptions): Hono {
  const app = new Hono();

  app.onError((err, c) => {
    const e = isVirtError(err) ? err : new VirtError('INTERNAL_ERROR', err.message);
    return c.json({ error: e.toJSON() }, e.httpStatus as 400);
  });
  app.notFound((c) =>
    c.json({ error: { code: 'INVALID_ARG', message: `no such route: ${c.req.method} ${c.req.path}` } }, 404),
  );

  const token = opts.token;
  if (token !== undefined) {
    app.use('*', async (c, next) => {
      // the page and /login itself are public; the API needs the token (bearer header or the UI's cookie)
      const api = c.req.path.startsWith('/v1/');
      if (api && requestToken(c.req.header('authorization'), c.req.header('cookie')) !== token) {
        throw new VirtError(
          'AUTH_FAILED',
          'a valid token is required (Authorization: Bearer, or open /login?token=…)',
        );
      }
      await next();
    });
  }

  if (opts.web !== undefined) {
    // a page on another origin must not drive the API with the user's cookie: refuse cross-site mutations
    app.use('/v1/*', async (c, next) => {
      if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
        const origin = c.req.header('origin');
        const site = c.req.header('sec-fetch-site');
        if (site === 'cross-site' || (origin && new URL(origin).host !== c.req.header('host'))) {
          throw new VirtError('AUTH_FAILED', 'cross-origin requests may not change anything');
        }
      }
      await next();
    });
  }

  if (opts.readOnly) {
    app.use('*', async (c, next) => {
      if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
        throw new VirtError('AUTH_FAILED', 'read-only access: this operation needs the read-write socket');
      }
      await next();
    });
  }

  app.get('/v1/openapi.json', (c) => c.json(OPENAPI_DOCUMENT));

  app.get('/v1/networks', (c) => c.json({ networks: daemon.list(listFilterFromQuery((n) => flag(c, n))) }));

  app.post('/v1/networks', async (c) => {
    const xml = await c.req.text();
    if (flag(c, 'dryRun'))
      return c.json(await (flag(c, 'transient') ? daemon.planCreate(xml) : daemon.planDefine(xml)));
    const info = flag(c, 'transient') ? await daemon.create(xml) : await daemon.define(xml);
    return c.json(info, 201);
  });

  app.get('/v1/networks/:id', (c) => c.json(daemon.info(c.req.param('id'))));
  app.delete('/v1/networks/:id', async (c) =>
    c.json(
      await (flag(c, 'dryRun') ? daemon.planUndefine(c.req.param('id')) : daemon.undefine(c.req.param('id'))),
    ),
  );

  app.get('/v1/networks/:id/xml', (c) => {
    const xml = daemon.xml(c.req.param('id'), flag(c, 'inactive'));
    return c.body(xml, 200, { 'content-type': 'application/xml; charset=utf-8' });
  });

  app.put('/v1/networks/:id/autostart', async (c) => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      throw new VirtError('INVALID_ARG', 'body must be JSON {"autostart": true|false}');
    }
    const on = (body as { autostart?: unknown }).autostart;
    if (typeof on !== 'boolean')
      throw new VirtError('INVALID_ARG', 'body must be JSON {"autostart": true|false}');
    return c.json(await daemon.setAutostart(c.req.param('id'), on));
  });

  app.post('/v1/networks/:id/update', async (c) => {
    const usage = 'body must be JSON {"command", "section", "xml", "parentIndex"?, "live"?, "config"?}';
    let body: Record<string, unknown>;
    try {
      body = (await c.req.json()) as Record<string, unknown>;
    } catch {
      throw new VirtError('INVALID_ARG', usage);
    }
    const { command, section, xml, parentIndex, live, config } = body ?? {};
    if (typeof command !== 'string' || typeof section !== 'string' || typeof xml !== 'string')
      throw new VirtError('INVALID_ARG', usage);
    if (parentIndex !== undefined && !Number.isInteger(parentIndex))
      throw new VirtError('INVALID_ARG', usage);
    if (
      (live !== undefined && typeof live !== 'boolean') ||
      (config !== undefined && typeof config !== 'boolean')
    )
      throw new VirtError('INVALID_ARG', usage);
    return c.json(
      await daemon.update(c.req.param('id'), {
        command,
        section,
        xml,
        parentIndex: parentIndex as number | undefined,
        live: live as boolean | undefined,
        config: config as boolean | undefined,
      }),
    );
  });

  app.post('/v1/networks/:id/start', async (c) =>
    c.json(await (flag(c, 'dryRun') ? daemon.planStart(c.req.param('id')) : daemon.start(c.req.param('id')))),
  );
  app.post('/v1/networks/:id/destroy', async (c) =>
    c.json(
      await (flag(c, 'dryRun') ? daemon.planDestroy(c.req.param('id')) : daemon.destroy(c.req.param('id'))),
    ),
  );
  app.get('/v1/networks/:id/leases', async (c) =>
    c.json({ leases: await daemon.leases(c.req.param('id'), c.req.query('mac')) }),
  );
  app.get('/v1/networks/:id/check', async (c) => c.json({ problems: await daemon.check(c.req.param('id')) }));
  app.post('/v1/networks/:id/repair', async (c) => c.json(await daemon.repair(c.req.param('id'))));

  app.get('/v1/doctor', async (c) => {
    const nets = daemon.list({}).map((n) => doctorNetwork(n, daemon.definition(n.name)));
    const facts = opts.doctorProbe ? await opts.doctorProbe() : undefined;
    return c.json(report(diagnose(facts, nets)) satisfies DoctorReport);
  });

  app.get('/v1/networks/:id/forwards', async (c) =>
    c.json({ forwards: await daemon.forwards.list(c.req.param('id')) }),
  );
  app.post('/v1/networks/:id/forwards', async (c) => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      throw new VirtError('INVALID_ARG', 'body must be a JSON object describing the forward');
    }
    if (typeof body !== 'object' || body === null) {
      throw new VirtError('INVALID_ARG', 'body must be a JSON object describing the forward');
    }
    const dryRun = flag(c, 'dryRun');
    const r = await daemon.forwards.add(c.req.param('id'), body as Record<string, unknown>, dryRun);
    return c.json(r, dryRun ? 200 : 201);
  });
  app.delete('/v1/networks/:id/forwards', async (c) => {
    const proto = (c.req.query('proto') ?? 'tcp') as ForwardProto;
    if (proto !== 'tcp' && proto !== 'udp' && proto !== 'both') {
      throw new VirtError('INVALID_ARG', `forward protocol must be tcp, udp or both, not '${proto}'`);
    }
    const listenPort = Number(c.req.query('listenPort'));
    if (!Number.isInteger(listenPort) || listenPort < 1 || listenPort > 65535) {
      throw new VirtError('INVALID_ARG', 'listenPort must be a port number 1-65535');
    }
    const la = c.req.query('listenAddress');
    const key = {
      proto,
      listenPort,
      ...(la && la !== 'any' && la !== '0.0.0.0' ? { listenAddress: la } : {}),
    };
    return c.json(await daemon.forwards.delete(c.req.param('id'), key, flag(c, 'dryRun')));
  });

  app.get('/v1/networks/:id/ports', (c) => c.json({ ports: daemon.ports.list(c.req.param('id')) }));
  app.post('/v1/networks/:id/ports', async (c) => {
    const text = await c.req.text();
    let req: PortRequest;
    if (text.trimStart().startsWith('<')) req = { xml: text };
    else {
      try {
        req = JSON.parse(text) as PortRequest;
      } catch {
        throw new VirtError('INVALID_ARG', 'body must be <networkport> XML or a JSON port request');
      }
    }
    return c.json(await daemon.ports.create(c.req.param('id'), req), 201);
  });
  app.get('/v1/networks/:id/ports/:port', (c) =>
    c.json(daemon.ports.get(c.req.param('id'), c.req.param('port'))),
  );
  app.get('/v1/networks/:id/ports/:port/xml', (c) =>
    c.body(daemon.ports.get(c.req.param('id'), c.req.param('port')).xml, 200, {
      'content-type': 'application/xml; charset=utf-8',
    }),
  );
  app.delete('/v1/networks/:id/ports/:port', async (c) =>
    c.json(await daemon.ports.delete(c.req.param('id'), c.req.param('port'))),
  );
  app.get('/v1/guests', (c) => c.json({ guests: guestList(daemon.ports.list()) }));
  app.get('/v1/guests/:name', async (c) => c.json(await guestDetail(daemon, c.req.param('name'))));

  app.get('/v1/netmode/:name', async (c) => c.json(await netmodeOf(daemon, c.req.param('name'))));

  app.get('/v1/networks/:id/stats', (c) => {
    const info = daemon.info(c.req.param('id'));
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
  });
  app.get('/v1/host/devices', (c) => {
    const users = new Map(
      daemon.list({ active: true }).flatMap((n) => (n.bridge ? [[n.bridge, n.name]] : [])),
    );
    return c.json({
      devices: daemon.runtime.hostDevices().map((d) => ({
        ...d,
        ...(users.get(d.name) ? { virtnet: users.get(d.name) } : {}),
      })),
    });
  });

  app.get('/v1/events', (c) =>
    streamSSE(c, async (stream) => {
      const pending: NetworkEvent[] = [];
      let wake: (() => void) | undefined;
      const off = daemon.onEvent((e) => {
        pending.push(e);
        wake?.();
      });
      let closed = false;
      stream.onAbort(() => {
        closed = true;
        off();
        wake?.();
      });
      await stream.writeSSE({ event: 'hello', data: '{}' });
      while (!closed) {
        const e = pending.shift();
        if (e) {
          await stream.writeSSE({ event: 'network', data: JSON.stringify(e) });
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 15000);
        });
        wake = undefined;
        if (!closed && pending.length === 0) await stream.write(': keep-alive\n\n');
      }
    }),
  );

  if (opts.web !== undefined) mountWeb(app, opts.web);

  return app;
}
