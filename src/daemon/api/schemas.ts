// The API's request and response shapes as zod schemas: they validate requests and generate the OpenAPI
// document (docs/openapi.json). Value rules are the model's pure functions, so a bad value gets the same words
// from the API, the CLI and the web UI.

import { z } from '@hono/zod-openapi';
import { interfaceModelProblem } from '../../model/domain-interfaces.js';
import { FORWARD_MODES } from '../../model/network-def.js';
import { UPDATE_COMMANDS, UPDATE_SECTIONS } from '../../model/network-update.js';
import { VALID_VARNAME, VALID_VARVALUE } from '../../model/nwfilter-vars.js';
import { forwardIpv4Problem, MAX_RANGE, portProblem } from '../../model/port-forward.js';
import {
  ifNameProblem,
  ipv4Problem,
  macProblem,
  nwfilterNameProblem,
  uuidProblem,
} from '../../model/safe-strings.js';
import { OWN_MESSAGES } from './body.js';

/** Longest path parameter (a network name fits MAX_NETWORK_FILE_NAME once encoded; a UUID is 36). */
const MAX_ID = 1024;

// ---- value rules: each is a model function that says what is wrong, so the words match the model's ----

/** A message written for a field, shown as it is (not prefixed like zod's own). */
function said(message: string): string {
  OWN_MESSAGES.add(message);
  return message;
}

const NO_TARGET = said('a forward needs a target address (or a DHCP host name of the network)');

/** A schema refined by a model rule returning the problem (or undefined). */
function rule<T extends z.ZodType>(schema: T, problem: (v: z.infer<T>) => string | undefined) {
  return schema.superRefine((v, ctx) => {
    const p = problem(v);
    if (p) ctx.addIssue({ code: 'custom', message: p });
  });
}

export const ifName = (what: string) =>
  rule(z.string(), (v) => ifNameProblem(v, what)).openapi({
    description: "Linux interface name: 1-15 of letters, digits, '_ . @ + -'",
  });
export const Mac = rule(z.string(), macProblem);
export const Uuid = rule(z.string(), uuidProblem);
export const Ipv4 = rule(z.string(), ipv4Problem);
/** A port as JSON number or digits (query strings carry text). */
export const port = (what: string) =>
  rule(z.union([z.number().int(), z.string()]), (v) => portProblem(v, what)).openapi({
    description: 'port number 1-65535',
  });
export const Proto = z.enum(['tcp', 'udp', 'both']);

/** A boolean query flag: present (empty, 1, true) or absent (or 0, false). */
const Flag = z.enum(['', '0', '1', 'true', 'false']).optional();
export const flagQuery = (description: string) => Flag.openapi({ description });

// ---- parameters ----

export const NetworkIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(MAX_ID)
    .openapi({ param: { name: 'id', in: 'path' }, description: 'Network name or UUID' }),
});
export const PortIdParam = NetworkIdParam.extend({
  port: z
    .string()
    .min(1)
    .max(MAX_ID)
    .openapi({ param: { name: 'port', in: 'path' }, description: 'Port UUID or its device name' }),
});
export const NameParam = z.object({
  name: z
    .string()
    .min(1)
    .max(MAX_ID)
    .openapi({ param: { name: 'name', in: 'path' }, description: 'Network, guest or device name' }),
});
export const NwfilterIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(MAX_ID)
    .openapi({ param: { name: 'id', in: 'path' }, description: 'Filter name or UUID' }),
});
export const PortdevParam = z.object({
  portdev: z
    .string()
    .min(1)
    .max(MAX_ID)
    .openapi({ param: { name: 'portdev', in: 'path' }, description: 'The port device the binding filters' }),
});
export const DryRunQuery = z.object({
  dryRun: flagQuery('change nothing: answer with the ChangePlan (commands, nft transaction, files)'),
});

// ---- bodies ----

export const XmlBody = z.string().openapi({ description: 'libvirt XML' });

export const AutostartBody = z.object({ autostart: z.boolean() }).openapi('AutostartRequest');

export const UpdateBody = z
  .object({
    command: z.enum(UPDATE_COMMANDS),
    section: z.enum(UPDATE_SECTIONS),
    xml: z.string().openapi({ description: "the element to add, or to match, e.g. <host mac='…' ip='…'/>" }),
    parentIndex: z
      .number()
      .int()
      .min(-1)
      .optional()
      .openapi({ description: 'which <ip> (DHCP sections); default: the one with DHCP' }),
    live: z.boolean().optional().openapi({ description: 'change the running network' }),
    config: z.boolean().optional().openapi({ description: 'change the persistent definition' }),
  })
  .openapi('UpdateRequest');

