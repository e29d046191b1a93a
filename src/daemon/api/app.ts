// The HTTP/JSON API (routes in src/api/types.ts) as a Hono app over a Daemon; transport-independent. The routes
// are described once (createRoute): that description validates requests and is the OpenAPI document.

import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context, Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { HostFacts } from '../../doctor/checks.js';
import { type ErrorCode, isVirtError, VirtError } from '../../model/errors.js';
import { VERSION } from '../../version.js';
import type { Daemon } from '../daemon.js';
import type { Log } from '../log.js';
import type { DaemonMetrics } from '../metrics.js';
import { METRICS_CONTENT_TYPE } from '../metrics-text.js';
import type { NwfilterService } from '../nwfilter-service.js';
import { type HostPolicy, hostCheck, loginHandler, readOnlyCheck, tokenCheck } from './access.js';
import { bodyLimit, DEFAULT_MAX_BODY, schemaProblem } from './body.js';
import { eventStream, MAX_QUEUED_EVENTS } from './events.js';
import { OPENAPI_CONFIG, registerSecuritySchemes } from './openapi.js';
import { overlayRoutes } from './overlay.js';
import { mount } from './route.js';
import { hostRoutes } from './routes-host.js';
import { flag, listFilterFromQuery, networkRoutes } from './routes-networks.js';
import { nwfilterRoutes } from './routes-nwfilters.js';
import { forwardRoutes, portRoutes } from './routes-ports.js';
import { NetworkEvent } from './schemas.js';
import { mountWeb } from './web.js';

export { flag, listFilterFromQuery };

export interface ApiOptions {
  /** GET only; anything else gets 403 AUTH_FAILED (the 0666 socket). */
  readOnly: boolean;
  /**
   * 'unix' (default): the socket's file mode is the authentication. 'tcp': a token for every /v1 request,
   * requests only for the listener's own names (hosts), cookie changes only from the web UI's origins.
   */
  transport?: 'unix' | 'tcp';
  /** TCP: `Authorization: Bearer <token>` or the UI's cookie from /login?token=. Required for TCP. */
  token?: string;
  /** TCP: the names and port the listener answers to (default: localhost and the loopback addresses). */
  hosts?: HostPolicy;
  /** Directory of the built web UI, served on this listener (TCP only). */
  web?: string;
  /** Gathers host facts for GET /v1/doctor; without it (memory runtime) only the definitions are checked. */
  doctorProbe?: () => Promise<HostFacts>;
  /** virtnetd --allow-dnsmasq-programs: dnsmasq options that run programs or name files, on the 0600 socket. */
  allowDnsmasqPrograms?: boolean;
  /** Largest request body in bytes (413 beyond). */
  maxBody?: number;
  /** Events an SSE client may fall behind by before it is dropped. */
  maxQueuedEvents?: number;
  /** Traffic filters; without them (API tests of networks) the filter routes answer 501 NO_SUPPORT. */
  nwfilters?: NwfilterService;
  /** Counts this app's requests and event-stream clients; on the TCP listener also served as GET /metrics. */
  metrics?: DaemonMetrics;
  /** Where a request that failed on the host (5xx) is logged, once, with its step and hint. */
  log?: Log;
}

/** What a thrown value means for the client: a VirtError as it is, the rest mapped (never a bare 500 for input). */
export function toVirtError(err: unknown): VirtError {
  if (isVirtError(err)) return err;
  if (err instanceof HTTPException) {
    const code: ErrorCode =
      err.status === 413 ? 'REQUEST_TOO_LARGE' : err.status < 500 ? 'INVALID_ARG' : 'INTERNAL_ERROR';
    return new VirtError(code, err.message || `HTTP ${err.status}`);
  }
  // decodeURIComponent on a malformed escape (a path, a query, a cookie): the client's mistake
  if (err instanceof URIError) return new VirtError('INVALID_ARG', `malformed URL escape: ${err.message}`);
  return new VirtError('INTERNAL_ERROR', err instanceof Error ? err.message : String(err));
}

