// Traffic filters on virtnet's ports, as libvirt applies a domain interface's <filterref>: the port's device gets
// a binding owned by the port's guest when the port is made, and loses it when the port goes. The port service
// calls this hook; the filter comes from the port request (`filter`) or a <filterref> in its <networkport> XML.

import type { PortInfo } from '../api/types.js';
import { VirtError } from '../model/errors.js';
import { parseParams } from '../model/nwfilter-parse.js';
import { addParam, type ParamTable, VALID_VARNAME, VALID_VARVALUE } from '../model/nwfilter-vars.js';
import { attr, firstChild, parseXmlDocument } from '../model/xml-dom.js';
import type { NwfilterService } from './nwfilter-service.js';

/** What a port request may carry: a filter and its parameters (a list value repeats the name). */
export interface PortFilterRequest {
  name: string;
  params?: Record<string, string | string[]>;
}

export interface PortFilterHook {
  /** Applies the request's filter (if any) to the port's device; throws when it cannot, with nothing bound. */
  bind(port: PortInfo, req: { filter?: PortFilterRequest; xml?: string }): Promise<void>;
  /** Removes the binding the port's guest has on its device, if any. */
  unbind(port: PortInfo): Promise<void>;
}

const invalid = (m: string) => new VirtError('INVALID_ARG', m);

export function portFilterHook(svc: NwfilterService): PortFilterHook {
  return {
    async bind(port, req) {
      const spec = req.filter ?? (req.xml !== undefined ? filterrefOf(req.xml) : undefined);
      if (!spec) return;
      const { name, params } = checked(spec);
      const dev = port.device?.name;
      if (!dev) {
        throw new VirtError(
          'CONFIG_UNSUPPORTED',
          `a traffic filter needs the port's device (a tap or a container's veth): port ${port.uuid} has none`,
        );
      }
      // the filters sit on the bridge: a direct port's macvtap or macvlan never passes one
      if (port.device?.kind === 'macvtap' || port.device?.kind === 'macvlan') {
        throw new VirtError(
          'CONFIG_UNSUPPORTED',
          `a traffic filter needs a port on a bridge (a tap or a container's veth): port ${port.uuid} is a ${port.device.kind} of a direct network`,
        );
      }
      await svc.bindingCreateDef({ owner: port.owner, portdev: dev, mac: port.mac, filter: name, params });
    },
    async unbind(port) {
      if (port.device) await svc.bindingDeleteOwned(port.device.name, port.owner.uuid);
    },
  };
}

/** The <filterref> of a <networkport> document (virtnet's extension of libvirt's port XML). */
function filterrefOf(xml: string): PortFilterRequest | undefined {
  const ref = firstChild(parseXmlDocument(xml), 'filterref');
  if (!ref) return undefined;
  const name = attr(ref, 'filter');
  if (!name) throw new VirtError('XML_ERROR', "<filterref> needs a filter='...' attribute");
  const params: Record<string, string[]> = {};
  for (const [k, v] of parseParams(ref)) params[k] = v;
  return { name, params };
}

/** The API is stricter than libvirt's XML reader: a bad parameter is an error, not skipped. */
function checked(spec: PortFilterRequest): { name: string; params: ParamTable } {
  if (typeof spec.name !== 'string' || !spec.name) throw invalid('filter needs a name');
  const params: ParamTable = new Map();
  for (const [k, raw] of Object.entries(spec.params ?? {})) {
    const values = Array.isArray(raw) ? raw : [raw];
    if (!VALID_VARNAME.test(k))
      throw invalid(`filter parameter name '${k}' may hold only letters, digits and _`);
    for (const v of values) {
      if (typeof v !== 'string' || !VALID_VARVALUE.test(v))
        throw invalid(`filter parameter ${k}: '${String(v)}' may hold only letters, digits and _ . :`);
      addParam(params, k, v);
    }
  }
  return { name: spec.name, params };
}
