// The OpenAPI 3.1 description of the API; checked in as docs/openapi.json (a test keeps them equal).

const networkId = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'Network name or UUID',
  schema: { type: 'string' },
};
const json = (ref: string) => ({ 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } });
const ok = (ref: string, description = 'OK') => ({ description, content: json(ref) });
const errors = {
  '400': ok('Error', 'Invalid input (XML error, unsupported configuration)'),
  '403': ok('Error', 'Read-only socket'),
  '404': ok('Error', 'No such network'),
  '409': ok('Error', 'Operation not valid in the current state'),
  '500': ok('Error', 'Operation failed on the host'),
};
const boolQuery = (name: string, description: string) => ({
  name,
  in: 'query',
  required: false,
  description,
  schema: { type: 'string', enum: ['1', '0'] },
});

export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'virtnetd API',
    version: '1',
    description:
      'libvirt-style virtual networks. Served on <run-dir>/virtnet.sock (read-write) and <run-dir>/virtnet-ro.sock (GET only).',
  },
  paths: {
    '/v1/networks': {
      get: {
        summary: 'List networks (filters as virsh net-list; no state flag lists active networks only)',
        parameters: [
          boolQuery('all', 'active and inactive'),
          boolQuery('inactive', 'inactive only'),
          boolQuery('persistent', 'persistent only'),
          boolQuery('transient', 'transient only'),
          boolQuery('autostart', 'autostart only'),
          boolQuery('no-autostart', 'without autostart only'),
        ],
        responses: { '200': ok('NetworkList'), ...errors },
      },
      post: {
        summary:
          'Define a network from libvirt network XML (net-define), or create a transient one (net-create)',
        parameters: [boolQuery('transient', 'create and start a transient network')],
        requestBody: { required: true, content: { 'application/xml': { schema: { type: 'string' } } } },
        responses: { '201': ok('NetworkInfo', 'Defined (or created)'), ...errors },
      },
    },
    '/v1/networks/{id}': {
      get: {
        summary: 'One network',
        parameters: [networkId],
        responses: { '200': ok('NetworkInfo'), ...errors },
      },
      delete: {
        summary: 'Undefine (an active network becomes transient)',
        parameters: [networkId],
        responses: { '200': ok('NetworkInfo'), ...errors },
      },
    },
    '/v1/networks/{id}/xml': {
      get: {
        summary: 'The network XML (live while active unless inactive=1)',
        parameters: [networkId, boolQuery('inactive', 'the persistent definition')],
        responses: {
          '200': {
            description: 'XML document',
            content: { 'application/xml': { schema: { type: 'string' } } },
          },
          ...errors,
        },
      },
    },
    '/v1/networks/{id}/autostart': {
      put: {
        summary: 'Turn autostart on or off',
        parameters: [networkId],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['autostart'],
                properties: { autostart: { type: 'boolean' } },
              },
            },
          },
        },
        responses: { '200': ok('NetworkInfo'), ...errors },
      },
    },
    '/v1/networks/{id}/start': {
      post: { summary: 'Start', parameters: [networkId], responses: { '200': ok('NetworkInfo'), ...errors } },
    },
    '/v1/networks/{id}/destroy': {
      post: { summary: 'Stop', parameters: [networkId], responses: { '200': ok('NetworkInfo'), ...errors } },
    },
    '/v1/networks/{id}/leases': {
      get: {
        summary: 'DHCP leases (net-dhcp-leases)',
        parameters: [networkId, { name: 'mac', in: 'query', required: false, schema: { type: 'string' } }],
        responses: { '200': ok('LeaseList'), ...errors },
      },
    },
    '/v1/networks/{id}/check': {
      get: {
        summary: 'Differences between the host and an active network',
        parameters: [networkId],
        responses: { '200': ok('DriftReport'), ...errors },
      },
    },
    '/v1/networks/{id}/repair': {
      post: {
        summary: 'Re-apply whatever check finds missing',
        parameters: [networkId],
        responses: { '200': ok('RepairResult'), ...errors },
      },
    },
    '/v1/events': {
      get: {
        summary: 'Server-sent events: `event: network`, data is a NetworkEvent',
        responses: {
          '200': {
            description: 'event stream',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
        },
      },
    },
    '/v1/openapi.json': {
      get: { summary: 'This document', responses: { '200': { description: 'OpenAPI document' } } },
    },
  },
  components: {
    securitySchemes: {
      bearer: {
        type: 'http',
        scheme: 'bearer',
        description:
          'Only on the TCP listener started with --http and --http-token-file; the UNIX sockets rely on file permissions.',
      },
    },
    schemas: {
      Error: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: {
              code: { type: 'string', description: "libvirt's error code name, e.g. XML_ERROR, NO_NETWORK" },
              message: { type: 'string', description: 'What virsh would print after "error: "' },
              line: { type: 'integer' },
              column: { type: 'integer' },
            },
          },
        },
      },
      NetworkInfo: {
        type: 'object',
        required: ['name', 'uuid', 'active', 'persistent', 'autostart', 'mode'],
        properties: {
          name: { type: 'string' },
          uuid: { type: 'string' },
          active: { type: 'boolean' },
          persistent: { type: 'boolean' },
          autostart: { type: 'boolean' },
          bridge: { type: 'string' },
          mode: {
            type: 'string',
            enum: ['nat', 'route', 'open', 'isolated', 'bridge', 'private', 'vepa', 'passthrough', 'hostdev'],
          },
        },
      },
      NetworkList: {
        type: 'object',
        properties: { networks: { type: 'array', items: { $ref: '#/components/schemas/NetworkInfo' } } },
      },
      Lease: {
        type: 'object',
        properties: {
          expiryTime: { type: 'integer' },
          mac: { type: 'string' },
          protocol: { type: 'string', enum: ['ipv4', 'ipv6'] },
          ipaddr: { type: 'string' },
          prefix: { type: 'integer' },
          hostname: { type: 'string' },
          clientid: { type: 'string' },
          iaid: { type: 'string' },
        },
      },
      LeaseList: {
        type: 'object',
        properties: { leases: { type: 'array', items: { $ref: '#/components/schemas/Lease' } } },
      },
      DriftReport: {
        type: 'object',
        properties: {
          problems: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                what: { type: 'string' },
                expected: { type: 'string' },
                actual: { type: 'string' },
              },
            },
          },
        },
      },
      RepairResult: {
        type: 'object',
        properties: {
          info: { $ref: '#/components/schemas/NetworkInfo' },
          repaired: { type: 'array', items: { type: 'object' } },
        },
      },
      NetworkEvent: {
        type: 'object',
        properties: {
          type: {
            type: 'string',
            enum: ['defined', 'undefined', 'started', 'stopped', 'updated', 'lease', 'repaired'],
          },
          name: { type: 'string' },
          uuid: { type: 'string' },
          time: { type: 'string', format: 'date-time' },
          detail: { type: 'object' },
        },
      },
    },
  },
} as const;
