// Steps of a network's dnsmasq: its files (written before it starts), the process (spawned, then supervised),
// a SIGHUP when only the hosts files changed, and the restart rules: a new configuration or a new bridge means a
// new dnsmasq, and the old one is stopped first (with bind-dynamic it would take the new bridge's address). A
// network behind our firewall binds its addresses once (bind-interfaces, see dnsGuarded).

import type { NetworkDef } from '../model/network-def.js';
import {
  dnsmasqArgs,
  dnsmasqFollowsAddresses,
  needsDnsmasq,
  renderDnsmasqFiles,
} from '../render/dnsmasq-conf.js';
import { dnsGuarded } from '../render/nft-ruleset.js';
import type { DesiredNetwork } from './desired.js';
import { linkStepId } from './link-steps.js';
import type { ObservedHost } from './observed.js';
import { dnsmasqDefOf } from './overlay-desired.js';
import type { Blocker, ProcessRef, SpawnAction, Step } from './steps.js';

export const dnsmasqStepId = (name: string) => `dnsmasq:${name}`;
const dnsmasqOptions = (d: DesiredNetwork) => ({ bindInterfaces: dnsGuarded(d.def) });
const fileStepId = (path: string) => `file:${path}`;

/** The command line that starts the network's dnsmasq (it daemonizes; see render/dnsmasq-conf.ts). */
export function dnsmasqArgv(d: DesiredNetwork): string[] {
  return [d.dnsmasq.binary, ...dnsmasqArgs(d.dnsmasq.paths.conf, d.dnsmasq.paths.leaseFile)];
}

/** How the network's dnsmasq is started, the first time and after each death. */
export function dnsmasqSpawn(d: DesiredNetwork): SpawnAction {
  const follows = dnsmasqFollowsAddresses(dnsmasqDefOf(d.def, d.overlay), dnsmasqOptions(d));
  return {
    kind: 'spawn',
    process: dnsmasqProcess(d),
    argv: dnsmasqArgv(d),
    ...(follows ? {} : { muteRouteEvents: true as const }),
  };
}

export function dnsmasqProcess(d: DesiredNetwork): ProcessRef {
  const p = d.dnsmasq.paths;
  return {
    id: dnsmasqStepId(d.def.name),
    network: d.def.name,
    pidFile: p.pidFile,
    match: `--conf-file=${p.conf}`,
  };
}

interface FileSpec {
  path: string;
  content: string;
  title: string;
  /** The configuration: a change means a restart (hosts files only need SIGHUP). */
  conf: boolean;
}

function files(d: DesiredNetwork): FileSpec[] {
  const p = d.dnsmasq.paths;
  const name = d.def.name;
  const f = renderDnsmasqFiles(
    dnsmasqDefOf(d.def, d.overlay),
    {
      pidFile: p.pidFile,
      hostsFile: p.hostsFile,
      addnHostsFile: p.addnHostsFile,
      serversFile: p.serversFile,
    },
    d.dnsmasq.upstream,
    dnsmasqOptions(d),
  );
  const out: FileSpec[] = [
    { path: p.conf, content: f.conf, title: `write dnsmasq configuration of ${name}`, conf: true },
  ];
  if (f.hostsfile !== undefined)
    out.push({ path: p.hostsFile, content: f.hostsfile, title: `write DHCP hosts of ${name}`, conf: false });
  if (f.addnhosts !== undefined)
    out.push({
      path: p.addnHostsFile,
      content: f.addnhosts,
      title: `write DNS hosts of ${name}`,
      conf: false,
    });
  if (f.servers !== undefined)
    out.push({
      path: p.serversFile,
      content: f.servers,
      title: `write upstream DNS servers of ${name}`,
      conf: false,
    });
  return out;
}

/** The files dnsmasq reads after dropping root: its unprivileged user must be able to reach them. */
export function dnsmasqReads(d: DesiredNetwork): string[] {
  if (!needsDnsmasq(d.def)) return [];
  return files(d)
    .filter((f) => !f.conf)
    .map((f) => f.path);
}

export function dnsmasqBlockers(d: DesiredNetwork, o: ObservedHost): Blocker[] {
  const u = o.unreadableForDnsmasq;
  if (!u || !needsDnsmasq(d.def)) return [];
  return [
    {
      step: `write dnsmasq configuration of ${d.def.name}`,
      message: `dnsmasq drops root and runs as '${u.user}', which cannot read ${u.file}: directory ${u.dir} is closed to it, so DHCP reservations and DNS names would silently not work. Let others enter it (chmod o+x ${u.dir}) or give virtnetd a --state-dir below a directory others may enter`,
    },
  ];
}

/**
 * Steps of the network's dnsmasq. `fresh`: a start. Otherwise files are compared with what the probe read and
 * the process with what runs; `bridgeReplanned` says the bridge is made again (dnsmasq must follow it).
 */
