// The host's upstream servers from resolv.conf: only checked addresses, in order, once each.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseResolvConf, renderServersFile } from '../../../src/model/resolv-conf.js';

describe('resolv.conf upstream servers', () => {
  it('takes nameserver lines in order, once each, and nothing else', () => {
    const text = [
      '# generated',
      'search example.org',
      'nameserver 192.0.2.1',
      '  nameserver\t2001:db8::53  # trailing',
      'nameserver 192.0.2.1',
      'options edns0',
      'nameserver fe80::1%eth0',
    ].join('\n');
    assert.deepEqual(parseResolvConf(text), ['192.0.2.1', '2001:db8::53', 'fe80::1%eth0']);
  });

  it('skips what is not an address, so nothing else reaches a dnsmasq line', () => {
    const text = [
      'nameserver 192.0.2.300',
      'nameserver evil\nserver=/x/1.2.3.4',
      'nameserver 192.0.2.7,dhcp-script=/tmp/x',
      'nameserver 192.0.2.8%eth0',
      'nameserver fe80::1%a/b',
      'nameserver fe80::1%a%b',
      'nameserver 198.51.100.9',
    ].join('\n');
    assert.deepEqual(parseResolvConf(text), ['198.51.100.9']);
  });

  it('keeps at most 16 servers', () => {
    const text = Array.from({ length: 40 }, (_, i) => `nameserver 192.0.2.${i + 1}`).join('\n');
    assert.equal(parseResolvConf(text).length, 16);
  });

  it('renders one server= line per address; none for none', () => {
    assert.equal(renderServersFile(['192.0.2.1', '2001:db8::53']), 'server=192.0.2.1\nserver=2001:db8::53\n');
    assert.equal(renderServersFile([]), '');
  });
});
