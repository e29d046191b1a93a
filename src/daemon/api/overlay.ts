// The API of networks that span hosts: GET /v1/networks/{id}/overlay (peers and their BGP sessions, remote VTEPs,
// remote MACs and IPs learned through EVPN). Its schema is its part of the OpenAPI document.

import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Daemon } from '../daemon.js';
import { mount } from './route.js';
import { NetworkIdParam } from './schemas.js';

export const OverlayReport = z
  .object({
    network: z.string(),
    vni: z.number().int(),
    localVtep: z.string(),
    asn: z.number().int(),
    peers: z.array(
      z.object({
        address: z.string(),
        state: z
          .string()
          .openapi({ description: "BGP session state ('Established', 'Active', …, or 'down')" }),
        uptime: z.string().optional(),
        prefixes: z.number().int().optional().openapi({ description: 'EVPN routes received' }),
      }),
    ),
    remoteVteps: z.array(z.string()).openapi({ description: 'VTEPs in this VNI’s flood list' }),
    remotes: z.array(z.object({ mac: z.string(), vtep: z.string(), ip: z.string().optional() })),
    learned: z
      .number()
      .int()
      .openapi({ description: 'Bindings (MAC, IP) learned from EVPN and kept for guests that move here' }),
    error: z.string().optional().openapi({ description: 'Why FRR could not be asked' }),
  })
  .openapi('OverlayReport');

export function overlayRoutes(app: OpenAPIHono, { daemon }: { daemon: Daemon }): void {
  mount(
    app,
    createRoute({
      method: 'get',
      path: '/v1/networks/{id}/overlay',
      summary:
        'State of an active network that spans hosts: BGP-EVPN peers and sessions, remote VTEPs, remote MACs and IPs (net-overlay-info)',
      request: { params: NetworkIdParam },
      responses: {
        200: { description: 'OK', content: { 'application/json': { schema: OverlayReport } } },
      },
    }),
    async (c) => c.json(await daemon.overlay.report(c.req.param('id') as string)),
  );
}
