// Persistent definitions in libvirt's layout (<config-dir>/networks/NAME.xml, autostart/ links) and the runtime
// status of active networks (<state-dir>/networks/NAME.json), all written atomically.

import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PortInfo } from '../api/types.js';
import { removeDurably, symlinkAtomic, writeFileAtomic } from '../host/atomic-file.js';
import type { NetworkDef } from '../model/network-def.js';
import { formatNetworkXml } from '../model/network-format.js';
import { networkFileName, networkNameFromFileName } from '../model/safe-strings.js';
import type { RuntimeState } from './runtime.js';

export interface StoredDefinition {
  name: string;
  xml: string;
  autostart: boolean;
  file: string;
}

/** What a running network leaves in the state directory so a restarted daemon can adopt it. */
export interface ActiveStatus {
  /** Live definition (XML) the network was started with. */
  xml: string;
  transient: boolean;
  runtime: RuntimeState;
  /** Where it was true (host-instance.ts): a status from another boot or namespace describes nothing running. */
  host?: string;
}

const HEADER = (name: string) =>
  `<!--
WARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE
OVERWRITTEN AND LOST. Changes to this xml configuration should be made using:
  virtnet net-edit ${name}
or other application using the virtnet API.
-->

`;

export class Store {
  readonly networksDir: string;
  readonly autostartDir: string;
  readonly statusDir: string;

  /**
   * `hostInstance`: the kernel and namespace this daemon runs in. Statuses are stamped with it, and a status from
   * another one is dropped at load (as libvirt's status under /run goes with a reboot). Unset: none are dropped.
   */
  constructor(
    configDir: string,
    stateDir: string,
    private readonly hostInstance?: string,
  ) {
    // absolute, like libvirt: autostart links point at the absolute path of the definition
    this.networksDir = join(resolve(configDir), 'networks');
    this.autostartDir = join(this.networksDir, 'autostart');
    this.statusDir = join(resolve(stateDir), 'networks');
    for (const d of [this.networksDir, this.autostartDir, this.statusDir])
      mkdirSync(d, { recursive: true, mode: 0o755 });
  }

  configFile(name: string): string {
    return join(this.networksDir, `${networkFileName(name)}.xml`);
  }

  autostartLink(name: string): string {
    return join(this.autostartDir, `${networkFileName(name)}.xml`);
  }

  /** Every definition file, with its autostart flag; files that fail to read are reported, not fatal. */
  loadDefinitions(): StoredDefinition[] {
    const out: StoredDefinition[] = [];
    for (const f of readdirSync(this.networksDir).sort()) {
      if (!f.endsWith('.xml')) continue;
      const name = networkNameFromFileName(f.slice(0, -4)) ?? this.migrateLegacyName(f.slice(0, -4));
      if (name === undefined) continue;
      const file = this.configFile(name);
      out.push({
        name,
        file,
        xml: readFileSync(file, 'utf8'),
        autostart: lstatExists(this.autostartLink(name)),
      });
    }
    return out;
  }

  /** Files written before names were encoded carry the raw name: renamed (with the autostart link) once. */
  private migrateLegacyName(raw: string): string | undefined {
    const to = this.configFile(raw);
    if (lstatExists(to)) return undefined;
    renameSync(join(this.networksDir, `${raw}.xml`), to);
    const link = join(this.autostartDir, `${raw}.xml`);
    if (lstatExists(link)) {
      symlinkAtomic(to, this.autostartLink(raw));
      removeDurably(link);
    }
    return raw;
  }

  saveDefinition(def: NetworkDef): void {
    writeFileAtomic(
      this.configFile(def.name),
      HEADER(def.name) + formatNetworkXml(def, { inactive: true }),
      0o600,
    );
  }

  deleteDefinition(name: string): void {
    removeDurably(this.autostartLink(name));
    removeDurably(this.configFile(name));
  }

  setAutostart(name: string, on: boolean): void {
    if (on) symlinkAtomic(this.configFile(name), this.autostartLink(name));
    else removeDurably(this.autostartLink(name));
  }

  /** False for a status this daemon should stamp again (written before statuses carried where they were true). */
  stamped(status: ActiveStatus): boolean {
    return !this.hostInstance || status.host === this.hostInstance;
  }

  loadStatuses(stale: (name: string) => void = () => {}): Map<string, ActiveStatus> {
    const out = new Map<string, ActiveStatus>();
    for (const f of readdirSync(this.statusDir)) {
      const name = f.endsWith('.json') ? networkNameFromFileName(f.slice(0, -5)) : undefined;
      if (name === undefined) continue;
      let status: ActiveStatus;
      try {
        status = JSON.parse(readFileSync(join(this.statusDir, f), 'utf8')) as ActiveStatus;
      } catch {
        // a status we cannot read describes nothing we can adopt
        continue;
      }
      // (a status without the stamp was written before it existed: adopt it as before)
      if (this.hostInstance && status.host && status.host !== this.hostInstance) {
        this.deleteStatus(name);
        stale(name);
        continue;
      }
      out.set(name, status);
    }
    return out;
  }

  /**
   * Not fsynced (still atomic): a status outlives a daemon crash in the page cache, and after a power loss there
   * is no running network left to describe; an fsync was a good part of each start's time.
   */
  saveStatus(name: string, status: ActiveStatus): void {
    const stamped = this.hostInstance ? { ...status, host: this.hostInstance } : status;
    writeFileAtomic(
      join(this.statusDir, `${networkFileName(name)}.json`),
      `${JSON.stringify(stamped, null, 2)}\n`,
      0o600,
      false,
    );
  }

  deleteStatus(name: string): void {
    removeDurably(join(this.statusDir, `${networkFileName(name)}.json`));
  }

  private get portDir(): string {
    const d = join(this.statusDir, '..', 'ports');
    mkdirSync(d, { recursive: true });
    return d;
  }

  /** Ports of active networks, kept across daemon restarts (<state-dir>/ports/UUID.json). */
  loadPorts(): PortInfo[] {
    const out: PortInfo[] = [];
    for (const f of readdirSync(this.portDir).sort()) {
      if (!f.endsWith('.json') || f.startsWith('.')) continue;
      try {
        out.push(JSON.parse(readFileSync(join(this.portDir, f), 'utf8')) as PortInfo);
      } catch {
        // unreadable: nothing to restore
      }
    }
    return out;
  }

  savePort(port: PortInfo): void {
    writeFileAtomic(join(this.portDir, `${port.uuid}.json`), `${JSON.stringify(port, null, 2)}\n`, 0o600);
  }

  deletePort(uuid: string): void {
    removeDurably(join(this.portDir, `${uuid}.json`));
  }
}

/** Presence of the autostart entry (a link, possibly dangling, or a file) is what counts. */
function lstatExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
