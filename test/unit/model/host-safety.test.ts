// The model's host-safety rules: network names encoded for file names (injective, no dot files, nothing dnsmasq
// reads specially), values dnsmasq would read differently, the dnsmasq option allowlist, XML bounds, and the one
// map from error code to HTTP status.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  assertDnsmasqOptionsAllowed,
  dnsmasqOptionName,
  unsafeDnsmasqOptions,
} from '../../../src/model/dnsmasq-options.js';
import { ERROR_HTTP_STATUS, VirtError } from '../../../src/model/errors.js';
import { emptyNetworkDef } from '../../../src/model/network-def.js';
import { parseNetworkXml } from '../../../src/model/network-parse.js';
import { checkStartable, validateNetworkDef } from '../../../src/model/network-validate.js';
import {
  assertNetworkNameFits,
  assertSafeForDnsmasq,
  MAX_NETWORK_FILE_NAME,
  networkFileName,
  networkNameFromFileName,
} from '../../../src/model/safe-strings.js';
import { parseXmlDocument, XML_LIMITS } from '../../../src/model/xml-dom.js';

describe('network file names', () => {
  test('plain names stay as they are; everything else is %XX, a leading dot included', () => {
    assert.equal(networkFileName('default'), 'default');
    assert.equal(networkFileName('my-net_2.lan'), 'my-net_2.lan');
    assert.equal(networkFileName('.hidden'), '%2Ehidden');
    assert.equal(networkFileName('a#b "c'), 'a%23b%20%22c');
    assert.equal(networkFileName('50%'), '50%25');
    assert.equal(networkFileName('über'), '%C3%BCber');
    assert.equal(networkFileName('..'), '%2E.');
  });

  test('are injective, decode back, and hold only characters safe in paths and dnsmasq lines (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }),
        fc.string({ minLength: 1, maxLength: 40 }),
        (a, b) => {
          const fa = networkFileName(a);
          assert.match(fa, /^[A-Za-z0-9_%-][A-Za-z0-9_.%-]*$/);
          assert.equal(networkNameFromFileName(fa), a);
          if (a !== b) assert.notEqual(fa, networkFileName(b));
        },
      ),
      { numRuns: 3000, seed: 99 },
    );
  });

  test('files that are not ours decode to nothing (temp files, raw legacy names)', () => {
    for (const f of ['.default.xml.123.tmp', '.x', 'a b', '%zz', '%2e', 'a%2Fb%'])
      assert.equal(networkNameFromFileName(f), undefined, f);
  });

  test('a name too long for its files is refused, with the limit', () => {
    assertNetworkNameFits('n'.repeat(MAX_NETWORK_FILE_NAME));
    assert.throws(() => assertNetworkNameFits('n'.repeat(MAX_NETWORK_FILE_NAME + 1)), /is too long/);
    assert.throws(() => assertNetworkNameFits('ü'.repeat(40)), /file names need 240 bytes, at most 200/);
  });
});

describe('values dnsmasq would read differently', () => {
  const withTxt = (value: string) => {
    const d = emptyNetworkDef('n');
    d.dns = { forwarders: [], txts: [{ name: 't.example', value }], srvs: [], hosts: [] };
    return d;
  };
  test('quotes, a comment after a blank, trailing blanks', () => {
    assertSafeForDnsmasq(withTxt('v=spf1 include:x#y, ok'));
    assert.throws(() => assertSafeForDnsmasq(withTxt('say "hi"')), /dnsmasq reads it as a quote/);
    assert.throws(() => assertSafeForDnsmasq(withTxt('a #b')), /dnsmasq reads a comment/);
    assert.throws(() => assertSafeForDnsmasq(withTxt('#b')), /dnsmasq reads a comment/);
    assert.throws(() => assertSafeForDnsmasq(withTxt('ends ')), /must not end in a blank/);
  });

  test('device names are defined as libvirt 9.0 does and refused when the network starts', () => {
    const net = (extra: string) =>
      parseNetworkXml(
        `<network><name>d</name><forward mode='nat' dev='${extra}'/><ip address='10.1.0.1' prefix='24'/></network>`,
      );
    checkStartable(net('eth0'));
    for (const dev of ['..', 'a:b', 'x'.repeat(16)]) {
      validateNetworkDef(net(dev));
      assert.throws(() => checkStartable(net(dev)), /forward dev/);
    }
  });
});

