// net-update against libvirt's own vectors (tests/networkxml2xmlupdatetest.c): base network + update snippet →
// the expected definition, byte for byte; every DO_TEST_FAIL refuses.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { isVirtError } from '../../../src/model/errors.js';
import { formatNetworkXml } from '../../../src/model/network-format.js';
import { parseNetworkXml } from '../../../src/model/network-parse.js';
import { updateNetworkDef } from '../../../src/model/network-update.js';

const LIBVIRT = join(import.meta.dirname, '../../../../test/fixtures/conformance/libvirt');
const IN = join(LIBVIRT, 'networkxml2xmlin');
const UPDATE_IN = join(LIBVIRT, 'networkxml2xmlupdatein');
const UPDATE_OUT = join(LIBVIRT, 'networkxml2xmlupdateout');

/**
 * libvirt's networkxml2xmlin here lacks these bases (or holds an older nat-network.xml, without the four extra
 * <ip> elements the update vectors were made with); libvirt's own expected outputs hold the same networks.
 */
const BASES_FROM_OUT = new Set(['nat-network-dns-srv-record', 'nat-network-dns-srv-records']);

/**
 * libvirt made these with bases this checkout does not have (its networkxml2xmlin/nat-network-dns-srv-record
 * holds seven SRV records, nat-network-dns-srv-records two); the outputs here cannot be reproduced from the
 * bases that exist, so they are skipped rather than faked.
 */
const BASE_MISSING = new Map([
  ...['append-srv-record-service', 'delete-srv-record-donkey', 'delete-srv-record-protocol'].map(
    (n) => [n, 'the SRV base networks libvirt used are missing from the vectors'] as const,
  ),
  // libvirt's newer openvswitch-net.xml has a third portgroup ('native') that this checkout's copy lacks
  ...['insert-portgroup', 'modify-portgroup', 'delete-portgroup'].map(
    (n) => [n, "this checkout's openvswitch-net.xml predates the 'native' portgroup"] as const,
  ),
]);

function base(name: string): string {
  return readFileSync(join(BASES_FROM_OUT.has(name) ? UPDATE_OUT : IN, `${name}.xml`), 'utf8');
}

/** The elements a section's update can change, as text: <dhcp>, <dns>, <forward> or <portgroup> blocks. */
const SECTION_TAG: Record<string, string> = {
  'ip-dhcp-host': 'dhcp',
  'ip-dhcp-range': 'dhcp',
  'forward-interface': 'forward',
  portgroup: 'portgroup',
  'dns-host': 'dns',
  'dns-txt': 'dns',
  'dns-srv': 'dns',
};

function blocks(xml: string, tag: string): string {
  const out: string[] = [];
  let end: string | undefined;
  for (const line of xml.split('\n')) {
    if (end !== undefined) {
      out.push(line);
      if (line === end) end = undefined;
      continue;
    }
    const m = new RegExp(`^( *)<${tag}[ >/]`).exec(line);
    if (!m) continue;
    out.push(line);
    if (!line.endsWith('/>')) end = `${m[1]}</${tag}>`;
  }
  return out.join('\n');
}

/** One vector file was written by an older formatter (`<ip ...>` + `</ip>` for an empty ip); same content. */
function normalize(xml: string): string {
  return xml.replace(/^( *)<ip ([^>]*[^/])>\n\1<\/ip>$/gm, '$1<ip $2/>');
}

function run(netxml: string, updatexml: string, command: string, section: string, index?: number): string {
  const def = parseNetworkXml(base(netxml));
  const snippet = readFileSync(join(UPDATE_IN, `${updatexml}.xml`), 'utf8');
  const before = formatNetworkXml(def, { inactive: true });
  const out = updateNetworkDef(def, command, section, snippet, index);
  // the input stays untouched
  assert.equal(formatNetworkXml(def, { inactive: true }), before);
  return formatNetworkXml(out, { inactive: true });
}

type Vector = [
  name: string,
  update: string,
  net: string,
  out: string | null,
  command: string,
  index?: number,
];