export const ForwardInput = z
  .object({
    proto: Proto.optional().openapi({ default: 'tcp' }),
    listenAddress: z
      .string()
      .optional()
      .openapi({ description: "A host IPv4 address; absent, '', 'any' or 0.0.0.0: every address" }),
    listenPort: port('listen port'),
    listenPortEnd: port('listen port range end')
      .optional()
      .openapi({ description: `Last port of a listen range (at most ${MAX_RANGE} ports)` }),
    targetAddress: z
      .string({ error: NO_TARGET })
      .min(1, NO_TARGET)
      .openapi({ description: 'Guest IPv4 address, or a DHCP host name of the network' }),
    targetPort: port('target port')
      .optional()
      .openapi({ description: 'First target port (default: the listen port)' }),
    description: z.string().max(256).optional(),
  })
  .openapi('ForwardInput');

export const ForwardDeleteQuery = z.object({
  proto: Proto.optional(),
  listenPort: port('listenPort'),
  listenAddress: rule(z.string(), (v) =>
    v === '' || v === 'any' || v === '0.0.0.0' ? undefined : forwardIpv4Problem(v, 'listen address'),
  ).optional(),
  dryRun: flagQuery('change nothing: answer with the ChangePlan'),
});

/** A rate of libvirt's <bandwidth>: kilobytes per second (bursts: kilobytes), as its XML bounds them. */
const Kbps = z.number().int().min(0).max(4294967295);
const Rate = z.object({ average: Kbps.optional(), peak: Kbps.optional(), burst: Kbps.optional() }).strict();
/** A filter for a port's device (a domain interface's <filterref>): its name and parameters. */
export const PortFilter = z
  .object({
    name: rule(z.string(), nwfilterNameProblem).openapi({ description: 'A defined filter (nwfilter-list)' }),
    params: z
      .record(z.string(), z.union([z.string(), z.array(z.string()).max(1000)]))
      .superRefine((params, ctx) => {
        // the model's rules for <parameter name= value=/> (nwfilter-ports.ts says the same for XML)
        for (const [k, v] of Object.entries(params)) {
          if (!VALID_VARNAME.test(k))
            ctx.addIssue({
              code: 'custom',
              message: `filter parameter name '${k}' may hold only letters, digits and _`,
            });
          for (const x of Array.isArray(v) ? v : [v]) {
            if (!VALID_VARVALUE.test(x))
              ctx.addIssue({
                code: 'custom',
                message: `filter parameter ${k}: '${x}' may hold only letters, digits and _ . :`,
              });
          }
        }
      })
      .optional()
      .openapi({
        description:
          'Variables of the filter, e.g. {"IP": "10.0.0.5"}; a list gives a variable several values',
      }),
  })
  .strict()
  .openapi('PortFilter');

export const PortRequest = z
  .object({
    xml: z
      .string()
      .optional()
      .openapi({ description: 'libvirt <networkport> XML instead of the fields below' }),
    owner: z.string().min(1).max(256).optional().openapi({ description: 'Guest name' }),
    tap: rule(z.string(), (v) => (v === '' ? undefined : ifNameProblem(v, 'device name')))
      .optional()
      .openapi({ description: "Make a tap with this name ('' picks vnetN)" }),
    netns: z
      .string()
      .min(1)
      .max(4096)
      .optional()
      .openapi({ description: 'Make a veth pair with eth0 in this network namespace (path)' }),
    mac: Mac.optional(),
    ip: Ipv4.optional().openapi({ description: 'Reserve this address for the MAC (DHCP host entry, live)' }),
    uid: z.number().int().min(0).max(4294967294).optional().openapi({ description: 'Owner of the tap' }),
    group: z.string().max(256).optional().openapi({ description: 'Portgroup' }),
    ownerUuid: Uuid.optional().openapi({ description: 'Owner UUID (a libvirt domain uuid); default: new' }),
    adopt: z.boolean().optional().openapi({
      description: 'The tap exists already (made by the hypervisor, qemu-ifup): only attach it',
    }),
    macvtap: z.boolean().optional().openapi({
      description:
        'Direct networks: make a macvtap for a VM on a pool device (a tap asked of one is one too)',
    }),
    bandwidth: z
      .object({ inbound: Rate.extend({ floor: Kbps.optional() }).optional(), outbound: Rate.optional() })
      .strict()
      .optional()
      .openapi({
        description:
          "The port's own <bandwidth> (kB/s, bursts kB): attach-interface/port-add --inbound, --outbound",
      }),
    filter: PortFilter.optional().openapi({ description: "A traffic filter bound to the port's device" }),
    model: rule(z.string(), interfaceModelProblem).optional().openapi({
      description: "The guest's NIC model (<model type=...>: virtio, e1000, ...), shown by domiflist",
    }),
  })
  .strict()
  .openapi('PortRequest');