export function createApi(daemon: Daemon, opts: ApiOptions): Hono {
  const transport = opts.transport ?? 'unix';
  const app = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (!result.success) {
        const input = result.target === 'query' ? c.req.query() : c.req.param();
        throw new VirtError('INVALID_ARG', schemaProblem(result.error, input));
      }
    },
  });
  if (opts.metrics) app.use('*', opts.metrics.middleware());
  // every answer names the virtnetd that gave it: the CLI warns when it is not its own version
  app.use('*', async (c, next) => {
    await next();
    c.header('x-virtnet-version', VERSION);
  });

  app.onError((err, c) => {
    const e = toVirtError(err);
    // the rest of an oversized upload is not worth reading: answer and close
    if (e.code === 'REQUEST_TOO_LARGE') c.header('Connection', 'close');
    // the client's mistakes (4xx) are the client's to read; a failure of the host, or a clash with what it has,
    // is the operator's too
    if (e.httpStatus >= 500 || e.code === 'HOST_CONFLICT')
      opts.log?.(`${c.req.method} ${c.req.path.slice(0, 200)}: ${e.message}`, {
        level: 'error',
        code: e.code,
        ...(e.step ? { step: e.step } : {}),
        ...(e.hint ? { hint: e.hint } : {}),
      });
    return c.json({ error: e.toJSON() }, e.httpStatus as 400);
  });
  app.notFound((c) => {
    const e = new VirtError('NO_ROUTE', `${c.req.method} ${c.req.path.slice(0, 200)}`);
    return c.json({ error: e.toJSON() }, 404);
  });

  if (transport === 'tcp') {
    if (!opts.token) throw new Error('the TCP listener needs a token');
    const hosts = opts.hosts ?? { names: ['localhost', '127.0.0.1', '::1'], anyIp: false };
    // before anything else: a rebinding page must learn nothing, not even that a token is wanted
    app.use('*', hostCheck(hosts));
    app.use('*', bodyLimit(opts.maxBody ?? DEFAULT_MAX_BODY));
    app.get('/login', loginHandler(opts.token));
    app.use('*', tokenCheck(opts.token, hosts));
  } else {
    app.use('*', bodyLimit(opts.maxBody ?? DEFAULT_MAX_BODY));
  }
  if (opts.readOnly) app.use('*', readOnlyCheck());

  registerSecuritySchemes(app);
  const ctx = {
    daemon,
    dnsmasq: {
      allowPrograms: opts.allowDnsmasqPrograms === true,
      fullAccess: transport === 'unix' && !opts.readOnly,
    },
  };
  networkRoutes(app, ctx);
  forwardRoutes(app, ctx);
  portRoutes(app, ctx);
  overlayRoutes(app, ctx);
  hostRoutes(app, { ...ctx, readOnly: opts.readOnly, doctorProbe: opts.doctorProbe });
  nwfilterRoutes(app, opts.nwfilters);

  mount(
    app,
    createRoute({
      method: 'get',
      path: '/v1/events',
      summary: `Server-sent events: \`event: network\`, data is a NetworkEvent. A client that falls ${MAX_QUEUED_EVENTS} events behind (by default) is dropped`,
      responses: {
        200: {
          description: 'event stream; each `data:` is a NetworkEvent',
          content: { 'text/event-stream': { schema: NetworkEvent } },
        },
      },
    }),
    (c: Context) => eventStream(daemon, c, opts.maxQueuedEvents, opts.metrics),
  );

  let doc: unknown;
  mount(
    app,
    createRoute({
      method: 'get',
      path: '/v1/openapi.json',
      summary: 'This document (also checked in as docs/openapi.json)',
      responses: {
        200: {
          description: 'OpenAPI document',
          content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
        },
      },
    }),
    (c) => {
      doc ??= app.getOpenAPI31Document(OPENAPI_CONFIG);
      return c.json(doc as Record<string, unknown>);
    },
  );

  const metrics = opts.metrics;
  if (metrics && transport === 'tcp') {
    // Prometheus' text format, outside /v1 as scrapers expect, behind the same token (tokenCheck)
    app.get('/metrics', async (c) =>
      c.body(await metrics.render(), 200, { 'content-type': METRICS_CONTENT_TYPE }),
    );
  }

  const hono = app as unknown as Hono;
  if (opts.web !== undefined) mountWeb(hono, opts.web);
  return hono;
}
