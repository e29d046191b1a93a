// libvirt 9.0 on thousands of generated shapes (scripts/conformance/gen-shapes.mjs, recorded by record-libvirt.mjs):
// every shape libvirt accepted formats byte for byte as it printed it, every refusal is refused with its message.
// Known differences are listed with the reason in libvirt-9.0/generated/differences.json; a listed shape that
// now matches fails the test too, so that list only shrinks.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { pciSysfsPath } from '../../../src/host/pci-probe.js';
import { isVirtError } from '../../../src/model/errors.js';
import type { PciProbe } from '../../../src/model/network-hostdev.js';
import { pciLabel } from '../../../src/model/network-parse.js';
import { formatPortXml, parsePortXml } from '../../../src/model/port-def.js';
import { type DefineOutcome, defineOutcome, maskGenerated } from './libvirt-define.js';

const ROOT = join(import.meta.dirname, '../../../..');
const DIR = join(ROOT, 'test/fixtures/conformance/libvirt-9.0/generated');

interface Recorded {
  id: string;
  input: string;
  schemaValid?: boolean;
  output?: string;
  error?: string;
}

type Kind = 'output' | 'accepts' | 'refuses' | 'message';
interface Difference {
  kind: Kind;
  reason: string;
  ids: string[];
}

const readJsonl = (file: string): Recorded[] =>
  readFileSync(join(DIR, file), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Recorded);

const differences = JSON.parse(readFileSync(join(DIR, 'differences.json'), 'utf8')) as Record<
  'networks' | 'ports',
  Difference[]
>;

/** The PCI addresses that libvirtd saw as SR-IOV virtual functions while recording (a fake sysfs, see libvirt-ns.sh). */
const fakeVfs = new Set(JSON.parse(readFileSync(join(DIR, 'fake-vfs.json'), 'utf8')) as string[]);
const recordedHost: PciProbe = { isSriovVf: (a) => fakeVfs.has(pciLabel(a)), sysfsPath: pciSysfsPath };

function portOutcome(xml: string): DefineOutcome {
  try {
    return { output: `${formatPortXml(parsePortXml(xml, { requireUuid: true }))}\n` };
  } catch (e) {
    if (!isVirtError(e)) throw e;
    return { error: e.message };
  }
}

/** How virtnet's outcome differs from libvirt's, or undefined when it is the same. */
function compare(rec: Recorded, ours: DefineOutcome): { kind: Kind; detail: string } | undefined {
  if (rec.output !== undefined) {
    if ('error' in ours) return { kind: 'refuses', detail: `virtnet refused: ${ours.error}` };
    const actual = maskGenerated(ours.output, rec.output);
    if (actual === rec.output) return undefined;
    return { kind: 'output', detail: `expected:\n${rec.output}actual:\n${actual}` };
  }
  if ('output' in ours)
    return { kind: 'accepts', detail: `libvirt refused (${rec.error}); virtnet printed:\n${ours.output}` };
  if (ours.error === rec.error) return undefined;
  return { kind: 'message', detail: `libvirt: ${rec.error}\nvirtnet: ${ours.error}` };
}

/** Test groups: the kind of shape and the element (or forward mode) it is about. */
function groupOf(id: string): string {
  const [cat, a = '', b = ''] = id.split(':');
  if (['attr', 'element', 'text', 'missing', 'all-params', 'empty-params'].includes(cat))
    return `${cat} ${a.split('@')[0].replace(/\[.*?\]/g, '')}`;
  if (cat === 'pair' || cat === 'mix') return `${cat} ${a.split('+')[0]}`;
  if (cat === 'order') return `order ${b.split('+')[0]}`;
  return cat;
}

function suite(title: string, file: string, list: Difference[], run: (xml: string) => DefineOutcome) {
  const records = readJsonl(file);
  const known = new Map<string, Difference>();
  for (const d of list) for (const id of d.ids) known.set(id, d);
  const counts = {
    total: records.length,
    same: 0,
    known: 0,
    accepted: 0,
    acceptedSame: 0,
    refused: 0,
    refusedBoth: 0,
    messageSame: 0,
  };
  describe(title, () => {
    test('differences.json names only recorded shapes, each once', () => {
      const ids = new Set(records.map((r) => r.id));
      const listed = list.flatMap((d) => d.ids);
      assert.deepEqual(
        listed.filter((id) => !ids.has(id)),
        [],
        'listed but not recorded',
      );
      assert.deepEqual(
        listed.filter((id, i) => listed.indexOf(id) !== i),
        [],
        'listed twice',
      );
    });
    const groups = new Map<string, Recorded[]>();
    for (const r of records) groups.set(groupOf(r.id), [...(groups.get(groupOf(r.id)) ?? []), r]);
    for (const [group, recs] of groups) {
      test(`${group}: ${recs.length} shapes as libvirt 9.0`, () => {
        const problems: string[] = [];
        for (const rec of recs) {
          const ours = run(rec.input);
          const diff = compare(rec, ours);
          const listed = known.get(rec.id);
          if (rec.output !== undefined) counts.accepted++;
          else counts.refused++;
          if (rec.error !== undefined && 'error' in ours) counts.refusedBoth++;
          if (!diff) {
            counts.same++;
            if (rec.output !== undefined) counts.acceptedSame++;
            else counts.messageSame++;
            if (listed)
              problems.push(`${rec.id}: now the same as libvirt 9.0; remove it from differences.json`);
          } else if (listed?.kind === diff.kind) counts.known++;
          else {
            const was = listed ? ` (listed as '${listed.kind}')` : '';
            problems.push(`${rec.id}: ${diff.kind}${was}\ninput:\n${rec.input}${diff.detail}`);
          }
        }
        assert.equal(
          problems.length,
          0,
          `${problems.length} of ${recs.length} differ:\n\n${problems.slice(0, 5).join('\n\n')}`,
        );
      });
    }
    after(() => {
      console.log(
        `${title}: ${counts.same}/${counts.total} identical to libvirt 9.0 (accepted ${counts.acceptedSame}/${counts.accepted} byte for byte; refused ${counts.refusedBoth}/${counts.refused}, same message ${counts.messageSame}); ${counts.known} listed differences`,
      );
    });
  });
}

suite('generated network shapes', 'networks.jsonl', differences.networks, (xml) =>
  defineOutcome(xml, recordedHost),
);
suite('generated network-port shapes', 'ports.jsonl', differences.ports, portOutcome);

test('the recorded fixtures hold exactly the shapes the generator makes (re-record after changing it)', async () => {
  const gen = (await import(pathToFileURL(join(ROOT, 'scripts/conformance/gen-shapes.mjs')).href)) as {
    generate(): Record<'networks' | 'ports', Array<{ id: string; xml: string }>>;
  };
  const shapes = gen.generate();
  for (const [kind, file] of [
    ['networks', 'networks.jsonl'],
    ['ports', 'ports.jsonl'],
  ] as const) {
    const recorded = readJsonl(file).map((r) => [r.id, r.input]);
    assert.deepEqual(
      recorded,
      shapes[kind].map((s) => [s.id, s.xml]),
      `${file} is out of date`,
    );
  }
});