// [test name, update snippet, base network, expected output (null: must fail), command, parent index]
const VECTORS: Record<string, Vector[]> = {
  'ip-dhcp-host': [
    ['add-host-incomplete', 'host-incomplete', 'nat-network', null, 'add-last', 0],
    ['add-host-new-incomplete', 'host-new-incomplete', 'nat-network', null, 'add-last', 0],
    ['add-host-existing', 'host-existing', 'nat-network', null, 'add-last', 0],
    ['add-host-new', 'host-new', 'nat-network', 'nat-network-hosts', 'add-last', 0],
    ['modify-host-missing', 'host-new', 'nat-network', null, 'modify', 0],
    ['modify-host-incomplete', 'host-incomplete', 'nat-network', null, 'modify', 0],
    ['modify-host', 'host-updated', 'nat-network', 'nat-network-host-updated', 'modify', 0],
    ['delete-host-incomplete', 'host-incomplete', 'nat-network', 'nat-network-one-host', 'delete', 0],
    ['delete-host-existing', 'host-existing', 'nat-network', 'nat-network-one-host', 'delete', 0],
    ['delete-host-missing', 'host-new', 'nat-network', null, 'delete', 0],
  ],
  'ip-dhcp-range': [
    [
      'add-dhcp-range',
      'dhcp-range',
      'dhcp6host-routed-network',
      'dhcp6host-routed-network-range',
      'add-first',
      0,
    ],
    ['delete-dhcp-range', 'dhcp-range-existing', 'nat-network', 'nat-network-no-range', 'delete', 0],
    ['delete-dhcp-range-missing', 'dhcp-range', 'nat-network', null, 'delete', 0],
  ],
  'forward-interface': [
    // upstream's expected output (nat-network-forward-ifaces) is a NAT network with two forward interfaces, which
    // libvirt's own define refuses ("multiple forwarding interfaces specified"): virtnet refuses the update
    // instead of storing a definition that cannot be defined again (the fuzzer's round-trip rule)
    ['insert-forward-interface', 'interface-eth47', 'nat-network-dns-srv-record', null, 'add-first'],
    [
      'delete-forward-interface',
      'interface-eth1',
      'nat-network-dns-srv-record',
      'nat-network-no-forward-ifaces',
      'delete',
    ],
    ['delete-forward-interface-missing', 'interface-eth47', 'nat-network-dns-srv-record', null, 'delete'],
  ],
  portgroup: [
    [
      'insert-portgroup',
      'portgroup-alison',
      'openvswitch-net',
      'openvswitch-net-more-portgroups',
      'add-first',
    ],
    ['append-duplicate-portgroup', 'portgroup-alice-new', 'openvswitch-net', null, 'add-last'],
    ['modify-portgroup', 'portgroup-alice-new', 'openvswitch-net', 'openvswitch-net-modified', 'modify'],
    ['modify-missing-portgroup', 'portgroup-alison', 'openvswitch-net', null, 'modify'],
    ['delete-portgroup', 'portgroup-alice-new', 'openvswitch-net', 'openvswitch-net-without-alice', 'delete'],
    ['delete-missing-portgroup', 'portgroup-alice-new', 'nat-network-dns-srv-record', null, 'delete'],
  ],
  'dns-host': [
    ['insert-incomplete-host', 'dns-host-gateway-incomplete', 'nat-network-dns-hosts', null, 'add-first'],
    ['insert-host', 'dns-host-pudding', 'nat-network-dns-hosts', 'nat-network-dns-more-hosts', 'add-first'],
    ['delete-missing-unparsable-dns-host', 'unparsable-dns-host', 'nat-network', null, 'delete'],
    [
      'delete-dns-host',
      'dns-host-gateway-incomplete',
      'nat-network-dns-hosts',
      'nat-network-no-hosts',
      'delete',
    ],
    [
      'modify-dns-host',
      'dns-host-modify',
      'nat-network-dns-hosts',
      'nat-network-dns-hosts-modified',
      'modify',
    ],
    ['modify-dns-host-not-existing', 'dns-host-modify-not-existing', 'nat-network-dns-hosts', null, 'modify'],
  ],
  'dns-txt': [
    [
      'insert-dns-txt-record',
      'dns-txt-record-snowman',
      'nat-network-dns-txt-record',
      'nat-network-dns-txt-records',
      'add-first',
    ],
    [
      'append-duplicate-dns-txt-record',
      'dns-txt-record-example',
      'nat-network-dns-txt-record',
      null,
      'add-last',
    ],
    [
      'delete-dns-txt-record',
      'dns-txt-record-example',
      'nat-network-dns-txt-record',
      'nat-network-dns-txt-none',
      'delete',
    ],
    ['delete-missing-dns-txt-record', 'dns-txt-record-snowman', 'nat-network-dns-txt-record', null, 'delete'],
    [
      'modify-dns-txt-record',
      'dns-txt-record-modify-success',
      'nat-network-dns-txt-record',
      'nat-network-dns-txt-modify-ok',
      'modify',
    ],
    [
      'modify-missing-dns-txt-record',
      'dns-txt-record-modify-fail',
      'nat-network-dns-txt-record',
      null,
      'modify',
    ],
  ],
  'dns-srv': [
    [
      'insert-first-srv-record-service',
      'srv-record',
      'nat-network',
      'nat-network-dns-srv-record',
      'add-first',
    ],
    [
      'append-first-srv-record-service',
      'srv-record',
      'nat-network',
      'nat-network-dns-srv-record',
      'add-last',
    ],
    ['add-existing-dns-srv-record', 'srv-record', 'nat-network-dns-srv-record', null, 'add-last'],
    [
      'append-srv-record-service',
      'srv-record-donkey',
      'nat-network-dns-srv-record',
      'nat-network-dns-srv-records',
      'add-last',
    ],
    ['delete-missing-srv-record-service', 'srv-record-service', 'nat-network', null, 'delete'],
    ['delete-srv-record-invalid', 'srv-record-invalid', 'nat-network-dns-srv-record', null, 'delete'],
    [
      'delete-srv-record-donkey',
      'srv-record-donkey',
      'nat-network-dns-srv-records',
      'nat-network-dns-srv-record',
      'delete',
    ],
    [
      'delete-ambiguous-srv-record-service',
      'srv-record-service',
      'nat-network-dns-srv-records',
      null,
      'delete',
    ],
    [
      'delete-srv-record-protocol',
      'srv-record-protocol',
      'nat-network-dns-srv-record',
      'nat-network',
      'delete',
    ],
    [
      'modify-srv-record',
      'srv-record-modify-few',
      'nat-network-dns-srv-record',
      'nat-network-dns-srv-modify-few',
      'modify',
    ],
  ],
};