export function dnsmasqSteps(
  d: DesiredNetwork,
  o: ObservedHost,
  fresh: boolean,
  bridgeReplanned: boolean,
): { early: Step[]; steps: Step[] } {
  const def = d.def;
  if (!needsDnsmasq(def)) return { early: [], steps: [] };
  const bridge = def.bridge?.name as string;
  const proc = dnsmasqProcess(d);
  const steps: Step[] = [];
  let confChanged = fresh;
  let hostsChanged = false;
  const hostsIds: string[] = [];
  // a probe that did not read files (the heal loop) has nothing to compare: they are virtnet's own
  for (const f of fresh || o.filesKnown ? files(d) : []) {
    const seen = o.files.get(f.path);
    if (!fresh && seen === f.content) continue;
    if (f.conf) confChanged = true;
    else {
      hostsChanged = true;
      hostsIds.push(fileStepId(f.path));
    }
    const drift = fresh
      ? undefined
      : [{ what: seen === undefined ? `${f.path} is missing` : `${f.path} differs from the definition` }];
    steps.push({
      id: fileStepId(f.path),
      title: f.title,
      do: [{ kind: 'write', path: f.path, content: f.content, mode: 0o644 }],
      undo: [{ kind: 'remove', path: f.path }],
      parallel: true,
      provides: [{ kind: 'file', path: f.path, content: f.content }],
      ...(drift ? { drift } : {}),
    });
  }
  if (fresh) {
    // every file step of a start is written before dnsmasq reads them
    hostsIds.push(...steps.filter((s) => s.id !== fileStepId(d.dnsmasq.paths.conf)).map((s) => s.id));
  }
  const livePid = o.processes.get(proc.id);
  // a probe that did not look at processes (the heal loop: the supervisor keeps them) knows of no death
  const dead = o.processesKnown && livePid === undefined;
  const early: Step[] = [];
  if (fresh || dead || confChanged || bridgeReplanned) {
    if (!fresh && !dead) {
      early.push({
        id: `dnsmasq-stop:${def.name}`,
        title: `stop the old dnsmasq of ${def.name}`,
        do: [{ kind: 'stop-process', process: proc, ...(livePid !== undefined ? { pid: livePid } : {}) }],
        undo: [],
        removes: [{ kind: 'process', process: proc }],
      });
    }
    const drift = dead
      ? [{ what: 'dnsmasq is not running', expected: 'running', actual: 'dead' }]
      : undefined;
    steps.push({
      id: proc.id,
      title: `start dnsmasq for ${def.name}`,
      do: [dnsmasqSpawn(d)],
      undo: [{ kind: 'stop-process', process: proc }],
      after: [linkStepId(bridge), fileStepId(d.dnsmasq.paths.conf)],
      waitFor: [...new Set(hostsIds)],
      parallel: true,
      provides: [{ kind: 'process', process: proc }],
      ...(drift ? { drift } : {}),
    });
  } else if (hostsChanged) {
    steps.push(reloadStep(def, proc, livePid, hostsIds));
  }
  return { early, steps };
}

function reloadStep(def: NetworkDef, proc: ProcessRef, pid: number | undefined, after: string[]): Step {
  return {
    id: `dnsmasq-reload:${def.name}`,
    title: `reload DHCP and DNS hosts of ${def.name}`,
    do: [{ kind: 'signal', process: proc, signal: 'SIGHUP', ...(pid !== undefined ? { pid } : {}) }],
    undo: [],
    waitFor: after,
  };
}

/** Stop: the process, then its files (the lease file stays, as libvirt keeps it: guests get their address back). */
export function dnsmasqRemoveSteps(d: DesiredNetwork, o: ObservedHost): Step[] {
  if (!needsDnsmasq(d.def)) return [];
  const proc = dnsmasqProcess(d);
  const p = d.dnsmasq.paths;
  const pid = o.processes.get(proc.id);
  return [
    {
      id: proc.id,
      title: `stop dnsmasq of ${d.def.name}`,
      do: [{ kind: 'stop-process', process: proc, ...(pid !== undefined ? { pid } : {}) }],
      undo: [],
      removes: [{ kind: 'process', process: proc }],
    },
    {
      id: `files:${d.def.name}`,
      title: `remove dnsmasq files of ${d.def.name}`,
      do: [p.conf, p.hostsFile, p.addnHostsFile, p.serversFile, p.pidFile].map((path) => ({
        kind: 'remove' as const,
        path,
      })),
      undo: [],
      removes: [p.conf, p.hostsFile, p.addnHostsFile, p.serversFile].map((path) => ({
        kind: 'file' as const,
        path,
        content: '',
      })),
    },
  ];
}

/** Undefine: the lease file goes with the network's last trace. */
export function leaseFileRemoveStep(d: DesiredNetwork): Step {
  const path = d.dnsmasq.paths.leaseFile;
  return {
    id: fileStepId(path),
    title: `remove the lease file of ${d.def.name}`,
    do: [{ kind: 'remove', path }],
    undo: [],
    removes: [{ kind: 'file', path, content: '' }],
  };
}

/** Live DHCP/DNS host changes: the hosts files that differ, then SIGHUP (never a restart, leases kept). */
export function hostsReloadSteps(d: DesiredNetwork, o: ObservedHost): Step[] {
  if (!needsDnsmasq(d.def)) return [];
  const proc = dnsmasqProcess(d);
  const steps: Step[] = [];
  for (const f of files(d)) {
    if (f.conf || (o.filesKnown && o.files.get(f.path) === f.content)) continue;
    steps.push({
      id: fileStepId(f.path),
      title: f.title,
      do: [{ kind: 'write', path: f.path, content: f.content, mode: 0o644 }],
      undo: [],
      provides: [{ kind: 'file', path: f.path, content: f.content }],
    });
  }
  const pid = o.processes.get(proc.id);
  if (steps.length && pid !== undefined)
    steps.push(
      reloadStep(
        d.def,
        proc,
        pid,
        steps.map((s) => s.id),
      ),
    );
  return steps;
}
