// Network routes: net-list, net-define / net-create, dumpxml, undefine, autostart, net-update, start, destroy,
// leases, check and repair.

import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { assertDnsmasqOptionsAllowed, type DnsmasqOptionPolicy } from '../../model/dnsmasq-options.js';
import { parseNetworkXml } from '../../model/network-parse.js';
import type { Daemon, ListFilter } from '../daemon.js';
import { bodyJson, bodyText } from './body.js';
import { mount } from './route.js';
import {
  AutostartBody,
  ChangePlan,
  DriftReport,
  DryRunQuery,
  flagQuery,
  LeaseList,
  Mac,
  NetworkHistory,
  NetworkIdParam,
  NetworkInfo,
  NetworkList,
  NetworkSummaryList,
  RepairResult,
  UpdateBody,
  XmlBody,
} from './schemas.js';

export interface RouteContext {
  daemon: Daemon;
  dnsmasq: DnsmasqOptionPolicy;
}

/** A query flag: present and not 0/false. */
export function flag(c: Context, name: string): boolean {
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

const json = <S extends z.ZodType>(schema: S, description = 'OK') => ({
  description,
  content: { 'application/json': { schema } },
});
const xmlDoc = { description: 'XML document', content: { 'application/xml': { schema: XmlBody } } };
const planOr = <S extends z.ZodType>(schema: S) =>
  json(z.union([schema, ChangePlan]), 'Done (dryRun: the plan)');
const id = (c: Context) => c.req.param('id') as string;

export function networkRoutes(app: OpenAPIHono, { daemon, dnsmasq }: RouteContext): void {
  const checkOptions = (xml: string) => assertDnsmasqOptionsAllowed(parseNetworkXml(xml), dnsmasq);

  mount(
    app,
    createRoute({
      method: 'get',
      path: '/v1/networks',
      summary: 'List networks (filters as virsh net-list; no state flag lists active networks only)',
      request: {
        query: z.object({
          all: flagQuery('active and inactive'),
          active: flagQuery('active only'),
          inactive: flagQuery('inactive only'),
          persistent: flagQuery('persistent only'),
          transient: flagQuery('transient only'),
          autostart: flagQuery('autostart only'),
          'no-autostart': flagQuery('without autostart only'),
          detail: flagQuery('everything a list page shows (NetworkSummary), from memory: no host probe'),
        }),
      },
      responses: { 200: json(z.union([NetworkList, NetworkSummaryList])) },
    }),
    (c) => {
      const filter = listFilterFromQuery((n) => flag(c, n));
      return c.json({ networks: flag(c, 'detail') ? daemon.summaries(filter) : daemon.list(filter) });
    },
  );

  mount(
    app,
    createRoute({
      method: 'post',
      path: '/v1/networks',
      summary:
        'Define a network from libvirt network XML (net-define), or create a transient one (net-create)',
      request: {
        query: DryRunQuery.extend({
          transient: flagQuery('create and start a transient network'),
          start: flagQuery(
            'define and start as one change: a start that fails undoes the define (a new network only)',
          ),
          autostart: flagQuery('with start: also turn autostart on'),
        }),
        body: { required: true, content: { 'application/xml': { schema: XmlBody } } },
      },
      responses: { 201: json(NetworkInfo, 'Defined (or created)'), 200: json(ChangePlan, 'Dry run') },
    }),
    async (c) => {
      const xml = await bodyText(c);
      checkOptions(xml);
      const transient = flag(c, 'transient');
      if (flag(c, 'dryRun'))
        return c.json(await (transient ? daemon.planCreate(xml) : daemon.planDefine(xml)));
      if (transient) return c.json(await daemon.create(xml), 201);
      if (flag(c, 'start'))
        return c.json(await daemon.defineAndStart(xml, { autostart: flag(c, 'autostart') }), 201);
      return c.json(await daemon.define(xml), 201);
    },
  );

  mount(
    app,
    createRoute({
      method: 'get',
      path: '/v1/networks/{id}',
      summary: 'One network',
      request: { params: NetworkIdParam },
      responses: { 200: json(NetworkInfo) },
    }),
    (c) => c.json(daemon.info(id(c))),
  );

  mount(
    app,
    createRoute({
      method: 'delete',
      path: '/v1/networks/{id}',
      summary: 'Undefine (an active network becomes transient)',
      request: { params: NetworkIdParam, query: DryRunQuery },
      responses: { 200: planOr(NetworkInfo) },
    }),
    async (c) => c.json(await (flag(c, 'dryRun') ? daemon.planUndefine(id(c)) : daemon.undefine(id(c)))),
  );

  mount(
    app,
    createRoute({
      method: 'get',
      path: '/v1/networks/{id}/events',
      summary: "The network's recent events, kept by the daemon (bounded, oldest first)",
      request: {
        params: NetworkIdParam,
        query: z.object({ limit: z.coerce.number().int().min(1).max(1000).optional() }),
      },
      responses: { 200: json(NetworkHistory) },
    }),
    (c) => {
      const name = daemon.info(id(c)).name;
      const limit = c.req.query('limit');
      return c.json(daemon.records.history.of(name, limit === undefined ? undefined : Number(limit)));
    },
  );

  mount(
    app,
    createRoute({
      method: 'get',
      path: '/v1/networks/{id}/xml',
      summary: 'The network XML (live while active unless inactive=1)',
      request: {
        params: NetworkIdParam,
        query: z.object({ inactive: flagQuery('the persistent definition') }),
      },
      responses: { 200: xmlDoc },
    }),
    (c) =>
      c.body(daemon.xml(id(c), flag(c, 'inactive')), 200, {
        'content-type': 'application/xml; charset=utf-8',
      }),
  );

  mount(
    app,
    createRoute({
      method: 'put',
      path: '/v1/networks/{id}/autostart',
      summary: 'Turn autostart on or off',
      request: {
        params: NetworkIdParam,
        body: { required: true, content: { 'application/json': { schema: AutostartBody } } },
      },
      responses: { 200: json(NetworkInfo) },
    }),
    async (c) => {
      const body = await bodyJson(c, AutostartBody, '{"autostart": true|false}');
      return c.json(await daemon.setAutostart(id(c), body.autostart));
    },
  );

  mount(
    app,
    createRoute({
      method: 'post',
      path: '/v1/networks/{id}/update',
      summary:
        "Add, delete or modify one element of the live and/or persistent definition (net-update; libvirt's virNetworkUpdate). Neither live nor config: the live state of an active network, else the persistent config",
      request: {
        params: NetworkIdParam,
        body: { required: true, content: { 'application/json': { schema: UpdateBody } } },
      },
      responses: { 200: json(NetworkInfo) },
    }),
    async (c) => {
      const body = await bodyJson(
        c,
        UpdateBody,
        '{"command", "section", "xml", "parentIndex"?, "live"?, "config"?}',
      );
      return c.json(await daemon.update(id(c), body));
    },
  );

  mount(
    app,
    createRoute({
      method: 'post',
      path: '/v1/networks/{id}/start',
      summary: 'Start (with dryRun: the ChangePlan instead)',
      request: { params: NetworkIdParam, query: DryRunQuery },
      responses: { 200: planOr(NetworkInfo) },
    }),
    async (c) => {
      // a definition stored before the policy (or by --import-libvirt) is refused here with the same words
      assertDnsmasqOptionsAllowed(daemon.definition(id(c)), dnsmasq);
      return c.json(await (flag(c, 'dryRun') ? daemon.planStart(id(c)) : daemon.start(id(c))));
    },
  );

  mount(
    app,
    createRoute({
      method: 'post',
      path: '/v1/networks/{id}/destroy',
      summary: 'Stop (with dryRun: the ChangePlan instead)',
      request: { params: NetworkIdParam, query: DryRunQuery },
      responses: { 200: planOr(NetworkInfo) },
    }),
    async (c) => c.json(await (flag(c, 'dryRun') ? daemon.planDestroy(id(c)) : daemon.destroy(id(c)))),
  );

  mount(
    app,
    createRoute({
      method: 'get',
      path: '/v1/networks/{id}/leases',
      summary: 'DHCP leases (net-dhcp-leases)',
      request: { params: NetworkIdParam, query: z.object({ mac: Mac.optional() }) },
      responses: { 200: json(LeaseList) },
    }),
    async (c) => c.json({ leases: await daemon.leases(id(c), c.req.query('mac')) }),
  );

  mount(
    app,
    createRoute({
      method: 'get',
      path: '/v1/networks/{id}/check',
      summary: 'Differences between the host and an active network',
      request: { params: NetworkIdParam },
      responses: { 200: json(DriftReport) },
    }),
    async (c) => c.json({ problems: await daemon.check(id(c)) }),
  );

  mount(
    app,
    createRoute({
      method: 'post',
      path: '/v1/networks/{id}/repair',
      summary: 'Re-apply whatever check finds missing',
      request: { params: NetworkIdParam },
      responses: { 200: json(RepairResult) },
    }),
    async (c) => c.json(await daemon.repair(id(c))),
  );
}
