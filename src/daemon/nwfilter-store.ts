// Where traffic filters live, in libvirt's layout: definitions in <config-dir>/nwfilter/NAME.xml (with libvirt's
// "auto-generated" header), bindings (live objects) in <state-dir>/nwfilter-binding/PORTDEV.xml as
// <filterbindingstatus>, so a restarted daemon re-applies them. Written atomically; NAME and PORTDEV encoded as
// network names are (networkFileName: injective, no '/', no dot file).

import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { removeDurably, writeFileAtomic } from '../host/atomic-file.js';
import { formatNwfilterBindingXml, type NwfilterBindingDef } from '../model/nwfilter-binding.js';
import type { NwfilterDef } from '../model/nwfilter-def.js';
import { formatNwfilterXml } from '../model/nwfilter-format.js';
import { networkFileName, networkNameFromFileName } from '../model/safe-strings.js';

const HEADER = (name: string) =>
  `<!--
WARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE
OVERWRITTEN AND LOST. Changes to this xml configuration should be made using:
  virtnet nwfilter-edit ${name}
or other application using the virtnet API.
-->

`;

export interface StoredFile {
  /** The name the file stands for (decoded); the file's own stem when it is not one networkFileName makes. */
  name: string;
  file: string;
  xml: string;
}

/** What a binding's status file holds besides libvirt's binding XML: the port's id in packet marks. */
export interface BindingStatus {
  xml: string;
  markId?: number;
}

export class NwfilterStore {
  readonly filtersDir: string;
  readonly bindingsDir: string;
  /** True when the filter directory did not exist yet (first start: install the standard filters). */
  readonly firstStart: boolean;

  constructor(configDir: string, stateDir: string) {
    this.filtersDir = join(resolve(configDir), 'nwfilter');
    this.bindingsDir = join(resolve(stateDir), 'nwfilter-binding');
    this.firstStart = !existsSync(this.filtersDir);
    for (const d of [this.filtersDir, this.bindingsDir]) mkdirSync(d, { recursive: true, mode: 0o755 });
  }

  /** Copies the package's filter files (without UUIDs) into the filter directory, as a package install does. */
  installStandard(packageDir: string): string[] {
    const names: string[] = [];
    for (const f of readdirSync(packageDir).sort()) {
      if (!f.endsWith('.xml')) continue;
      copyFileSync(join(packageDir, f), join(this.filtersDir, f));
      names.push(f.slice(0, -4));
    }
    return names;
  }

  loadFilters(): StoredFile[] {
    return readXmlFiles(this.filtersDir);
  }

  filterFile(name: string): string {
    return join(this.filtersDir, `${networkFileName(name)}.xml`);
  }

  bindingFile(portdev: string): string {
    return join(this.bindingsDir, `${networkFileName(portdev)}.xml`);
  }

  saveFilter(def: NwfilterDef): void {
    writeFileAtomic(this.filterFile(def.name), HEADER(def.name) + formatNwfilterXml(def), 0o600);
  }

  deleteFilter(name: string): void {
    removeDurably(this.filterFile(name));
  }

  loadBindings(): Array<StoredFile & BindingStatus> {
    return readXmlFiles(this.bindingsDir).map((f) => {
      const inner = /<filterbinding>[\s\S]*<\/filterbinding>\n?/.exec(f.xml)?.[0] ?? f.xml;
      const mark = /<virtnet mark='(\d+)'\/>/.exec(f.xml)?.[1];
      return { ...f, xml: inner, ...(mark ? { markId: Number(mark) } : {}) };
    });
  }

  saveBinding(def: NwfilterBindingDef, markId?: number): void {
    const inner = formatNwfilterBindingXml(def)
      .split('\n')
      .map((l) => (l ? `  ${l}` : l))
      .join('\n');
    const extra = markId !== undefined ? `  <virtnet mark='${markId}'/>\n` : '';
    writeFileAtomic(
      this.bindingFile(def.portdev),
      `<filterbindingstatus>\n${inner}${extra}</filterbindingstatus>\n`,
      0o600,
    );
  }

  deleteBinding(portdev: string): void {
    removeDurably(this.bindingFile(portdev));
  }
}

function readXmlFiles(dir: string): StoredFile[] {
  const out: StoredFile[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith('.xml') || f.startsWith('.')) continue;
    const file = join(dir, f);
    try {
      const stem = f.slice(0, -4);
      out.push({ name: networkNameFromFileName(stem) ?? stem, file, xml: readFileSync(file, 'utf8') });
    } catch {
      // unreadable: reported by the caller as a missing definition
    }
  }
  return out;
}
