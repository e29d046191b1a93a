// Parts shared by network and network-port XML: <bandwidth>, <vlan>, <virtualport> (libvirt's netdev_*_conf.c),
// with libvirt 9.0's checks and messages.

import type { BandwidthDef, BandwidthRate, VirtualPortDef, VirtualPortType, VlanDef } from './network-def.js';
import { err, propEnum, propUInt, safeNumber, strToUnsigned, xattr } from './network-parse-util.js';
import { normalizeUuid } from './uuid.js';
import { attr, childElements, firstChild, type XmlElement } from './xml-dom.js';

/** One direction of <bandwidth> (virNetDevBandwidthParseRate). */
function parseRate(el: XmlElement): BandwidthRate {
  const r: BandwidthRate = {};
  const read = (k: keyof BandwidthRate): number | undefined => {
    const v = attr(el, k);
    if (v === undefined) return undefined;
    const n = safeNumber(strToUnsigned(v));
    if (n === undefined) throw err(el, 'CONFIG_UNSUPPORTED', `could not convert bandwidth ${k} value '${v}'`);
    return n;
  };
  const average = read('average');
  if (average === undefined && attr(el, 'floor') === undefined)
    throw err(el, 'XML_DETAIL', 'Missing mandatory average or floor attributes');
  if ((attr(el, 'peak') !== undefined || attr(el, 'burst') !== undefined) && average === undefined)
    throw err(el, 'CONFIG_UNSUPPORTED', "'peak' and 'burst' require 'average' attribute");
  if (average !== undefined) r.average = average;
  for (const k of ['peak', 'burst', 'floor'] as const) {
    const v = read(k);
    if (v !== undefined) r[k] = v;
  }
  return r;
}

/**
 * <bandwidth> (virNetDevBandwidthParse): undefined when it has neither direction. `classID` is allowed on ports
 * only; `floor` where the caller says so (ports), and never outbound.
 */
export function parseBandwidth(
  el: XmlElement,
  opts: { classID?: boolean; floor?: boolean } = {},
): (BandwidthDef & { classID?: number }) | undefined {
  const bw: BandwidthDef & { classID?: number } = {};
  const cls = attr(el, 'classID');
  if (cls !== undefined) {
    if (!opts.classID)
      throw err(el, 'XML_DETAIL', 'classID attribute not supported on <bandwidth> in this usage context');
    const n = safeNumber(strToUnsigned(cls, { max: 0xffffffffn, negative: 'wrap' }));
    if (n === undefined) throw err(el, 'MALFORMED_VALUE', `Unable to parse class id '${cls}'`);
    bw.classID = n;
  }
  let inbound: XmlElement | undefined;
  let outbound: XmlElement | undefined;
  for (const c of childElements(el)) {
    if (c.name === 'inbound') {
      if (inbound) throw err(c, 'XML_DETAIL', 'Only one child <inbound> element allowed');
      inbound = c;
    } else if (c.name === 'outbound') {
      if (outbound) throw err(c, 'XML_DETAIL', 'Only one child <outbound> element allowed');
      outbound = c;
    }
  }
  if (inbound) {
    bw.inbound = parseRate(inbound);
    if (bw.inbound.floor && !opts.floor)
      throw err(inbound, 'CONFIG_UNSUPPORTED', 'floor attribute is not supported for this config');
  }
  if (outbound) {
    bw.outbound = parseRate(outbound);
    if (bw.outbound.floor)
      throw err(outbound, 'CONFIG_UNSUPPORTED', "'floor' attribute allowed only in <inbound> element");
  }
  return bw.inbound || bw.outbound ? bw : undefined;
}

