// The OpenAPI 3.1 description of the API; checked in as docs/openapi.json (a test keeps them equal).

import { UPDATE_COMMANDS, UPDATE_SECTIONS } from '../../model/network-update.js';
import { OVERLAY_OPENAPI_SCHEMAS, overlayOpenApiPaths } from './overlay.js';

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
/** `{ KEY: [REF, …] }`: the shape of every list response. */
const listOf = (key: string, ref: string) => ({
  type: 'object',
  properties: { [key]: { type: 'array', items: { $ref: `#/components/schemas/${ref}` } } },
});
const boolQuery = (name: string, description: string) => ({
  name,
  in: 'query',
  required: false,
  description,
  schema: { type: 'string', enum: ['1', '0'] },
});

const portId = {
  name: 'port',
  in: 'path',
  required: true,
  description: 'Port UUID or its device name',
  schema: { type: 'string' },
};
const DRY_RUN = boolQuery(
  'dryRun',
  'change nothing: answer with the ChangePlan (commands, nft transaction, files)',
);

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
        parameters: [boolQuery('transient', 'create and start a transient network'), DRY_RUN],
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
        parameters: [networkId, DRY_RUN],
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
    '/v1/networks/{id}/update': {
      post: {
        summary:
          "Add, delete or modify one element of the live and/or persistent definition (net-update; libvirt's virNetworkUpdate). Neither live nor config: the live state of an active network, else the persistent config",
        parameters: [networkId],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['command', 'section', 'xml'],
                properties: {
                  command: { type: 'string', enum: [...UPDATE_COMMANDS] },
                  section: { type: 'string', enum: [...UPDATE_SECTIONS] },
                  xml: {
                    type: 'string',
                    description: "the element to add, or to match, e.g. <host mac='…' ip='…'/>",
                  },
                  parentIndex: {
                    type: 'integer',
                    description: 'which <ip> (DHCP sections); default: the one with DHCP',
                  },
                  live: { type: 'boolean', description: 'change the running network' },
                  config: { type: 'boolean', description: 'change the persistent definition' },
                },
              },
            },
          },
        },
        responses: { '200': ok('NetworkInfo'), ...errors },
      },
    },
    '/v1/networks/{id}/start': {
      post: {
        summary: 'Start (with dryRun: the ChangePlan instead)',
        parameters: [networkId, DRY_RUN],
        responses: { '200': ok('NetworkInfo'), ...errors },
      },
    },
    '/v1/networks/{id}/destroy': {
      post: {
        summary: 'Stop (with dryRun: the ChangePlan instead)',
        parameters: [networkId, DRY_RUN],
        responses: { '200': ok('NetworkInfo'), ...errors },
      },
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
    '/v1/networks/{id}/forwards': {
      get: {
        summary:
          'Port forwards of the live and the persistent definition, with hit counters (net-forward-list)',
        parameters: [networkId],
        responses: { '200': ok('ForwardList'), ...errors },
      },
      post: {
        summary: 'Add a port forward to a NAT network, live (one nft transaction) and in its definition',
        parameters: [networkId, DRY_RUN],
        requestBody: { required: true, content: json('ForwardInput') },
        responses: { '201': ok('ForwardChange', 'Added'), '200': ok('ForwardChange', 'Dry run'), ...errors },
      },
      delete: {
        summary: 'Remove the port forward with this protocol, listen address and first listen port',
        parameters: [
          networkId,
          {
            name: 'proto',
            in: 'query',
            required: false,
            schema: { type: 'string', enum: ['tcp', 'udp', 'both'] },
          },
          { name: 'listenPort', in: 'query', required: true, schema: { type: 'integer' } },
          { name: 'listenAddress', in: 'query', required: false, schema: { type: 'string' } },
          DRY_RUN,
        ],
        responses: { '200': ok('ForwardChange'), ...errors },
      },
    },
    '/v1/networks/{id}/ports': {
      get: {
        summary: 'Ports of an active network (net-port-list)',
        parameters: [networkId],
        responses: { '200': ok('PortList'), ...errors },
      },
      post: {
        summary:
          'Create a port: a <networkport> XML body (net-port-create), or JSON {owner, tap?, netns?, mac?, ip?, uid?, group?} (port-add: makes the tap or veth, reserves the address live)',
        parameters: [networkId],
        requestBody: {
          required: true,
          content: { 'application/xml': { schema: { type: 'string' } }, ...json('PortRequest') },
        },
        responses: { '201': ok('Port', 'Created'), ...errors },
      },
    },
    '/v1/networks/{id}/ports/{port}': {
      get: {
        summary: 'One port (by UUID or device name)',
        parameters: [networkId, portId],
        responses: { '200': ok('Port'), ...errors },
      },
      delete: {
        summary: 'Delete a port: its device, DHCP reservation and qdiscs go with it (net-port-delete)',
        parameters: [networkId, portId],
        responses: { '200': ok('Port'), ...errors },
      },
    },
    '/v1/networks/{id}/ports/{port}/xml': {
      get: {
        summary: 'The port as libvirt network port XML (net-port-dumpxml)',
        parameters: [networkId, portId],
        responses: {
          '200': {
            description: 'XML document',
            content: { 'application/xml': { schema: { type: 'string' } } },
          },
          ...errors,
        },
      },
    },
    '/v1/guests': {
      get: { summary: 'Guests: ports grouped by owner', responses: { '200': ok('GuestList'), ...errors } },
    },
    '/v1/guests/{name}': {
      get: {
        summary: "One guest's interfaces with their leases (domiflist, domifaddr, dumpxml)",
        parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '200': ok('GuestDetail'), ...errors },
      },
    },
    '/v1/netmode/{name}': {
      get: {
        summary:
          'Networking mode of a network, guest or device, with the evidence and any contradiction (netmode)',
        parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '200': ok('NetmodeReport'), ...errors },
      },
    },
    '/v1/networks/{id}/stats': {
      get: {
        summary: 'Traffic counters of the bridge and of every port device (rates: difference of two samples)',
        parameters: [networkId],
        responses: { '200': ok('NetworkStats'), ...errors },
      },
    },
    '/v1/host/devices': {
      get: {
        summary:
          'Network devices of the host: kind, link state, addresses, bridge master, the network using it',
        responses: { '200': ok('HostDevices'), ...errors },
      },
    },
    '/v1/doctor': {
      get: {
        summary:
          'Host check (virtnet doctor): what breaks virtual networks on this host, with fixes; ok is false on any error or warning',
        responses: { '200': ok('DoctorReport'), ...errors },
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
    ...overlayOpenApiPaths(networkId, errors),
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
      ...OVERLAY_OPENAPI_SCHEMAS,
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
              hint: { type: 'string', description: 'What to do about it, when known' },
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
          uplink: {
            type: 'string',
            description: 'Active nat/route/open networks: forward dev, else the default route device',
          },
          overlay: { $ref: '#/components/schemas/NetworkOverlay' },
          mode: {
            type: 'string',
            enum: ['nat', 'route', 'open', 'isolated', 'bridge', 'private', 'vepa', 'passthrough', 'hostdev'],
          },
        },
      },
      NetworkList: listOf('networks', 'NetworkInfo'),
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
      LeaseList: listOf('leases', 'Lease'),
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
      DoctorReport: {
        type: 'object',
        properties: {
          findings: {
            type: 'array',
            items: {
              type: 'object',
              required: ['id', 'severity', 'message'],
              properties: {
                id: { type: 'string' },
                severity: { type: 'string', enum: ['error', 'warning', 'info'] },
                message: { type: 'string' },
                fix: { type: 'string' },
              },
            },
          },
          ok: { type: 'boolean' },
        },
      },
      ForwardInput: {
        type: 'object',
        required: ['listenPort', 'targetAddress'],
        properties: {
          proto: { type: 'string', enum: ['tcp', 'udp', 'both'], default: 'tcp' },
          listenAddress: { type: 'string', description: 'A host IPv4 address; absent: every address' },
          listenPort: { type: 'integer' },
          listenPortEnd: { type: 'integer', description: 'Last port of a listen range' },
          targetAddress: {
            type: 'string',
            description: 'Guest IPv4 address, or a DHCP host name of the network',
          },
          targetPort: { type: 'integer', description: 'First target port (default: the listen port)' },
          description: { type: 'string' },
        },
      },
      Forward: {
        type: 'object',
        required: ['proto', 'listenPort', 'targetAddress', 'targetPort', 'live', 'config'],
        properties: {
          proto: { type: 'string', enum: ['tcp', 'udp', 'both'] },
          listenAddress: { type: 'string' },
          listenPort: { type: 'integer' },
          listenPortEnd: { type: 'integer' },
          targetAddress: { type: 'string' },
          targetPort: { type: 'integer' },
          description: { type: 'string' },
          live: { type: 'boolean' },
          config: { type: 'boolean' },
          hits: { type: 'integer', description: 'New connections forwarded (live forwards)' },
        },
      },
      ForwardList: listOf('forwards', 'Forward'),
      ChangePlan: {
        type: 'object',
        properties: {
          dryRun: { type: 'boolean' },
          commands: { type: 'array', items: { type: 'string' } },
          nft: { type: 'string', description: 'The nft transaction' },
          warnings: {
            type: 'array',
            items: { type: 'string' },
            description: 'What the change would run into now (subnet of another network, a host route)',
          },
          files: {
            type: 'array',
            items: { type: 'object', properties: { path: { type: 'string' }, content: { type: 'string' } } },
          },
        },
      },
      ForwardChange: {
        type: 'object',
        properties: {
          network: { type: 'string' },
          forward: { $ref: '#/components/schemas/Forward' },
          plan: { $ref: '#/components/schemas/ChangePlan' },
        },
      },
      PortRequest: {
        type: 'object',
        required: ['owner'],
        properties: {
          owner: { type: 'string', description: 'Guest name' },
          tap: { type: 'string', description: "Make a tap with this name ('' picks vnetN)" },
          netns: {
            type: 'string',
            description: 'Make a veth pair with eth0 in this network namespace (path)',
          },
          mac: { type: 'string' },
          ip: { type: 'string', description: 'Reserve this address for the MAC (DHCP host entry, live)' },
          uid: { type: 'integer', description: 'Owner of the tap' },
          group: { type: 'string', description: 'Portgroup' },
          ownerUuid: {
            type: 'string',
            description: 'Owner UUID (a libvirt domain uuid); default: the guest’s or new',
          },
          adopt: {
            type: 'boolean',
            description:
              'The tap exists already (made by the hypervisor, qemu-ifup): only attach it; delete releases it',
          },
        },
      },
      Port: {
        type: 'object',
        properties: {
          uuid: { type: 'string' },
          network: { type: 'string' },
          owner: { type: 'object', properties: { name: { type: 'string' }, uuid: { type: 'string' } } },
          mac: { type: 'string' },
          group: { type: 'string' },
          device: {
            type: 'object',
            properties: {
              kind: { type: 'string', enum: ['tap', 'veth'] },
              name: { type: 'string' },
              netns: { type: 'string' },
              uid: { type: 'integer' },
            },
          },
          ip: { type: 'string' },
          xml: { type: 'string', description: 'libvirt <networkport> XML' },
        },
      },
      PortList: listOf('ports', 'Port'),
      GuestList: {
        type: 'object',
        properties: {
          guests: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                name: { type: 'string' },
                uuid: { type: 'string' },
                ports: { type: 'array', items: { $ref: '#/components/schemas/Port' } },
              },
            },
          },
        },
      },
      GuestDetail: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          uuid: { type: 'string' },
          ports: { type: 'array', items: { $ref: '#/components/schemas/Port' } },
          interfaces: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                port: { $ref: '#/components/schemas/Port' },
                bridge: { type: 'string' },
                leases: { type: 'array', items: { $ref: '#/components/schemas/Lease' } },
              },
            },
          },
        },
      },
      NetmodeReport: {
        type: 'object',
        properties: {
          subject: { type: 'object', properties: { kind: { type: 'string' }, name: { type: 'string' } } },
          mode: {
            type: 'string',
            enum: [
              'nat',
              'route',
              'open',
              'isolated',
              'bridge',
              'direct',
              'user',
              'ethernet',
              'hostdev',
              'mixed',
              'unknown',
            ],
          },
          summary: { type: 'string' },
          evidence: { type: 'array', items: { type: 'string' } },
          problems: { type: 'array', items: { type: 'string' } },
          interfaces: { type: 'array', items: { $ref: '#/components/schemas/NetmodeReport' } },
        },
      },
      Counters: {
        type: 'object',
        properties: {
          rxBytes: { type: 'integer' },
          txBytes: { type: 'integer' },
          rxPackets: { type: 'integer' },
          txPackets: { type: 'integer' },
        },
      },
      NetworkStats: {
        type: 'object',
        properties: {
          time: { type: 'integer', description: 'Sample time, ms since the epoch' },
          bridge: {
            allOf: [{ $ref: '#/components/schemas/Counters' }, { properties: { name: { type: 'string' } } }],
          },
          ports: {
            type: 'array',
            items: {
              allOf: [
                { $ref: '#/components/schemas/Counters' },
                {
                  properties: {
                    uuid: { type: 'string' },
                    device: { type: 'string' },
                    owner: { type: 'string' },
                  },
                },
              ],
            },
          },
        },
      },
      HostDevices: {
        type: 'object',
        properties: {
          devices: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                name: { type: 'string' },
                kind: {
                  type: 'string',
                  enum: ['bridge', 'physical', 'veth', 'tap', 'vlan', 'bond', 'loopback', 'other'],
                },
                up: { type: 'boolean' },
                addresses: { type: 'array', items: { type: 'string' } },
                master: { type: 'string' },
                virtnet: { type: 'string', description: 'The active network using this bridge' },
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
            enum: ['defined', 'undefined', 'started', 'stopped', 'updated', 'lease', 'repaired', 'failed'],
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