// ---- responses ----

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ description: "libvirt's error code name, e.g. XML_ERROR, NO_NETWORK" }),
      message: z.string().openapi({ description: 'What virsh would print after "error: "' }),
      line: z.number().int().optional(),
      column: z.number().int().optional(),
      hint: z.string().optional().openapi({ description: 'What to do about it, when known' }),
    }),
  })
  .openapi('Error');

export const NetworkOverlay = z
  .object({
    vni: z.number().int().min(1).max(16777215),
    localVtep: z
      .string()
      .optional()
      .openapi({ description: "This host's VTEP (virtnetd --overlay-address)" }),
    mtu: z.number().int().optional().openapi({ description: 'MTU of the bridge and its ports while active' }),
  })
  .openapi('NetworkOverlay', { description: 'A network that spans hosts (<virtnet:overlay vni=…/>)' });

export const NetworkInfo = z
  .object({
    name: z.string(),
    uuid: z.string(),
    active: z.boolean(),
    persistent: z.boolean(),
    autostart: z.boolean(),
    bridge: z.string().optional(),
    mode: z.enum([...FORWARD_MODES, 'isolated']),
    uplink: z
      .string()
      .optional()
      .openapi({ description: 'Active nat/route/open networks: forward dev, else the default route device' }),
    degraded: z.string().optional().openapi({
      description:
        "Set while the network's dnsmasq cannot be kept running: why (DHCP and DNS are down meanwhile)",
    }),
    overlay: NetworkOverlay.optional(),
  })
  .openapi('NetworkInfo');
export const NetworkList = z.object({ networks: z.array(NetworkInfo) }).openapi('NetworkList');

export const ChangePlan = z
  .object({
    dryRun: z.boolean(),
    commands: z.array(z.string()),
    nft: z.string().openapi({ description: 'The nft transaction' }),
    files: z.array(z.object({ path: z.string(), content: z.string().optional() })),
    warnings: z.array(z.string()).optional().openapi({
      description: 'What the change would run into now (subnet of another network, a host route)',
    }),
    steps: z
      .array(z.object({ id: z.string(), title: z.string(), commands: z.array(z.string()) }))
      .optional()
      .openapi({ description: 'The same change step by step, in the order it runs' }),
  })
  .openapi('ChangePlan');

export const Lease = z
  .object({
    expiryTime: z.number().int(),
    mac: z.string(),
    protocol: z.enum(['ipv4', 'ipv6']),
    ipaddr: z.string(),
    prefix: z.number().int(),
    hostname: z.string().optional(),
    clientid: z.string().optional(),
    iaid: z.string().optional(),
  })
  .openapi('Lease');
export const LeaseList = z.object({ leases: z.array(Lease) }).openapi('LeaseList');

const Drift = z.object({ what: z.string(), expected: z.string().optional(), actual: z.string().optional() });
export const DriftReport = z.object({ problems: z.array(Drift) }).openapi('DriftReport');
export const RepairResult = z.object({ info: NetworkInfo, repaired: z.array(Drift) }).openapi('RepairResult');

export const Forward = z
  .object({
    proto: Proto,
    listenAddress: z.string().optional(),
    listenPort: z.number().int(),
    listenPortEnd: z.number().int().optional(),
    targetAddress: z.string(),
    targetPort: z.number().int(),
    description: z.string().optional(),
    live: z.boolean(),
    config: z.boolean(),
    hits: z.number().int().optional().openapi({ description: 'New connections forwarded (live forwards)' }),
  })
  .openapi('Forward');
export const ForwardList = z.object({ forwards: z.array(Forward) }).openapi('ForwardList');
export const ForwardChange = z
  .object({ network: z.string(), forward: Forward, plan: ChangePlan })
  .openapi('ForwardChange');

export const PortInfo = z
  .object({
    uuid: z.string(),
    network: z.string(),
    owner: z.object({ name: z.string(), uuid: z.string() }),
    mac: z.string(),
    group: z.string().optional(),
    device: z
      .object({
        kind: z.enum(['tap', 'veth', 'macvtap', 'macvlan']),
        name: z.string(),
        netns: z.string().optional(),
        uid: z.number().int().optional(),
        adopted: z.boolean().optional(),
        link: z.string().optional().openapi({ description: 'macvtap/macvlan: the pool device it sits on' }),
        mode: z
          .string()
          .optional()
          .openapi({ description: 'macvtap/macvlan: bridge, private, vepa or passthru' }),
        tapPath: z
          .string()
          .optional()
          .openapi({ description: 'macvtap: the character device a hypervisor opens (-netdev tap,fd=N)' }),
        tapNode: z.string().optional(),
        lowerMac: z.string().optional(),
      })
      .optional(),
    ip: z.string().optional(),
    model: z.string().optional(),
    xml: z.string().openapi({ description: 'libvirt <networkport> XML' }),
  })
  .openapi('Port');
