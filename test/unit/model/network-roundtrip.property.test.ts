// Property tests: formatNetworkXml and parseNetworkXml are inverse on canonical definitions.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { DhcpHost, DnsDef, IpDef, NetworkDef, RouteDef } from '../../../src/model/network-def.js';
import { formatNetworkXml } from '../../../src/model/network-format.js';
import { parseNetworkXml } from '../../../src/model/network-parse.js';
import { validateNetworkDef } from '../../../src/model/network-validate.js';

/** Drops properties whose value is undefined, so optional-but-absent equals missing. */
function normalise(def: NetworkDef): unknown {
  return JSON.parse(JSON.stringify(def));
}

const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/);
/** Free text including the characters that need escaping (no control characters: libvirt keeps them verbatim). */
const text = fc.stringMatching(/^[ -~]{1,20}$/).filter((s) => s.trim() === s && s !== '');
const hex2 = fc.integer({ min: 0, max: 255 }).map((n) => n.toString(16).padStart(2, '0'));
const unicastMac = fc
  .tuple(fc.integer({ min: 0, max: 127 }), hex2, hex2, hex2, hex2, hex2)
  .map(([a, ...r]) => [(a * 2).toString(16).padStart(2, '0'), ...r].join(':'));
const uuid = fc.uuid().map((u) => u.toLowerCase());

/** An IPv4 /24 network 10.N.M.1 with an optional dhcp range and hosts inside it. */
const ipv4 = fc
  .record({
    n: fc.integer({ min: 0, max: 255 }),
    m: fc.integer({ min: 0, max: 255 }),
    useNetmask: fc.boolean(),
    range: fc.option(fc.tuple(fc.integer({ min: 2, max: 120 }), fc.integer({ min: 0, max: 100 })), {
      nil: undefined,
    }),
    hosts: fc.array(fc.tuple(unicastMac, word, fc.integer({ min: 2, max: 254 })), { maxLength: 3 }),
    localPtr: fc.option(fc.boolean(), { nil: undefined }),
  })
  .map(({ n, m, useNetmask, range, hosts, localPtr }): IpDef => {
    const base = `10.${n}.${m}`;
    const ip: IpDef = { address: `${base}.1` };
    if (useNetmask) ip.netmask = '255.255.255.0';
    else ip.prefix = 24;
    if (localPtr !== undefined) ip.localPtr = localPtr;
    if (range || hosts.length) {
      ip.dhcp = { ranges: [], hosts: [] };
      if (range) ip.dhcp.ranges.push({ start: `${base}.${range[0]}`, end: `${base}.${range[0] + range[1]}` });
      const seen = new Set<string>();
      for (const [mac, name, last] of hosts) {
        if (seen.has(mac)) continue;
        seen.add(mac);
        const h: DhcpHost = { mac, name, ip: `${base}.${last}` };
        ip.dhcp.hosts.push(h);
      }
    }
    return ip;
  });

const ipv6 = fc
  .record({ a: fc.integer({ min: 1, max: 0xffff }), b: fc.integer({ min: 1, max: 0xffff }) })
  .map(
    ({ a, b }): IpDef => ({
      family: 'ipv6',
      address: `fd00:${a.toString(16)}:${b.toString(16)}::1`,
      prefix: 64,
    }),
  );

