// Everything the list and the network page show about one network, fetched in parallel.
import type { DriftProblemInfo, Lease, NetworkInfo, PortInfo } from '../../src/api/types';
import { api, errorText } from './api';
import { type NetXml, parseNetworkXml } from './xml';

export interface NetDetails {
  info: NetworkInfo;
  xmlText?: string;
  xml?: NetXml;
  /** The persistent definition, when it differs in text from the live one (active + persistent only). */
  inactiveXmlText?: string;
  /** inactiveXmlText parsed. */
  savedXml?: NetXml;
  leases: Lease[];
  ports: PortInfo[];
  /** Problems from check(); undefined when not checked (inactive) or the check failed. */
  problems?: DriftProblemInfo[];
  errors: string[];
}

async function settle<T>(p: Promise<T>, errors: string[], what: string): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    errors.push(`${what}: ${errorText(e)}`);
    return undefined;
  }
}

export async function loadDetails(
  info: NetworkInfo,
  opts: { inactiveXml?: boolean } = {},
): Promise<NetDetails> {
  const errors: string[] = [];
  const name = info.name;
  const [xmlText, inactiveXmlText, leases, ports, problems] = await Promise.all([
    settle(api.xml(name), errors, 'XML'),
    opts.inactiveXml && info.active && info.persistent
      ? settle(api.xml(name, true), errors, 'inactive XML')
      : undefined,
    info.active ? settle(api.leases(name), errors, 'leases') : undefined,
    info.active ? settle(api.ports(name), errors, 'ports') : undefined,
    info.active ? settle(api.check(name), errors, 'check') : undefined,
  ]);
  const d: NetDetails = { info, leases: leases ?? [], ports: ports ?? [], errors };
  if (xmlText !== undefined) {
    d.xmlText = xmlText;
    try {
      d.xml = parseNetworkXml(xmlText);
    } catch (e) {
      errors.push(`XML: ${errorText(e)}`);
    }
  }
  if (inactiveXmlText !== undefined) {
    d.inactiveXmlText = inactiveXmlText;
    try {
      d.savedXml = parseNetworkXml(inactiveXmlText);
    } catch {
      // shown as text only
    }
  }
  if (problems !== undefined) d.problems = problems;
  return d;
}

export function stateOf(d: Pick<NetDetails, 'info' | 'problems'>): 'active' | 'inactive' | 'degraded' {
  if (!d.info.active) return 'inactive';
  return d.problems && d.problems.length > 0 ? 'degraded' : 'active';
}
