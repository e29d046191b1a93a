// Port and guest routes (net-port-*, port-add, attach-interface, domiflist/domifaddr) and port forwards.

import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { VirtError } from '../../model/errors.js';
import type { PortRequest as PortRequestType } from '../port-service.js';
import { bodyJson, bodyText, schemaProblem } from './body.js';
import { guestDetail, guestList } from './guests.js';
import { mount } from './route.js';
import { flag, type RouteContext } from './routes-networks.js';
import {
  ForwardChange,
  ForwardDeleteQuery,
  ForwardInput,
  ForwardList,
  GuestDetail,
  GuestList,
  NameParam,
  NetworkIdParam,
  PortIdParam,
  PortInfo,
  PortList,
  PortRequest,
  XmlBody,
} from './schemas.js';

const json = <S extends z.ZodType>(schema: S, description = 'OK') => ({
  description,
  content: { 'application/json': { schema } },
});
const id = (c: Context) => c.req.param('id') as string;
const port = (c: Context) => c.req.param('port') as string;

export function portRoutes(app: OpenAPIHono, { daemon }: RouteContext): void {
  mount(
    app,
    createRoute({
      method: 'get',
      path: '/v1/networks/{id}/ports',
      summary: 'Ports of an active network (net-port-list)',
      request: { params: NetworkIdParam },
      responses: { 200: json(PortList) },
    }),
    (c) => c.json({ ports: daemon.ports.list(id(c)) }),
  );

  mount(
    app,
    createRoute({
      method: 'post',
      path: '/v1/networks/{id}/ports',
      summary:
        'Create a port: a <networkport> XML body (net-port-create), or a JSON PortRequest (port-add: makes the tap or veth, reserves the address live)',
      request: {
        params: NetworkIdParam,
        body: {
          required: true,
          content: { 'application/xml': { schema: XmlBody }, 'application/json': { schema: PortRequest } },
        },
      },
      responses: { 201: json(PortInfo, 'Created') },
    }),
    async (c) => {
      const text = await bodyText(c);
      let req: PortRequestType;
      if (text.trimStart().startsWith('<')) req = { xml: text };
      else {
        let input: unknown;
        try {
          input = JSON.parse(text);
        } catch {
          throw new VirtError('INVALID_ARG', 'body must be <networkport> XML or a JSON port request');
        }
        const r = PortRequest.safeParse(input);
        if (!r.success) throw new VirtError('INVALID_ARG', schemaProblem(r.error, input));
        req = r.data;
      }
      return c.json(await daemon.ports.create(id(c), req), 201);
    },
  );

  mount(
    app,
    createRoute({
      method: 'get',
      path: '/v1/networks/{id}/ports/{port}',
      summary: 'One port (by UUID or device name)',
      request: { params: PortIdParam },
      responses: { 200: json(PortInfo) },
    }),
    (c) => c.json(daemon.ports.get(id(c), port(c))),
  );

  mount(
    app,
    createRoute({
      method: 'get',
      path: '/v1/networks/{id}/ports/{port}/xml',
      summary: 'The port as libvirt network port XML (net-port-dumpxml)',
      request: { params: PortIdParam },
      responses: {
        200: { description: 'XML document', content: { 'application/xml': { schema: XmlBody } } },
      },
    }),
    (c) =>
      c.body(daemon.ports.get(id(c), port(c)).xml, 200, { 'content-type': 'application/xml; charset=utf-8' }),
  );

  mount(
    app,
    createRoute({
      method: 'delete',
      path: '/v1/networks/{id}/ports/{port}',
      summary: 'Delete a port: its device, DHCP reservation and qdiscs go with it (net-port-delete)',
      request: { params: PortIdParam },
      responses: { 200: json(PortInfo) },
    }),
    async (c) => c.json(await daemon.ports.delete(id(c), port(c))),
  );

  mount(
    app,
    createRoute({
      method: 'get',
      path: '/v1/guests',
      summary: 'Guests: ports grouped by owner',
      responses: { 200: json(GuestList) },
    }),
    (c) => c.json({ guests: guestList(daemon.ports.list()) }),
  );

  mount(
    app,
    createRoute({
      method: 'get',
      path: '/v1/guests/{name}',
      summary: "One guest's interfaces with their leases (domiflist, domifaddr, dumpxml)",
      request: { params: NameParam },
      responses: { 200: json(GuestDetail) },
    }),
    async (c) => c.json(await guestDetail(daemon, c.req.param('name') as string)),
  );
}

export function forwardRoutes(app: OpenAPIHono, { daemon }: RouteContext): void {
  mount(
    app,
    createRoute({
      method: 'get',
      path: '/v1/networks/{id}/forwards',
      summary:
        'Port forwards of the live and the persistent definition, with hit counters (net-forward-list)',
      request: { params: NetworkIdParam },
      responses: { 200: json(ForwardList) },
    }),
    async (c) => c.json({ forwards: await daemon.forwards.list(id(c)) }),
  );

  mount(
    app,
    createRoute({
      method: 'post',
      path: '/v1/networks/{id}/forwards',
      summary: 'Add a port forward to a NAT network, live (one nft transaction) and in its definition',
      request: {
        params: NetworkIdParam,
        query: z.object({ dryRun: ForwardDeleteQuery.shape.dryRun }),
        body: { required: true, content: { 'application/json': { schema: ForwardInput } } },
      },
      responses: { 201: json(ForwardChange, 'Added'), 200: json(ForwardChange, 'Dry run') },
    }),
    async (c) => {
      const body = await bodyJson(c, ForwardInput, 'a JSON object describing the forward');
      const dryRun = flag(c, 'dryRun');
      const r = await daemon.forwards.add(id(c), body as Record<string, unknown>, dryRun);
      return c.json(r, dryRun ? 200 : 201);
    },
  );

  mount(
    app,
    createRoute({
      method: 'delete',
      path: '/v1/networks/{id}/forwards',
      summary: 'Remove the port forward with this protocol, listen address and first listen port',
      request: { params: NetworkIdParam, query: ForwardDeleteQuery },
      responses: { 200: json(ForwardChange) },
    }),
    async (c) => {
      const q = ForwardDeleteQuery.parse(c.req.query());
      const la = q.listenAddress;
      const key = {
        proto: q.proto ?? 'tcp',
        listenPort: Number(q.listenPort),
        ...(la && la !== 'any' && la !== '0.0.0.0' ? { listenAddress: la } : {}),
      };
      return c.json(await daemon.forwards.delete(id(c), key, flag(c, 'dryRun')));
    },
  );
}
