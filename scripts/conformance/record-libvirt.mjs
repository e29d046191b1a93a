#!/usr/bin/env node
// Runs every generated shape through libvirt 9.0 (libvirtd in a namespace of its own, see libvirt-ns.sh) and
// writes what it printed as fixtures for test/unit/model/conformance-generated.test.ts:
//   networks: virsh net-define [--validate], net-dumpxml --inactive, net-undefine — or the refusal;
//   ports: the port XML written as a status file of an active network, reloaded by a libvirtd restart (the
//          only way virsh 9.0 round-trips a port with a plug: net-port-create refuses one), then
//          net-port-dumpxml — or the parse error libvirtd logged for that file.
// Needs root and libvirt 9.0 (apt-get install libvirt-daemon-system libvirt-clients). Takes a few minutes.
//   node scripts/conformance/record-libvirt.mjs [OUT_DIR] [SCHEMA_DIR]

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FAKE_VFS } from './gen-bases.mjs';
import { generate } from './gen-shapes.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const OUT = process.argv[2] ?? join(here, '../../test/fixtures/conformance/libvirt-9.0/generated');
const NS = `vnlv-rec${process.pid}`;
const DIR = join(tmpdir(), `virtnet-libvirt-${NS}`);
const env = { ...process.env, LIBVIRT_NS: NS, LIBVIRT_NS_DIR: DIR, LIBVIRT_NS_FAKE_VFS: FAKE_VFS.join(' ') };
const URI = `qemu:///system?socket=${DIR}/run/libvirt-sock`;
const nsScript = (...args) =>
  execFileSync('bash', [join(here, 'libvirt-ns.sh'), ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });

function virsh(...args) {
  const r = spawnSync('virsh', ['-c', URI, ...args], { encoding: 'utf8' });
  return { ok: r.status === 0, out: r.stdout, err: r.stderr };
}

/**
 * virsh's message without "error: " and without the "Failed to define ..." line, continuation lines kept (a
 * libxml2 error shows the offending line and a caret; "invalid char in name: \n" ends in a newline).
 */
function message(stderr) {
  const text = stderr
    .replace(/^error: Failed to (define|create) network[^\n]*\n/, '')
    .replace(/^error: /, '');
  // virsh ends the message with a newline (and writes an empty line to stdout)
  return text.replace(/\n$/, '');
}