describe('net-update: libvirt networkxml2xmlupdate vectors', () => {
  const counts = { identical: 0, sectionIdentical: 0, refused: 0 };
  for (const [section, vectors] of Object.entries(VECTORS)) {
    for (const [name, update, net, out, command, index] of vectors) {
      const skip = BASE_MISSING.get(name) ?? false;
      test(`${section} ${name}`, { skip }, () => {
        if (out === null) {
          assert.throws(() => run(net, update, command, section, index), isVirtError);
          counts.refused++;
          return;
        }
        const expected = normalize(readFileSync(join(UPDATE_OUT, `${out}.xml`), 'utf8'));
        const actual = normalize(run(net, update, command, section, index));
        if (actual === expected) {
          counts.identical++;
          return;
        }
        // the rest differs only where this checkout's base file is older than the one libvirt made the
        // vector with (extra <ip>, <route>, <dns> elements); the updated section must still be identical
        const tag = SECTION_TAG[section] as string;
        assert.equal(blocks(actual, tag), blocks(expected, tag));
        counts.sectionIdentical++;
      });
    }
  }
  test('summary: every vector that ran was judged, and the results are those of libvirt 9.0', () => {
    const total = Object.values(VECTORS).reduce((n, v) => n + v.length, 0);
    console.log(
      `net-update vectors: ${counts.identical} identical, ${counts.sectionIdentical} identical in the updated section, ${counts.refused} refusals, of ${total} (${BASE_MISSING.size} skipped)`,
    );
    const refusals = Object.values(VECTORS)
      .flat()
      .filter(([name, , , out]) => out === null && !BASE_MISSING.has(name)).length;
    assert.equal(counts.refused, refusals, 'every refusal vector refused');
    assert.equal(
      counts.identical + counts.sectionIdentical + counts.refused,
      total - BASE_MISSING.size,
      'every vector that was not skipped passed one of the checks',
    );
    assert.ok(counts.identical >= 4, `whole documents identical: ${counts.identical}`);
  });
});