const dns: fc.Arbitrary<DnsDef> = fc
  .record({
    forwardPlainNames: fc.option(fc.boolean(), { nil: undefined }),
    // dnsmasq would read '"' as a quote and ' #' as a comment: the model refuses such TXT values
    txts: fc.array(fc.record({ name: word, value: text.filter((v) => !/"|(^|\s)#/.test(v)) }), {
      maxLength: 2,
    }),
    hosts: fc.array(
      fc.record({
        ip: fc
          .tuple(fc.integer({ min: 1, max: 254 }), fc.integer({ min: 1, max: 254 }))
          .map(([x, y]) => `192.168.${x}.${y}`),
        hostnames: fc.array(word, { minLength: 1, maxLength: 3 }),
      }),
      { maxLength: 2 },
    ),
    forwarders: fc.array(
      fc
        .tuple(fc.integer({ min: 1, max: 254 }), fc.option(word, { nil: undefined }))
        .map(([x, d]) => (d === undefined ? { addr: `8.8.4.${x}` } : { addr: `8.8.4.${x}`, domain: d })),
      { maxLength: 2 },
    ),
  })
  .map((d) => ({ ...d, srvs: [] }));

/** A valid L3 network (isolated, nat, route or open) as libvirt would print it back. */
const l3Network: fc.Arbitrary<NetworkDef> = fc
  .record({
    name: fc.stringMatching(/^[A-Za-z0-9_.:+-]{1,30}$/),
    uuid,
    mode: fc.constantFrom(undefined, 'nat', 'route', 'open'),
    bridge: fc.stringMatching(/^[a-z][a-z0-9]{0,13}$/),
    stp: fc.boolean(),
    delay: fc.integer({ min: 0, max: 30 }),
    mac: unicastMac,
    mtu: fc.option(fc.integer({ min: 68, max: 9000 }), { nil: undefined }),
    domain: fc.option(fc.record({ name: word, localOnly: fc.option(fc.boolean(), { nil: undefined }) }), {
      nil: undefined,
    }),
    dns: fc.option(dns, { nil: undefined }),
    v4: ipv4,
    v6: fc.option(ipv6, { nil: undefined }),
    route: fc.boolean(),
    dnsmasqOptions: fc.array(fc.stringMatching(/^[a-z-]{1,10}(=[a-z0-9,.]{1,10})?$/), { maxLength: 2 }),
  })
  .map((r): NetworkDef => {
    const def: NetworkDef = {
      name: r.name,
      uuid: r.uuid,
      ips: [r.v4],
      routes: [],
      portgroups: [],
      dnsmasqOptions: r.dnsmasqOptions,
      bridge: { name: r.bridge, stp: r.stp, delay: r.delay },
      mac: r.mac,
    };
    if (r.v6) def.ips.push(r.v6);
    if (r.mode) def.forward = { mode: r.mode, interfaces: [], pciAddresses: [] };
    if (r.mtu !== undefined) def.mtu = r.mtu;
    if (r.domain) def.domain = r.domain;
    const hasDns =
      r.dns &&
      (r.dns.forwardPlainNames !== undefined ||
        r.dns.txts.length ||
        r.dns.hosts.length ||
        r.dns.forwarders.length);
    if (r.dns && hasDns) def.dns = r.dns;
    if (r.route) {
      const gw = (r.v4.address as string).replace(/\.1$/, '.254');
      const route: RouteDef = { address: '172.30.0.0', prefix: 16, gateway: gw };
      def.routes.push(route);
    }
    return def;
  });

test('format → parse gives back the same definition (L3 networks)', () => {
  fc.assert(
    fc.property(l3Network, (def) => {
      const xml = formatNetworkXml(def);
      const back = parseNetworkXml(xml);
      validateNetworkDef(back);
      assert.deepEqual(normalise(back), normalise(def), xml);
    }),
    { numRuns: 300 },
  );
});

test('format → parse → format is stable (L3 networks)', () => {
  fc.assert(
    fc.property(l3Network, (def) => {
      const once = formatNetworkXml(def);
      assert.equal(formatNetworkXml(parseNetworkXml(once)), once);
      assert.ok(once.endsWith('</network>\n'));
    }),
    { numRuns: 300 },
  );
});

test('names with control characters or "/" never parse', () => {
  fc.assert(
    fc.property(
      fc.tuple(word, fc.constantFrom('/', '\n', '\r', '\t', '\u0001', '\u007f'), word),
      ([a, bad, b]) => {
        const name = `${a}${bad}${b}`.replace(/&/g, '&amp;').replace(/</g, '&lt;');
        // characters XML 1.0 forbids fail as malformed XML before the name check
        assert.throws(
          () => parseNetworkXml(`<network><name>${name}</name></network>`),
          (e: Error) => /^(invalid char in name|XML error: line 1, column \d+: )/.test(e.message),
        );
      },
    ),
    { numRuns: 100 },
  );
});

test('parse never throws anything but VirtError on arbitrary input', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (s) => {
      try {
        parseNetworkXml(`<network><name>n</name>${s}</network>`);
      } catch (e) {
        assert.equal((e as Error).name, 'VirtError', String(e));
      }
    }),
    { numRuns: 300 },
  );
});
