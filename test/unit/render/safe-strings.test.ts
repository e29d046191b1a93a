// Injection guards: every string that reaches a dnsmasq line is refused when it could add a line or an option.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isVirtError } from '../../../src/model/errors.js';
import type {
  DhcpDef,
  DhcpHost,
  DhcpRange,
  DnsDef,
  DnsForwarder,
  DnsHost,
  DnsSrv,
  DnsTxt,
  IpDef,
} from '../../../src/model/network-def.js';
import { emptyNetworkDef, type NetworkDef } from '../../../src/model/network-def.js';
import { assertIfName, assertSafeForDnsmasq } from '../../../src/model/safe-strings.js';
import { renderDnsmasqFiles } from '../../../src/render/dnsmasq-conf.js';

/** A network that uses every string field the guard checks, all with harmless values. */
function full(): NetworkDef {
  const def = emptyNetworkDef('default');
  def.bridge = { name: 'virbr0' };
  def.domain = { name: 'example.com' };
  def.dns = {
    forwarders: [{ addr: '8.8.8.8', domain: 'corp.example' }],
    txts: [{ name: 'example', value: 'some text, with a comma' }],
    srvs: [
      { service: 'ldap', protocol: 'tcp', domain: 'example.com', target: 'ldap.example.com', port: 389 },
    ],
    hosts: [{ ip: '192.168.122.2', hostnames: ['myhost', 'myhost.example.com'] }],
  };
  def.ips.push(
    {
      address: '192.168.122.1',
      prefix: 24,
      tftpRoot: '/srv/tftp',
      dhcp: {
        ranges: [{ start: '192.168.122.2', end: '192.168.122.254' }],
        hosts: [{ mac: '52:54:00:aa:bb:cc', name: 'guest-1', ip: '192.168.122.10' }],
        bootp: { file: 'pxelinux.0', server: '192.168.122.1' },
      },
    },
    {
      family: 'ipv6',
      address: 'fd00::1',
      prefix: 64,
      dhcp: { ranges: [], hosts: [{ id: '0:3:0:1:0:16:3e:11:22:33', name: 'g6', ip: 'fd00::22' }] },
    },
  );
  def.dnsmasqOptions.push('log-queries', 'cname=a.example.com,b.example.com');
  return def;
}

/** Named handles on the parts of full() that the cases change. */
function parts(x: NetworkDef) {
  const dns = x.dns as DnsDef;
  const v4 = x.ips[0] as IpDef;
  const dhcp4 = v4.dhcp as DhcpDef;
  return {
    fwd: dns.forwarders[0] as DnsForwarder,
    txt: dns.txts[0] as DnsTxt,
    srv: dns.srvs[0] as DnsSrv,
    dnsHost: dns.hosts[0] as DnsHost,
    v4,
    bootp: dhcp4.bootp as { file: string; server?: string },
    range: dhcp4.ranges[0] as DhcpRange,
    h4: dhcp4.hosts[0] as DhcpHost,
    h6: ((x.ips[1] as IpDef).dhcp as DhcpDef).hosts[0] as DhcpHost,
  };
}
type Mutation = (def: NetworkDef, p: ReturnType<typeof parts>) => void;

const paths = { pidFile: '/run/x.pid', hostsFile: '/x.hostsfile', addnHostsFile: '/x.addnhosts' };

function refuses(mutate: Mutation, field: RegExp): void {
  const def = full();
  mutate(def, parts(def));
  const check = (e: unknown) => {
    assert.ok(isVirtError(e), String(e));
    assert.equal(e.code, 'CONFIG_UNSUPPORTED');
    assert.match(e.message, field);
    assert.doesNotMatch(e.message, /\n/, 'the message itself stays on one line');
    return true;
  };
  assert.throws(() => assertSafeForDnsmasq(def), check);
  // the renderer runs the guard itself: no path renders an unsafe definition
  assert.throws(() => renderDnsmasqFiles(def, paths), check);
}

const INJECT = 'x\nserver=1.2.3.4';

test('a definition with ordinary values passes and renders', () => {
  assert.doesNotThrow(() => assertSafeForDnsmasq(full()));
  const conf = renderDnsmasqFiles(full(), paths).conf;
  assert.match(conf, /^txt-record=example,some text, with a comma$/m);
  assert.match(conf, /^cname=a.example.com,b.example.com$/m);
});