/** libvirt generates a UUID and a bridge MAC when the input has none: those are replaced by GENERATED. */
function mask(input, output) {
  let out = output;
  if (!/<uuid>\s*[^<\s][^<]*<\/uuid>/.test(input))
    out = out.replace(/^ {2}<uuid>[^<]*<\/uuid>$/m, '  <uuid>GENERATED</uuid>');
  if (!/<mac\s[^>]*address=(['"])[^'"]/.test(input))
    out = out.replace(/^ {2}<mac address='[^']*'\/>$/m, "  <mac address='GENERATED'/>");
  return out;
}

function recordNetworks(shapes, tmp) {
  const records = [];
  for (const [i, s] of shapes.entries()) {
    const file = join(tmp, 'net.xml');
    writeFileSync(file, s.xml);
    let schemaValid = true;
    let r = virsh('net-define', '--validate', file);
    if (!r.ok && /failed to validate against schema/.test(r.err)) {
      schemaValid = false;
      r = virsh('net-define', file);
    }
    const rec = { id: s.id, schemaValid, input: s.xml };
    if (r.ok) {
      const names = virsh('-q', 'net-list', '--all', '--name').out.split('\n').filter(Boolean);
      if (names.length !== 1)
        throw new Error(`${s.id}: expected one defined network, found ${names.join(', ')}`);
      const dump = virsh('net-dumpxml', '--inactive', names[0]);
      if (!dump.ok) throw new Error(`${s.id}: net-dumpxml failed: ${dump.err}`);
      rec.output = mask(s.xml, dump.out);
      if (!virsh('net-undefine', names[0]).ok) throw new Error(`${s.id}: net-undefine failed`);
    } else rec.error = message(r.err);
    records.push(rec);
    if (i % 200 === 0) process.stderr.write(`networks: ${i}/${shapes.length}\n`);
  }
  return records;
}

const PORT_NET = `<network>
  <name>portnet</name>
  <forward mode='bridge'/>
  <bridge name='vnbr0'/>
</network>
`;

function recordPorts(shapes, tmp) {
  nsScript('exec', 'ip', 'link', 'add', 'vnbr0', 'type', 'bridge');
  nsScript('exec', 'ip', 'link', 'set', 'vnbr0', 'up');
  writeFileSync(join(tmp, 'portnet.xml'), PORT_NET);
  for (const cmd of [
    ['net-define', join(tmp, 'portnet.xml')],
    ['net-start', 'portnet'],
  ]) {
    const r = virsh(...cmd);
    if (!r.ok) throw new Error(`${cmd[0]} portnet: ${r.err}`);
  }
  const portDir = join(DIR, 'run/network/portnet/ports');
  mkdirSync(portDir, { recursive: true });
  const fileOf = (i) => `5d744f21-ba4a-4d6e-bdb2-${i.toString(16).padStart(12, '0')}`;
  for (const [i, s] of shapes.entries()) writeFileSync(join(portDir, `${fileOf(i)}.xml`), s.xml);
  const logFile = join(DIR, 'libvirtd.log');
  const before = readFileSync(logFile, 'latin1').length;
  nsScript('restart');
  const log = readFileSync(logFile, 'latin1').slice(before).split('\n');
  const errors = new Map();
  log.forEach((line, n) => {
    const m = /Cannot parse port \/run\/libvirt\/network\/portnet\/ports\/([0-9a-f-]+)\.xml/.exec(line);
    if (!m) return;
    const prev = log
      .slice(0, n)
      .reverse()
      .find((l) => / error : /.test(l));
    errors.set(m[1], prev ? prev.replace(/^.* error : [^:]+:\d+ : /, '') : 'unknown');
  });
  const loaded = new Set(
    virsh('-q', 'net-port-list', 'portnet', '--uuid')
      .out.split('\n')
      .map((l) => l.trim())
      .filter(Boolean),
  );
  const records = [];
  shapes.forEach((s, i) => {
    const rec = { id: s.id, input: s.xml };
    const uuid = /<uuid>([^<]*)<\/uuid>/.exec(s.xml)?.[1];
    const canonical =
      uuid && /^[0-9a-f]{32}$/i.test(uuid.replace(/-/g, ''))
        ? uuid
            .toLowerCase()
            .replace(/-/g, '')
            .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5')
        : undefined;
    if (canonical && loaded.has(canonical)) {
      const d = virsh('net-port-dumpxml', 'portnet', canonical);
      if (!d.ok) throw new Error(`${s.id}: net-port-dumpxml: ${d.err}`);
      rec.output = d.out;
    } else {
      const e = errors.get(fileOf(i));
      if (!e) throw new Error(`${s.id}: not loaded and no parse error logged`);
      rec.error = e;
    }
    records.push(rec);
  });
  return records;
}

function main() {
  if (process.getuid?.() !== 0)
    throw new Error('record-libvirt: run as root (it starts libvirtd in a namespace)');
  const { networks, ports } = generate(process.argv[3]);
  const tmp = mkdtempSync(join(tmpdir(), 'virtnet-rec-'));
  const cleanup = () => {
    try {
      nsScript('stop');
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  };
  process.on('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  nsScript('start');
  try {
    const leftover = virsh('-q', 'net-list', '--all', '--name').out.trim();
    if (leftover) throw new Error(`the private store is not empty: ${leftover}`);
    const netRecords = recordNetworks(networks, tmp);
    const portRecords = recordPorts(ports, tmp);
    mkdirSync(OUT, { recursive: true });
    for (const f of readdirSync(OUT)) if (f.endsWith('.jsonl')) rmSync(join(OUT, f));
    writeFileSync(join(OUT, 'networks.jsonl'), netRecords.map((r) => JSON.stringify(r)).join('\n') + '\n');
    writeFileSync(join(OUT, 'ports.jsonl'), portRecords.map((r) => JSON.stringify(r)).join('\n') + '\n');
    writeFileSync(join(OUT, 'fake-vfs.json'), `${JSON.stringify(FAKE_VFS, null, 2)}\n`);
    const count = (rs) =>
      `${rs.length} (${rs.filter((r) => r.output).length} accepted, ${rs.filter((r) => r.error).length} refused)`;
    console.log(
      `networks ${count(netRecords)}, schema-valid ${netRecords.filter((r) => r.schemaValid).length}; ports ${count(portRecords)}; written to ${OUT}`,
    );
  } finally {
    cleanup();
  }
}

main();
