// The OpenAPI 3.1 document, generated from the routes' schemas (createRoute in routes-*.ts); checked in as
// docs/openapi.json by scripts/gen-openapi.mjs, and a test keeps the two and the mounted routes equal.

import type { OpenAPIHono } from '@hono/zod-openapi';

type DocumentConfig = Parameters<OpenAPIHono['getOpenAPI31Document']>[0];

export const OPENAPI_CONFIG: DocumentConfig = {
  openapi: '3.1.0',
  info: {
    title: 'virtnetd API',
    version: '1',
    description:
      'libvirt-style virtual networks. Served on <run-dir>/virtnet.sock (read-write; its 0600 mode admits only root), <run-dir>/virtnet-ro.sock (GET only, virtnet objects only) and, with --http, on TCP (bearer token or the /login cookie for every /v1 request; Host must be a name of the listener). Errors are {error: {code, message}} with the status of the code (see docs/security.md).',
  },
  security: [{ bearer: [] }, { cookie: [] }, {}],
};

/** Adds the security schemes; called once per app, before the document is generated. */
export function registerSecuritySchemes(app: OpenAPIHono): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description:
      'TCP listener only (--http): the token in <state-dir>/http-token or --http-token-file. The UNIX sockets need none: their file modes decide who connects.',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'cookie', {
    type: 'apiKey',
    in: 'cookie',
    name: 'virtnet_token',
    description:
      'Set by GET /login?token=TOKEN for the web UI; changes with it need a same-origin request carrying x-virtnet-client.',
  });
}
