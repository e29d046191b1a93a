// The OpenAPI description of the traffic-filter routes (src/daemon/api/nwfilters.ts), merged into the document.

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string, description = 'OK') => ({
  description,
  content: { 'application/json': { schema: ref(name) } },
});
const xmlBody = (description: string) => ({
  required: true,
  content: { 'application/xml': { schema: { type: 'string', description } } },
});
const xmlOut = {
  description: 'XML as virsh prints it',
  content: { 'application/xml': { schema: { type: 'string' } } },
};
const errors = {
  '400': json('Error', 'Invalid input (XML error, unsupported configuration, no such device)'),
  '403': json('Error', 'Read-only socket'),
  '404': json('Error', 'No such filter or binding'),
  '409': json('Error', 'The filter is in use'),
  '500': json(
    'Error',
    'Refused as libvirt refuses it (value out of range, loop, exists) or failed on the host',
  ),
};
const id = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'Filter name or UUID',
  schema: { type: 'string' },
};
const portdev = {
  name: 'portdev',
  in: 'path',
  required: true,
  description: 'The port device the binding filters',
  schema: { type: 'string' },
};

export const NWFILTER_PATHS = {
  '/v1/nwfilters': {
    get: {
      summary: 'List network filters (virsh nwfilter-list)',
      responses: { '200': json('NwfilterList') },
    },
    post: {
      summary: 'Define a filter, or redefine one and re-apply it to the bindings using it (nwfilter-define)',
      requestBody: xmlBody('libvirt <filter> XML'),
      responses: { '201': json('NwfilterInfo', 'Defined'), ...errors },
    },
  },
  '/v1/nwfilters/{id}': {
    get: { summary: 'A filter', parameters: [id], responses: { '200': json('NwfilterInfo'), ...errors } },
    delete: {
      summary: 'Undefine a filter no binding uses (nwfilter-undefine)',
      parameters: [id],
      responses: { '200': json('NwfilterInfo'), ...errors },
    },
  },
  '/v1/nwfilters/{id}/xml': {
    get: {
      summary: 'Filter XML (nwfilter-dumpxml)',
      parameters: [id],
      responses: { '200': xmlOut, ...errors },
    },
  },
  '/v1/nwfilter-bindings': {
    get: {
      summary: 'List bindings (nwfilter-binding-list)',
      responses: { '200': json('NwfilterBindingList') },
    },
    post: {
      summary: 'Apply a filter to an existing port device (nwfilter-binding-create)',
      requestBody: xmlBody('libvirt <filterbinding> XML'),
      responses: { '201': json('NwfilterBindingInfo', 'Created'), ...errors },
    },
  },
  '/v1/nwfilter-bindings/{portdev}': {
    get: {
      summary: 'A binding',
      parameters: [portdev],
      responses: { '200': json('NwfilterBindingInfo'), ...errors },
    },
    delete: {
      summary: 'Remove a binding and its rules (nwfilter-binding-delete)',
      parameters: [portdev],
      responses: { '200': json('NwfilterBindingInfo'), ...errors },
    },
  },
  '/v1/nwfilter-bindings/{portdev}/xml': {
    get: {
      summary: 'Binding XML (nwfilter-binding-dumpxml)',
      parameters: [portdev],
      responses: { '200': xmlOut, ...errors },
    },
  },
} as const;

export const NWFILTER_SCHEMAS = {
  NwfilterInfo: {
    type: 'object',
    required: ['name', 'uuid'],
    properties: { name: { type: 'string' }, uuid: { type: 'string' } },
  },
  NwfilterList: {
    type: 'object',
    properties: { nwfilters: { type: 'array', items: ref('NwfilterInfo') } },
  },
  NwfilterBindingInfo: {
    type: 'object',
    required: ['portdev', 'filter'],
    properties: { portdev: { type: 'string' }, filter: { type: 'string' } },
  },
  NwfilterBindingList: {
    type: 'object',
    properties: { bindings: { type: 'array', items: ref('NwfilterBindingInfo') } },
  },
} as const;
