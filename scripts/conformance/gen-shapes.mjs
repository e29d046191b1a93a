#!/usr/bin/env node
// Generates the network and network-port XML shapes that record-libvirt.mjs runs through libvirt 9.0, from the
// 9.0 schemas (every element and attribute must be covered, or this fails). Deterministic: the same list on
// every run. `node scripts/conformance/gen-shapes.mjs [SCHEMA_DIR]` prints the counts and the coverage.

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { combos, reordered } from './gen-combos.mjs';
import { extras, styles } from './gen-extras.mjs';
import { portShapes } from './gen-ports.mjs';
import { singles } from './gen-singles.mjs';
import { readSchema } from './rng.mjs';
import { serialize } from './xml-tree.mjs';

/** The 9.0 schemas as copied into the project's fixtures (from ../shared/conformance/libvirt-9.0/schemas). */
export const DEFAULT_SCHEMAS = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../test/fixtures/conformance/libvirt-9.0/schemas',
);

function finish(list) {
  const seen = new Map();
  const ids = new Set();
  const out = [];
  for (const s of list) {
    const xml = s.xml ?? serialize(s.tree);
    if (seen.has(xml)) continue;
    if (ids.has(s.id)) throw new Error(`gen-shapes: duplicate id ${s.id}`);
    seen.set(xml, s.id);
    ids.add(s.id);
    out.push({ id: s.id, xml, ...(s.schema === false ? { schema: false } : {}) });
  }
  return out;
}

/** Every element path and attribute of a schema that no shape's document contains. */
function uncovered(schema, docs, root) {
  const missing = [];
  for (const [path, entry] of schema) {
    const segs = path.split('/');
    const last = segs.at(-1).replace(/^\{[^}]*\}/, '');
    if (last === '*') continue;
    const elRe = new RegExp(`<(?:[\\w-]+:)?${last.replace(/\./g, '\\.')}[\\s/>]`);
    const holders =
      segs.length === 1 ? docs.filter((d) => d.includes(`<${root}`)) : docs.filter((d) => elRe.test(d));
    if (holders.length === 0) missing.push(path);
    for (const a of entry.attributes.keys()) {
      const attrRe = new RegExp(`<(?:[\\w-]+:)?${last}\\b[^>]*\\s${a}=`);
      if (!holders.some((d) => attrRe.test(d))) missing.push(`${path}@${a}`);
    }
  }
  return missing;
}

/** {networks, ports}: lists of {id, xml, schema?} (schema: false marks shapes outside the 9.0 schema on purpose). */
export function generate(schemaDir = DEFAULT_SCHEMAS) {
  const netSchema = readSchema(join(schemaDir, 'network.rng'));
  const portSchema = readSchema(join(schemaDir, 'networkport.rng'));
  const single = singles(netSchema);
  const combined = combos();
  const networks = finish([...single, ...combined, ...reordered(combined), ...extras(), ...styles()]);
  const ports = finish(portShapes()).map((p, i) => ({ ...p, xml: withUuid(p.xml, i) }));
  const missing = [
    ...uncovered(
      netSchema,
      networks.map((s) => s.xml),
      'network',
    ),
    ...uncovered(
      portSchema,
      ports.map((s) => s.xml),
      'networkport',
    ),
  ];
  if (missing.length) throw new Error(`gen-shapes: not covered by any shape: ${missing.join(', ')}`);
  return { networks, ports, covered: { network: netSchema.size, networkport: portSchema.size } };
}

/** Port n gets UUID 5d744f21-ba4a-4d6e-bdb2-<n>, spelled as its token asks. */
function withUuid(xml, n) {
  const u = `5d744f21-ba4a-4d6e-bdb2-${n.toString(16).padStart(12, '0')}`;
  return xml
    .replace('@UUID@', u)
    .replace('@UUID_UPPER@', u.toUpperCase())
    .replace('@UUID_NODASH@', u.replace(/-/g, ''));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { networks, ports, covered } = generate(process.argv[2]);
  const by = {};
  for (const s of networks) by[s.id.split(':')[0]] = (by[s.id.split(':')[0]] ?? 0) + 1;
  console.log(
    `${networks.length} network shapes (${Object.entries(by)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')})`,
  );
  console.log(`${ports.length} network-port shapes`);
  console.log(
    `schema coverage: all ${covered.network} element paths of network.rng, ${covered.networkport} of networkport.rng, with every attribute`,
  );
}
