// One place that turns a route description (createRoute: path, parameters, body, responses) into a mounted
// handler and an entry of the OpenAPI document, so the two cannot drift apart.

import type { OpenAPIHono, RouteConfig } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { ERROR_HTTP_STATUS, type ErrorCode } from '../../model/errors.js';
import { ErrorBody } from './schemas.js';

export type Handler = (c: Context) => Response | Promise<Response>;

const ERROR_MEANING: Record<number, string> = {
  400: 'Bad input: XML error, unsupported configuration, invalid argument',
  403: 'Refused: read-only socket, missing token, Host not of this listener, or a policy (dnsmasq options)',
  404: 'No such network, port, guest, filter or filter binding',
  409: 'Conflict with the current state: name, uuid or bridge taken, already active, subnet in use, filter in use',
  413: 'Request body larger than --max-body',
  500: 'Operation failed on the host',
  501: 'Not supported by this runtime',
};

/** The error responses every route can give: one per status of the code→status map. */
export function errorResponses(): RouteConfig['responses'] {
  const statuses = [...new Set(Object.values(ERROR_HTTP_STATUS))].sort();
  const out: RouteConfig['responses'] = {};
  for (const s of statuses) {
    const codes = (Object.keys(ERROR_HTTP_STATUS) as ErrorCode[]).filter((k) => ERROR_HTTP_STATUS[k] === s);
    out[String(s)] = {
      description: `${ERROR_MEANING[s] ?? 'Error'} (codes: ${codes.join(', ')})`,
      content: { 'application/json': { schema: ErrorBody } },
    };
  }
  return out;
}

/**
 * Mounts a route. Path and query parameters are validated by the route's schemas before the handler runs; a
 * body is validated by the handler with the same schema (bodyJson), because clients label JSON loosely.
 */
export function mount(app: OpenAPIHono, route: RouteConfig, handler: Handler): void {
  app.openAPIRegistry.registerPath({ ...route, responses: { ...route.responses, ...errorResponses() } });
  const { body: _body, ...request } = route.request ?? {};
  app.openapi({ ...route, request, hide: true }, handler as never);
}