/** <vlan> (virNetDevVlanParse): tags, the native one, and trunk (implied by more than one tag). */
export function parseVlan(el: XmlElement): VlanDef {
  const tagEls = childElements(el, 'tag');
  if (tagEls.length === 0) {
    throw err(
      el,
      'XML_ERROR',
      "missing tag id - each <vlan> must have at least one <tag id='n'/> subelement",
    );
  }
  const vlan: VlanDef = { tags: [] };
  let native: { mode: 'tagged' | 'untagged'; id: number } | undefined;
  for (const t of tagEls) {
    const id = propUInt(t, 'id', { required: true }) as number;
    if (id > 4095) throw err(t, 'XML_ERROR', `vlan tag id ${id} too large (maximum 4095)`);
    const mode = propEnum(t, 'nativeMode', ['default', 'tagged', 'untagged'] as const);
    if (mode !== undefined) {
      if (native) throw err(t, 'XML_ERROR', 'duplicate native vlan setting');
      if (mode !== 'default') native = { mode, id };
    }
    vlan.tags.push({ id });
  }
  // libvirt keeps one native mode and id: every tag with that id shows it
  if (native) for (const t of vlan.tags) if (t.id === native.id) t.nativeMode = native.mode;
  let trunk = tagEls.length > 1;
  const trunkAttr = xattr(el, 'trunk');
  if (trunkAttr !== undefined) {
    trunk = trunkAttr.toLowerCase() === 'yes';
    if (!trunk) {
      if (tagEls.length > 1) {
        throw err(
          el,
          'XML_ERROR',
          `invalid "trunk='${trunkAttr}'" in <vlan> - trunk='yes' is required for more than one vlan tag`,
        );
      }
      if (native) {
        throw err(
          el,
          'XML_ERROR',
          `invalid configuration in <vlan> - "trunk='no'" is not allowed with a native vlan id`,
        );
      }
      if (trunkAttr.toLowerCase() !== 'no')
        throw err(el, 'XML_ERROR', `invalid "trunk='${trunkAttr}'" in <vlan> - must be yes or no`);
    }
  }
  if (trunk) vlan.trunk = true;
  return vlan;
}

const VPORT_TYPES: readonly VirtualPortType[] = ['802.1Qbg', '802.1Qbh', 'openvswitch', 'midonet'];

/** Parameters each type may not have, in the order libvirt looks for them (virNetDevVPortProfileCheckNoExtras). */
const VPORT_EXTRAS: Record<VirtualPortType, ReadonlyArray<keyof VirtualPortDef>> = {
  '802.1Qbg': ['profileId', 'interfaceId'],
  '802.1Qbh': ['managerId', 'typeId', 'typeIdVersion', 'instanceId', 'interfaceId'],
  openvswitch: ['managerId', 'typeId', 'typeIdVersion', 'instanceId'],
  midonet: ['managerId', 'typeId', 'typeIdVersion', 'instanceId', 'profileId'],
};
const XML_NAME: Record<string, string> = {
  managerId: 'managerid',
  typeId: 'typeid',
  typeIdVersion: 'typeidversion',
  instanceId: 'instanceid',
  profileId: 'profileid',
  interfaceId: 'interfaceid',
};

/** <virtualport> (virNetDevVPortProfileParse); the network-level one must name its type. */
export function parseVirtualPort(el: XmlElement, requireType: boolean): VirtualPortDef {
  const vp: VirtualPortDef = {};
  const type = attr(el, 'type');
  if (type !== undefined) {
    if (!VPORT_TYPES.includes(type as VirtualPortType))
      throw err(el, 'CONFIG_UNSUPPORTED', `unknown virtualport type ${type}`);
    vp.type = type as VirtualPortType;
  } else if (requireType) {
    throw err(el, 'XML_ERROR', 'missing required virtualport type');
  }
  const params = firstChild(el, 'parameters');
  if (params) {
    const num = (name: string, max: number, what: string) => {
      const v = attr(params, name);
      if (v === undefined) return undefined;
      const n = strToUnsigned(v, { base: 0, max: 0xffffffffn, negative: 'wrap' });
      if (n === undefined) throw err(params, 'XML_ERROR', `cannot parse value of ${name} parameter`);
      if (n > BigInt(max)) throw err(params, 'XML_ERROR', what);
      return Number(n);
    };
    const uuid = (name: string) => {
      const v = attr(params, name);
      if (v === undefined) return undefined;
      const u = normalizeUuid(v);
      if (!u) throw err(params, 'XML_ERROR', `cannot parse ${name} parameter as a uuid`);
      return u;
    };
    const managerId = num('managerid', 0xff, 'value of managerid out of range');
    const typeId = num('typeid', 0xffffff, 'value for typeid out of range');
    const typeIdVersion = num('typeidversion', 0xff, 'value of typeidversion out of range');
    const instanceId = uuid('instanceid');
    const profileId = attr(params, 'profileid');
    if (profileId !== undefined && new TextEncoder().encode(profileId).length > 39)
      throw err(params, 'XML_ERROR', 'profileid parameter too long');
    const interfaceId = uuid('interfaceid');
    Object.assign(
      vp,
      Object.fromEntries(
        Object.entries({ managerId, typeId, typeIdVersion, instanceId, profileId, interfaceId }).filter(
          ([, v]) => v !== undefined && v !== '',
        ),
      ),
    );
  }
  if (vp.type) {
    const extra = VPORT_EXTRAS[vp.type].find((k) => vp[k] !== undefined);
    if (extra)
      throw err(el, 'XML_ERROR', `extra ${XML_NAME[extra]} unsupported in <virtualport type='${vp.type}'>`);
  }
  return vp;
}
