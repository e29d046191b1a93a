// The traffic-filter routes (see src/api/nwfilter-types.ts), mounted on the API app.

import type { Hono } from 'hono';
import type {
  NwfilterBindingInfo,
  NwfilterBindingListResponse,
  NwfilterInfo,
  NwfilterListResponse,
} from '../../api/nwfilter-types.js';
import type { NwfilterService } from '../nwfilter-service.js';

// a new object each time: Hono keeps and changes the headers object it is given
const xml = () => ({ 'content-type': 'application/xml; charset=utf-8' });

export function mountNwfilterRoutes(app: Hono, svc: NwfilterService): void {
  app.get('/v1/nwfilters', (c) => c.json({ nwfilters: svc.list() } satisfies NwfilterListResponse));
  app.post('/v1/nwfilters', async (c) =>
    c.json((await svc.define(await c.req.text())) satisfies NwfilterInfo, 201),
  );
  app.get('/v1/nwfilters/:id', (c) => c.json(svc.get(c.req.param('id')) satisfies NwfilterInfo));
  app.get('/v1/nwfilters/:id/xml', (c) => c.body(svc.xml(c.req.param('id')), 200, xml()));
  app.delete('/v1/nwfilters/:id', async (c) =>
    c.json((await svc.undefine(c.req.param('id'))) satisfies NwfilterInfo),
  );

  app.get('/v1/nwfilter-bindings', (c) =>
    c.json({ bindings: svc.bindingList() } satisfies NwfilterBindingListResponse),
  );
  app.post('/v1/nwfilter-bindings', async (c) =>
    c.json((await svc.bindingCreate(await c.req.text())) satisfies NwfilterBindingInfo, 201),
  );
  app.get('/v1/nwfilter-bindings/:portdev', (c) =>
    c.json(svc.binding(c.req.param('portdev')) satisfies NwfilterBindingInfo),
  );
  app.get('/v1/nwfilter-bindings/:portdev/xml', (c) =>
    c.body(svc.bindingXml(c.req.param('portdev')), 200, xml()),
  );
  app.delete('/v1/nwfilter-bindings/:portdev', async (c) =>
    c.json((await svc.bindingDelete(c.req.param('portdev'))) satisfies NwfilterBindingInfo),
  );
}
