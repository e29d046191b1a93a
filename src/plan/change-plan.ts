// Dry runs: what start and stop would do to the host — commands, the nft transaction, files — as one ChangePlan.
// Pure: the runtime passes in its file locations, the daemon adds the definition files.

import type { ChangePlan } from '../api/types.js';
import { type NetworkDef, networkMode } from '../model/network-def.js';
import { readForwards } from '../model/port-forward.js';
import { dnsmasqArgs, needsDnsmasq, renderDnsmasqFiles } from '../render/dnsmasq-conf.js';
import { hasFirewallRules, networkRemoveStatements } from '../render/nft-ruleset.js';
import { planNetwork } from './network-plan.js';

export interface DnsmasqLocations {
  binary: string;
  conf: string;
  hostsFile: string;
  addnHostsFile: string;
  leaseFile: string;
  pidFile: string;
}

export function emptyPlan(dryRun = true): ChangePlan {
  return { dryRun, commands: [], nft: '', files: [] };
}

const sysctlCmd = (s: { key: string; value: string }) => `sysctl -w ${s.key.replace(/\//g, '.')}=${s.value}`;

export function startChangePlan(def: NetworkDef, dns: DnsmasqLocations): ChangePlan {
  const plan = emptyPlan();
  if (networkMode(def) === 'bridge') {
    plan.commands.push(
      `test -d /sys/class/net/${def.bridge?.name ?? '?'}/bridge  # host bridge: nothing is created`,
    );
    return plan;
  }
  const p = planNetwork(def);
  plan.commands.push(`ip -batch - <<EOF\n${p.createLink.concat(p.configureLink).join('\n')}\nEOF`);
  plan.commands.push(...p.linkSysctls.map(sysctlCmd), ...p.globalSysctls.map(sysctlCmd));
  plan.commands.push(`ethtool -K ${p.bridge} tx off`);
  plan.nft = p.firewall ?? '';
  if (needsDnsmasq(def)) {
    const files = renderDnsmasqFiles(def, dns);
    plan.files.push({ path: dns.conf, content: files.conf });
    if (files.hostsfile !== undefined) plan.files.push({ path: dns.hostsFile, content: files.hostsfile });
    if (files.addnhosts !== undefined) plan.files.push({ path: dns.addnHostsFile, content: files.addnhosts });
    plan.commands.push([dns.binary, ...dnsmasqArgs(dns.conf, dns.leaseFile)].join(' '));
  }
  return plan;
}

export function stopChangePlan(
  def: NetworkDef,
  bridge: string | undefined,
  dnsmasqPid: number | undefined,
  dns: DnsmasqLocations,
): ChangePlan {
  const plan = emptyPlan();
  if (networkMode(def) === 'bridge' || !bridge) return plan;
  if (needsDnsmasq(def)) {
    plan.commands.push(`kill -TERM ${dnsmasqPid ?? `$(cat ${dns.pidFile})`}  # dnsmasq of '${def.name}'`);
    for (const path of [dns.conf, dns.hostsFile, dns.addnHostsFile, dns.pidFile]) plan.files.push({ path });
  }
  if (hasFirewallRules(def)) {
    plan.nft = `${networkRemoveStatements(bridge, networkMode(def), readForwards(def)).join('\n')}\n`;
  }
  plan.commands.push(`ip link del dev ${bridge}`);
  return plan;
}
