// The defined network filters: lookups by name or UUID, and libvirt's checks when a definition is assigned
// (virNWFilterObjListAssignDef: UUID and name must agree, no filter may reach itself).

import { randomBytes } from 'node:crypto';
import { VirtError } from '../model/errors.js';
import { filterRefs, type NwfilterDef } from '../model/nwfilter-def.js';
import { formatNwfilterXml } from '../model/nwfilter-format.js';
import { introducesLoop } from '../model/nwfilter-instantiate.js';
import { parseNwfilterXml, parseUuid } from '../model/nwfilter-parse.js';
import { nwfilterNameProblem } from '../model/safe-strings.js';
import { uuidFromRandom } from '../model/uuid.js';
import type { NwfilterStore } from './nwfilter-store.js';

export interface NwfilterInfo {
  name: string;
  uuid: string;
}

export class NwfilterRegistry {
  private readonly filters = new Map<string, NwfilterDef>();

  /** The filter of a name as defined now (what instantiation follows). */
  readonly lookup = (name: string): NwfilterDef | undefined => this.filters.get(name);

  /** Reads every definition file; one without UUID gets one, saved at once (as libvirt does). */
  load(store: NwfilterStore, log: (m: string) => void): void {
    for (const f of store.loadFilters()) {
      try {
        const def = parseNwfilterXml(f.xml);
        if (def.name !== f.name) {
          throw new VirtError(
            'XML_ERROR',
            `network filter config filename '${f.file}' does not match name '${def.name}'`,
          );
        }
        checkNames(def);
        if (!def.uuid) {
          def.uuid = this.newUuid();
          store.saveFilter(def);
        }
        this.assign(def);
        this.set(def);
      } catch (e) {
        log(`ignoring ${f.file}: ${(e as Error).message}`);
      }
    }
  }

  newUuid(): string {
    for (;;) {
      const u = uuidFromRandom(randomBytes(16));
      if (![...this.filters.values()].some((f) => f.uuid === u)) return u;
    }
  }

  /** libvirt's checks for a new definition; returns the definition it would replace. Changes nothing. */
  assign(def: NwfilterDef): NwfilterDef | undefined {
    const byUuid = [...this.filters.values()].find((f) => f.uuid === def.uuid);
    if (byUuid && byUuid.name !== def.name) {
      throw new VirtError(
        'NWFILTER_CONFLICT',
        `filter with same UUID but different name ('${byUuid.name}') already exists`,
      );
    }
    const byName = this.filters.get(def.name);
    if (!byUuid && byName) {
      throw new VirtError(
        'NWFILTER_CONFLICT',
        `filter '${def.name}' already exists with uuid ${byName.uuid}`,
      );
    }
    if (introducesLoop(def, this.lookup))
      throw new VirtError('NWFILTER_CONFLICT', 'filter would introduce a loop');
    return byName;
  }

  set(def: NwfilterDef): void {
    this.filters.set(def.name, def);
  }

  delete(name: string): void {
    this.filters.delete(name);
  }

  list(): NwfilterInfo[] {
    return [...this.filters.values()]
      .map((f) => ({ name: f.name, uuid: f.uuid }))
      .sort((a, b) => caseCmp(a.name, b.name));
  }

  /** A filter by UUID (when the text is one) or name, as virsh looks it up. */
  find(id: string): NwfilterDef {
    const uuid = id.length === 36 ? parseUuid(id) : undefined;
    const byUuid = uuid ? [...this.filters.values()].find((f) => f.uuid === uuid) : undefined;
    if (byUuid) return byUuid;
    const byName = this.filters.get(id);
    if (byName) return byName;
    throw new VirtError('NO_NWFILTER', `no nwfilter with matching name '${id}'`);
  }

  xml(id: string): string {
    return formatNwfilterXml(this.find(id));
  }
}

/** Filter names (its own and those it references) become file names: checked before anything is stored. */
export function checkNames(def: NwfilterDef): void {
  for (const n of [def.name, ...filterRefs(def)]) {
    const problem = nwfilterNameProblem(n);
    if (problem) throw new VirtError('CONFIG_UNSUPPORTED', problem);
  }
}

export function caseCmp(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}
