// The network side of a libvirt domain XML: its name, UUID and <interface> devices, for define-guest. Interface
// types virtnet cannot plug (direct, user, hostdev, ...) and every other device are listed as ignored.

import { VirtError } from './errors.js';
import { parseParams } from './nwfilter-parse.js';
import { attr, childElements, firstChild, parseXmlDocument, textContent } from './xml-dom.js';

export interface DomainInterface {
  type: 'network' | 'bridge';
  network?: string;
  bridge?: string;
  mac?: string;
  target?: string;
  portgroup?: string;
  model?: string;
  /** <filterref filter= ><parameter name= value=/></filterref>: a traffic filter for the interface. */
  filter?: { name: string; params: Record<string, string[]> };
}

export interface DomainInterfaces {
  name: string;
  uuid?: string;
  interfaces: DomainInterface[];
  /** What was left out, one line each: "interface type 'direct'", "device 'disk'". */
  ignored: string[];
}

const invalid = (msg: string) => new VirtError('XML_ERROR', msg);

/** libvirt's NET_MODEL_CHARS (virDomainNetDefParseXML): a model name is letters, digits, '_' and '-'. */
const MODEL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** What is wrong with an interface model name (`<model type=...>`, attach-interface --model), if anything. */
export function interfaceModelProblem(model: string): string | undefined {
  return MODEL_NAME.test(model)
    ? undefined
    : `model '${model.slice(0, 80)}' must be 1-64 of letters, digits, '_' and '-' (e.g. virtio, e1000)`;
}

export function parseDomainInterfaces(xml: string): DomainInterfaces {
  const root = parseXmlDocument(xml);
  if (root.name !== 'domain') throw invalid(`expected a <domain> document, not <${root.name}>`);
  const nameEl = firstChild(root, 'name');
  const name = nameEl ? textContent(nameEl).trim() : '';
  if (!name) throw invalid('the domain has no <name>');
  const uuidEl = firstChild(root, 'uuid');
  const uuid = uuidEl ? textContent(uuidEl).trim() : '';
  const result: DomainInterfaces = { name, interfaces: [], ignored: [] };
  if (uuid) result.uuid = uuid;
  const devices = firstChild(root, 'devices');
  for (const dev of devices ? childElements(devices) : []) {
    if (dev.name !== 'interface') {
      result.ignored.push(`device '${dev.name}'`);
      continue;
    }
    const type = attr(dev, 'type') ?? '';
    if (type !== 'network' && type !== 'bridge') {
      result.ignored.push(`interface type '${type}'`);
      continue;
    }
    const source = firstChild(dev, 'source');
    const iface: DomainInterface = { type };
    const src = source ? attr(source, type) : undefined;
    if (!src) throw invalid(`<interface type='${type}'> has no <source ${type}='...'/>`);
    if (type === 'network') iface.network = src;
    else iface.bridge = src;
    const portgroup = source ? attr(source, 'portgroup') : undefined;
    if (portgroup) iface.portgroup = portgroup;
    const mac = firstChild(dev, 'mac');
    const address = mac ? attr(mac, 'address') : undefined;
    if (address) iface.mac = address.toLowerCase();
    const target = firstChild(dev, 'target');
    const tdev = target ? attr(target, 'dev') : undefined;
    if (tdev) iface.target = tdev;
    const model = firstChild(dev, 'model');
    const mtype = model ? attr(model, 'type') : undefined;
    if (mtype !== undefined) {
      const problem = interfaceModelProblem(mtype);
      if (problem) throw invalid(problem);
      iface.model = mtype;
    }
    const ref = firstChild(dev, 'filterref');
    const filter = ref ? attr(ref, 'filter') : undefined;
    if (ref && !filter) throw invalid("<filterref> needs a filter='...' attribute");
    if (ref && filter) iface.filter = { name: filter, params: Object.fromEntries(parseParams(ref)) };
    result.interfaces.push(iface);
  }
  return result;
}