describe('dnsmasq options', () => {
  const def = (...options: string[]) => {
    const d = emptyNetworkDef('o');
    d.dnsmasqOptions = options;
    return d;
  };
  test('the name is read as dnsmasq reads it', () => {
    assert.equal(dnsmasqOptionName('  dhcp-script=/x'), 'dhcp-script');
    assert.equal(dnsmasqOptionName('enable-tftp'), 'enable-tftp');
    assert.equal(dnsmasqOptionName('cname = a,b'), 'cname');
  });

  test('only options on the allowlist pass without the flag; the flag helps only the full socket', () => {
    assert.deepEqual(unsafeDnsmasqOptions(def('cname=a,b', 'dhcp-option=3', 'log-queries')), []);
    const bad = def('cname=a,b', 'dhcp-script=/tmp/x', 'conf-dir=/etc');
    assert.deepEqual(
      unsafeDnsmasqOptions(bad).map((r) => r.name),
      ['dhcp-script', 'conf-dir'],
    );
    const refuse = (allowPrograms: boolean, fullAccess: boolean) => {
      try {
        assertDnsmasqOptionsAllowed(bad, { allowPrograms, fullAccess });
        return 'allowed';
      } catch (e) {
        assert.ok(e instanceof VirtError);
        assert.equal(e.code, 'OPERATION_DENIED');
        return e.message;
      }
    };
    assert.match(refuse(false, true), /'dhcp-script' runs a program as root.*--allow-dnsmasq-programs/);
    assert.match(refuse(true, false), /only on the read-write UNIX socket/);
    assert.match(refuse(false, false), /--allow-dnsmasq-programs/);
    assert.equal(refuse(true, true), 'allowed');
  });
});

describe('XML bounds', () => {
  test('depth, element count and attributes per element are bounded, with a position', () => {
    const deep = (n: number) => `${'<a>'.repeat(n)}${'</a>'.repeat(n)}`;
    parseXmlDocument(deep(XML_LIMITS.depth));
    assert.throws(() => parseXmlDocument(deep(XML_LIMITS.depth + 1)), /Excessive depth in document: 256/);
    assert.throws(
      () => parseXmlDocument(`<r>${'<x/>'.repeat(XML_LIMITS.elements)}</r>`),
      /more than 100000 elements/,
    );
    const attrs = (n: number) => `<a ${Array.from({ length: n }, (_, i) => `a${i}='1'`).join(' ')}/>`;
    parseXmlDocument(attrs(XML_LIMITS.attributesPerElement));
    assert.throws(
      () => parseXmlDocument(attrs(XML_LIMITS.attributesPerElement + 1)),
      /more than 256 attributes/,
    );
    // a million levels is refused just as fast, without touching the stack
    const t0 = performance.now();
    assert.throws(() => parseXmlDocument(deep(1_000_000)), /Excessive depth/);
    assert.ok(performance.now() - t0 < 2000);
  });
});

describe('error statuses', () => {
  test('conflicts 409, bad input 400, refused 403, missing 404, too large 413, host failures 500', () => {
    const expect: Record<number, string[]> = {
      400: [
        'XML_ERROR',
        'XML_DETAIL',
        'CONFIG_UNSUPPORTED',
        'INVALID_ARG',
        'MALFORMED_VALUE',
        'MALFORMED_ADDRESS',
        'NWFILTER_UNAPPLICABLE',
      ],
      403: ['AUTH_FAILED', 'OPERATION_DENIED'],
      404: ['NO_NETWORK', 'NO_NETWORK_PORT', 'NO_ROUTE', 'NO_NWFILTER', 'NO_NWFILTER_BINDING'],
      409: ['OPERATION_INVALID', 'NETWORK_EXIST', 'RESOURCE_IN_USE', 'HOST_CONFLICT', 'NWFILTER_CONFLICT'],
      413: ['REQUEST_TOO_LARGE'],
      500: ['OPERATION_FAILED', 'INTERNAL_ERROR', 'SYSTEM_ERROR'],
    };
    for (const [status, codes] of Object.entries(expect)) {
      for (const c of codes)
        assert.equal(ERROR_HTTP_STATUS[c as keyof typeof ERROR_HTTP_STATUS], Number(status), c);
    }
    // virsh's words stay: the new codes keep libvirt's prefixes
    assert.equal(new VirtError('NETWORK_EXIST', 'x').message, 'operation failed: x');
    assert.equal(new VirtError('RESOURCE_IN_USE', 'x').message, 'internal error: x');
    assert.equal(new VirtError('MALFORMED_VALUE', 'x').message, 'internal error: x');
    assert.equal(new VirtError('NWFILTER_CONFLICT', 'x').message, 'operation failed: x');
    assert.equal(new VirtError('NWFILTER_UNAPPLICABLE', 'x').message, 'internal error: x');
    assert.equal(new VirtError('NO_NWFILTER', 'x').message, 'Network filter not found: x');
  });
});