describe('net-update: messages and edge cases', () => {
  const nat = () => parseNetworkXml(base('nat-network'));
  const message = (fn: () => unknown): string => {
    try {
      fn();
    } catch (e) {
      if (isVirtError(e)) return e.message;
      throw e;
    }
    assert.fail('expected a refusal');
  };

  test('add refuses an existing host with libvirt words', () => {
    assert.equal(
      message(() =>
        updateNetworkDef(nat(), 'add', 'ip-dhcp-host', "<host mac='00:16:3e:77:e2:ed' ip='192.168.122.99'/>"),
      ),
      "Requested operation is not valid: there is an existing dhcp host entry in network 'default' that matches \"<host mac='00:16:3e:77:e2:ed' name='(null)' ip='192.168.122.99'/>\"",
    );
  });

  test('"add" is add-last and the default <ip> is the one with DHCP', () => {
    const out = updateNetworkDef(
      nat(),
      'add',
      'ip-dhcp-host',
      "<host mac='52:54:00:00:00:01' ip='192.168.122.50'/>",
    );
    assert.deepEqual(out.ips[0]?.dhcp?.hosts.at(-1), { mac: '52:54:00:00:00:01', ip: '192.168.122.50' });
  });

  test('parent index out of range', () => {
    assert.match(
      message(() =>
        updateNetworkDef(
          nat(),
          'add',
          'ip-dhcp-host',
          "<host mac='52:54:00:00:00:01' ip='192.168.122.50'/>",
          9,
        ),
      ),
      /no <ip> element found at index 9 in network 'default'/,
    );
  });

  test('wrong element, unknown command and section, unsupported sections', () => {
    assert.match(
      message(() => updateNetworkDef(nat(), 'add', 'ip-dhcp-host', "<range start='1.2.3.4' end='1.2.3.5'/>")),
      /unexpected element <range>, expecting <host>, while updating network 'default'/,
    );
    assert.match(
      message(() => updateNetworkDef(nat(), 'append', 'dns-host', '<host/>')),
      /unrecognized command name 'append'/,
    );
    assert.match(
      message(() => updateNetworkDef(nat(), 'add', 'dns', '<host/>')),
      /unrecognized section name 'dns'/,
    );
    assert.equal(
      message(() => updateNetworkDef(nat(), 'modify', 'bridge', "<bridge name='x'/>")),
      "Operation not supported: can't update 'bridge' section of network 'default'",
    );
    assert.match(
      message(() =>
        updateNetworkDef(
          nat(),
          'modify',
          'ip-dhcp-range',
          "<range start='192.168.122.2' end='192.168.122.254'/>",
        ),
      ),
      /dhcp ranges cannot be modified, only added or deleted/,
    );
  });

  test('a range outside the subnet is refused', () => {
    assert.match(
      message(() =>
        updateNetworkDef(nat(), 'add', 'ip-dhcp-range', "<range start='10.0.0.2' end='10.0.0.9'/>"),
      ),
      /not entirely within network/,
    );
  });

  test('dns-host add makes the dns section when there is none', () => {
    const out = updateNetworkDef(
      nat(),
      'add',
      'dns-host',
      "<host ip='192.168.122.7'><hostname>box</hostname></host>",
    );
    assert.deepEqual(out.dns?.hosts, [{ ip: '192.168.122.7', hostnames: ['box'] }]);
  });
});
