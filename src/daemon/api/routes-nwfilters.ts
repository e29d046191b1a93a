// Traffic-filter routes (libvirt's nwfilter: nwfilter-define, -undefine, -dumpxml, -list and the binding
// commands); wire types in src/api/nwfilter-types.ts. Filter and binding XML are read with the API's body limit
// and the service's own 1 MiB bound; names are checked by the service before they reach a file or nft.

import { createRoute, type OpenAPIHono, type z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { VirtError } from '../../model/errors.js';
import type { NwfilterService } from '../nwfilter-service.js';
import { bodyText } from './body.js';
import { mount } from './route.js';
import {
  NwfilterBindingInfo,
  NwfilterBindingList,
  NwfilterIdParam,
  NwfilterInfo,
  NwfilterList,
  PortdevParam,
  XmlBody,
} from './schemas.js';

const json = <S extends z.ZodType>(schema: S, description = 'OK') => ({
  description,
  content: { 'application/json': { schema } },
});
const xmlDoc = {
  description: 'XML as virsh prints it',
  content: { 'application/xml': { schema: XmlBody } },
};
const xmlIn = (description: string) => ({
  required: true,
  content: { 'application/xml': { schema: XmlBody.openapi({ description }) } },
});
// a new object each time: Hono keeps and changes the headers object it is given
const xmlHeaders = () => ({ 'content-type': 'application/xml; charset=utf-8' });
const id = (c: Context) => c.req.param('id') as string;
const portdev = (c: Context) => c.req.param('portdev') as string;

/** Mounts the filter routes; without a service (API tests of networks) they answer 501 NO_SUPPORT. */
export function nwfilterRoutes(app: OpenAPIHono, service: NwfilterService | undefined): void {
  const svc = (): NwfilterService => {
    if (!service) throw new VirtError('NO_SUPPORT', 'traffic filters are not available on this daemon');
    return service;
  };

  mount(
    app,
    createRoute({
      method: 'get',
      path: '/v1/nwfilters',
      summary: 'List network filters (nwfilter-list)',
      responses: { 200: json(NwfilterList) },
    }),
    (c) => c.json({ nwfilters: svc().list() }),
  );

  mount(
    app,
    createRoute({
      method: 'post',
      path: '/v1/nwfilters',
      summary:
        'Define a filter, or redefine one and re-apply it to the bindings using it first (nwfilter-define); a redefinition its bindings cannot take is refused with nothing changed',
      request: { body: xmlIn('libvirt <filter> XML') },
      responses: { 201: json(NwfilterInfo, 'Defined') },
    }),
    async (c) => c.json(await svc().define(await bodyText(c)), 201),
  );

  mount(
    app,
    createRoute({
      method: 'get',
      path: '/v1/nwfilters/{id}',
      summary: 'One filter (by UUID, or by name)',
      request: { params: NwfilterIdParam },
      responses: { 200: json(NwfilterInfo) },
    }),
    (c) => c.json(svc().get(id(c))),
  );

  mount(
    app,
    createRoute({
      method: 'get',
      path: '/v1/nwfilters/{id}/xml',
      summary: 'Filter XML (nwfilter-dumpxml)',
      request: { params: NwfilterIdParam },
      responses: { 200: xmlDoc },
    }),
    (c) => c.body(svc().xml(id(c)), 200, xmlHeaders()),
  );

  mount(
    app,
    createRoute({
      method: 'delete',
      path: '/v1/nwfilters/{id}',
      summary: 'Undefine a filter (nwfilter-undefine); 409 while a binding uses it',
      request: { params: NwfilterIdParam },
      responses: { 200: json(NwfilterInfo) },
    }),
    async (c) => c.json(await svc().undefine(id(c))),
  );

  mount(
    app,
    createRoute({
      method: 'get',
      path: '/v1/nwfilter-bindings',
      summary: 'List filter bindings (nwfilter-binding-list)',
      responses: { 200: json(NwfilterBindingList) },
    }),
    (c) => c.json({ bindings: svc().bindingList() }),
  );

  mount(
    app,
    createRoute({
      method: 'post',
      path: '/v1/nwfilter-bindings',
      summary:
        'Apply a filter to an existing port device (nwfilter-binding-create); rules the kernel refuses leave nothing behind',
      request: { body: xmlIn('libvirt <filterbinding> XML') },
      responses: { 201: json(NwfilterBindingInfo, 'Created') },
    }),
    async (c) => c.json(await svc().bindingCreate(await bodyText(c)), 201),
  );

  mount(
    app,
    createRoute({
      method: 'get',
      path: '/v1/nwfilter-bindings/{portdev}',
      summary: 'One filter binding',
      request: { params: PortdevParam },
      responses: { 200: json(NwfilterBindingInfo) },
    }),
    (c) => c.json(svc().binding(portdev(c))),
  );

  mount(
    app,
    createRoute({
      method: 'get',
      path: '/v1/nwfilter-bindings/{portdev}/xml',
      summary: 'Binding XML (nwfilter-binding-dumpxml)',
      request: { params: PortdevParam },
      responses: { 200: xmlDoc },
    }),
    (c) => c.body(svc().bindingXml(portdev(c)), 200, xmlHeaders()),
  );

  mount(
    app,
    createRoute({
      method: 'delete',
      path: '/v1/nwfilter-bindings/{portdev}',
      summary: 'Remove a binding and its rules (nwfilter-binding-delete)',
      request: { params: PortdevParam },
      responses: { 200: json(NwfilterBindingInfo) },
    }),
    async (c) => c.json(await svc().bindingDelete(portdev(c))),
  );
}
