// The API of networks that span hosts: GET /v1/networks/{id}/overlay (peers and their BGP sessions, remote VTEPs,
// remote MACs and IPs learned through EVPN), with its part of the OpenAPI document.

import type { Hono } from 'hono';
import type { Daemon } from '../daemon.js';

export function overlayRoutes(app: Hono, daemon: Daemon): void {
  app.get('/v1/networks/:id/overlay', async (c) => c.json(await daemon.overlay.report(c.req.param('id'))));
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** Paths, merged into OPENAPI_DOCUMENT.paths (`parameters` and `errors` are the document's own). */
export function overlayOpenApiPaths(networkId: unknown, errors: Record<string, unknown>) {
  return {
    '/v1/networks/{id}/overlay': {
      get: {
        summary:
          'State of an active network that spans hosts: BGP-EVPN peers and sessions, remote VTEPs, remote MACs and IPs (virtnet overlay-info)',
        parameters: [networkId],
        responses: {
          '200': { description: 'OK', content: { 'application/json': { schema: ref('OverlayReport') } } },
          ...errors,
        },
      },
    },
  };
}

export const OVERLAY_OPENAPI_SCHEMAS = {
  NetworkOverlay: {
    type: 'object',
    description: 'A network that spans hosts (<virtnet:overlay vni=…/> in its metadata)',
    required: ['vni'],
    properties: {
      vni: { type: 'integer', minimum: 1, maximum: 16777215 },
      localVtep: { type: 'string', description: "This host's VTEP (virtnetd --overlay-address)" },
      mtu: { type: 'integer', description: 'MTU of the bridge and its ports while active' },
    },
  },
  OverlayReport: {
    type: 'object',
    required: ['network', 'vni', 'localVtep', 'asn', 'peers', 'remoteVteps', 'remotes', 'learned'],
    properties: {
      network: { type: 'string' },
      vni: { type: 'integer' },
      localVtep: { type: 'string' },
      asn: { type: 'integer' },
      peers: {
        type: 'array',
        items: {
          type: 'object',
          required: ['address', 'state'],
          properties: {
            address: { type: 'string' },
            state: {
              type: 'string',
              description: "BGP session state ('Established', 'Active', …, or 'down')",
            },
            uptime: { type: 'string' },
            prefixes: { type: 'integer', description: 'EVPN routes received' },
          },
        },
      },
      remoteVteps: { type: 'array', items: { type: 'string' } },
      remotes: {
        type: 'array',
        items: {
          type: 'object',
          required: ['mac', 'vtep'],
          properties: { mac: { type: 'string' }, vtep: { type: 'string' }, ip: { type: 'string' } },
        },
      },
      learned: {
        type: 'integer',
        description: 'Bindings (MAC, IP) learned from EVPN and kept for guests that move here',
      },
      error: { type: 'string', description: 'Why FRR could not be asked' },
    },
  },
};