describe('rejections', () => {
  const cases: Array<[string, Mutation, RegExp]> = [
    [
      'network name with a newline',
      (x, _p) => {
        x.name = INJECT;
      },
      /network name 'x\\nserver=1\.2\.3\.4'/,
    ],
    [
      'network name with NUL',
      (x, _p) => {
        x.name = 'a\0b';
      },
      /network name .*control character/,
    ],
    [
      'network name with /',
      (x, _p) => {
        x.name = '../etc';
      },
      /network name '\.\.\/etc'/,
    ],
    [
      'bridge name with a newline',
      (x, _p) => {
        x.bridge = { name: 'br\nx' };
      },
      /bridge name/,
    ],
    [
      'bridge name too long',
      (x, _p) => {
        x.bridge = { name: 'b123456789012345' };
      },
      /bridge name/,
    ],
    [
      'domain with a space',
      (x, _p) => {
        x.domain = { name: 'exa mple.com' };
      },
      /domain name 'exa mple\.com'/,
    ],
    [
      'domain with a newline',
      (x, _p) => {
        x.domain = { name: INJECT };
      },
      /domain name/,
    ],
    [
      'forwarder domain with /',
      (_x, p) => {
        p.fwd.domain = 'a/1.2.3.4';
      },
      /forwarder domain/,
    ],
    [
      'forwarder address injection',
      (_x, p) => {
        p.fwd.addr = `1.1.1.1\nport=0`;
      },
      /forwarder address/,
    ],
    [
      'TXT name with a comma',
      (_x, p) => {
        p.txt.name = 'a,b';
      },
      /TXT record name 'a,b'.*','/,
    ],
    [
      'TXT value with a newline',
      (_x, p) => {
        p.txt.value = INJECT;
      },
      /TXT record value/,
    ],
    [
      'SRV service with a comma',
      (_x, p) => {
        p.srv.service = 'ldap,x';
      },
      /SRV service/,
    ],
    [
      'SRV protocol with a newline',
      (_x, p) => {
        p.srv.protocol = 'tcp\nx';
      },
      /SRV protocol/,
    ],
    [
      'SRV domain with a comma',
      (_x, p) => {
        p.srv.domain = 'a,b';
      },
      /SRV domain/,
    ],
    [
      'SRV target with a newline',
      (_x, p) => {
        p.srv.target = INJECT;
      },
      /SRV target/,
    ],
    [
      'DNS host name with a tab',
      (_x, p) => {
        p.dnsHost.hostnames[1] = 'a\tb';
      },
      /DNS host name/,
    ],
    [
      'DNS host address injection',
      (_x, p) => {
        p.dnsHost.ip = '1.2.3.4 evil';
      },
      /DNS host address/,
    ],
    [
      'tftp root with a newline',
      (_x, p) => {
        p.v4.tftpRoot = `/srv\n${INJECT}`;
      },
      /tftp root/,
    ],
    [
      'tftp root with a comma',
      (_x, p) => {
        p.v4.tftpRoot = '/srv,eth0';
      },
      /tftp root '\/srv,eth0'/,
    ],
    [
      'bootp file with a comma',
      (_x, p) => {
        p.bootp.file = 'a,,9.9.9.9';
      },
      /bootp file/,
    ],
    [
      'bootp server not an address',
      (_x, p) => {
        p.bootp.server = 'a\nb';
      },
      /bootp server/,
    ],
    [
      'DHCP range start injection',
      (_x, p) => {
        p.range.start = INJECT;
      },
      /DHCP range start/,
    ],
    [
      'DHCP range end injection',
      (_x, p) => {
        p.range.end = '1.2.3.4,x';
      },
      /DHCP range end/,
    ],
    [
      'DHCP host name with a comma',
      (_x, p) => {
        p.h4.name = 'a,b';
      },
      /DHCP host name 'a,b'/,
    ],
    [
      'DHCP host name with a newline',
      (_x, p) => {
        p.h4.name = INJECT;
      },
      /DHCP host name/,
    ],
    [
      'DHCP host MAC injection',
      (_x, p) => {
        p.h4.mac = '52:54:00:aa:bb:cc,x';
      },
      /DHCP host MAC/,
    ],
    [
      'DHCP host address injection',
      (_x, p) => {
        p.h4.ip = '1.2.3.4\nx';
      },
      /DHCP host address/,
    ],
    [
      'DHCPv6 id injection',
      (_x, p) => {
        p.h6.id = '0:3,[::1]';
      },
      /DHCP host id/,
    ],
    [
      'dnsmasq option with a newline',
      (x, _p) => {
        x.dnsmasqOptions.push(`log-queries\n${INJECT}`);
      },
      /dnsmasq option/,
    ],
    [
      'dnsmasq option with CR',
      (x, _p) => {
        x.dnsmasqOptions.push('a\rb');
      },
      /dnsmasq option/,
    ],
  ];
  for (const [name, mutate, field] of cases) test(name, () => refuses(mutate, field));
});

describe('assertIfName', () => {
  for (const ok of ['virbr0', 'eth0.100', 'br-lan_1', 'a', 'x23456789012345']) {
    test(`accepts ${ok}`, () => assert.doesNotThrow(() => assertIfName(ok, 'forward dev')));
  }
  for (const badName of ['', '.', '..', 'x234567890123456', 'a/b', 'a b', 'a\nb', 'eth0;x', 'a:1', 'a\0']) {
    test(`refuses ${JSON.stringify(badName)}`, () =>
      assert.throws(
        () => assertIfName(badName, 'forward dev'),
        (e) =>
          isVirtError(e) &&
          e.code === 'CONFIG_UNSUPPORTED' &&
          /^.*forward dev '.*' is not a valid interface name$/.test(e.message),
      ));
  }
});