export const PortList = z.object({ ports: z.array(PortInfo) }).openapi('PortList');
const Guest = z.object({ name: z.string(), uuid: z.string(), ports: z.array(PortInfo) });
export const GuestList = z.object({ guests: z.array(Guest) }).openapi('GuestList');
export const GuestDetail = Guest.extend({
  interfaces: z.array(z.object({ port: PortInfo, bridge: z.string().optional(), leases: z.array(Lease) })),
}).openapi('GuestDetail');

const NETMODES = [
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
] as const;
const NetmodeBase = z.object({
  subject: z.object({ kind: z.enum(['network', 'guest', 'device', 'file']), name: z.string() }),
  mode: z.enum(NETMODES),
  summary: z.string(),
  evidence: z.array(z.string()),
  problems: z.array(z.string()),
});
export const NetmodeReport = NetmodeBase.extend({
  interfaces: z.array(NetmodeBase).optional().openapi({ description: "A guest's report: one per interface" }),
}).openapi('NetmodeReport');

const Counters = z.object({
  rxBytes: z.number().int(),
  txBytes: z.number().int(),
  rxPackets: z.number().int(),
  txPackets: z.number().int(),
});
export const NetworkStats = z
  .object({
    time: z.number().int().openapi({ description: 'Sample time, ms since the epoch' }),
    bridge: Counters.extend({ name: z.string() }).optional(),
    ports: z.array(Counters.extend({ uuid: z.string(), device: z.string(), owner: z.string() })),
  })
  .openapi('NetworkStats');

export const HostDevices = z
  .object({
    devices: z.array(
      z.object({
        name: z.string(),
        kind: z.enum(['bridge', 'physical', 'veth', 'tap', 'vlan', 'bond', 'loopback', 'other']),
        up: z.boolean(),
        addresses: z.array(z.string()),
        master: z.string().optional(),
        virtnet: z.string().optional().openapi({ description: 'The active network using this bridge' }),
        defaultRoute: z
          .boolean()
          .optional()
          .openapi({ description: 'The device of the default route (where NAT and routed networks leave)' }),
      }),
    ),
  })
  .openapi('HostDevices');

export const DoctorReport = z
  .object({
    findings: z.array(
      z.object({
        id: z.string(),
        severity: z.enum(['error', 'warning', 'info']),
        message: z.string(),
        fix: z.string().optional(),
      }),
    ),
    ok: z.boolean(),
  })
  .openapi('DoctorReport');

export const NetworkEvent = z
  .object({
    type: z.enum(['defined', 'undefined', 'started', 'stopped', 'updated', 'lease', 'repaired', 'failed']),
    name: z.string(),
    uuid: z.string(),
    time: z.string().openapi({ format: 'date-time' }),
    detail: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi('NetworkEvent');

export const NetworkSummary = NetworkInfo.extend({
  state: z.enum(['active', 'inactive', 'degraded']),
  subnets: z
    .array(z.string())
    .openapi({ description: 'Subnets of the running (else saved) definition, CIDR' }),
  dhcp: z
    .object({ leased: z.number().int(), pool: z.number().int() })
    .optional()
    .openapi({ description: 'Unexpired leases and the addresses in the DHCP ranges' }),
  guests: z.number().int(),
  guestNames: z.array(z.string()),
  ports: z.number().int(),
  forwards: z.number().int(),
  problems: z.array(z.string()).optional().openapi({ description: 'What the daemon knows is wrong now' }),
  lastRepair: z
    .object({
      time: z.string(),
      trigger: z.enum(['request', 'heal', 'adopt']),
      problems: z.array(z.string()),
    })
    .optional(),
}).openapi('NetworkSummary');
export const NetworkSummaryList = z
  .object({ networks: z.array(NetworkSummary) })
  .openapi('NetworkSummaryList');

export const NetworkHistory = z
  .object({
    network: z.string(),
    events: z.array(NetworkEvent),
    truncated: z.boolean().openapi({ description: 'Older events were dropped' }),
  })
  .openapi('NetworkHistory');

export const AllStats = z
  .object({
    time: z.number().int().openapi({ description: 'Sample time, ms since the epoch' }),
    networks: z.record(z.string(), Counters.extend({ name: z.string() })).openapi({
      description: "Each active network's bridge counters, by network name",
    }),
  })
  .openapi('AllStats');

// ---- traffic filters (libvirt nwfilter) ----

export const NwfilterInfo = z.object({ name: z.string(), uuid: z.string() }).openapi('NwfilterInfo');
export const NwfilterList = z.object({ nwfilters: z.array(NwfilterInfo) }).openapi('NwfilterList');
export const NwfilterBindingInfo = z
  .object({ portdev: z.string(), filter: z.string() })
  .openapi('NwfilterBindingInfo');
export const NwfilterBindingList = z
  .object({ bindings: z.array(NwfilterBindingInfo) })
  .openapi('NwfilterBindingList');
