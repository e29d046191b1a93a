// Port forwards: normalisation of client input, checks against the network, clashes, and the metadata round trip.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatNetworkXml } from '../../../src/model/network-format.js';
import { parseNetworkXml } from '../../../src/model/network-parse.js';
import { validateNetworkDef } from '../../../src/model/network-validate.js';
import {
  checkForward,
  normalizeForward,
  type PortForward,
  readForwards,
  resolveTarget,
  withForwards,
} from '../../../src/model/port-forward.js';

const NAT = parseNetworkXml(`<network><name>n</name><forward mode='nat'/><bridge name='vb0'/>
  <ip address='10.0.0.1' prefix='24'><dhcp><host mac='52:54:00:00:00:05' name='web' ip='10.0.0.5'/></dhcp></ip></network>`);

const fwd = (o: Record<string, unknown>): PortForward =>
  normalizeForward({ listenPort: 8080, targetAddress: '10.0.0.5', targetPort: 80, ...o });

describe('port forward input', () => {
  it('fills defaults: tcp, every address, target port = listen port', () => {
    assert.deepEqual(normalizeForward({ listenPort: '443', targetAddress: '10.0.0.5' }), {
      proto: 'tcp',
      listenPort: 443,
      targetAddress: '10.0.0.5',
      targetPort: 443,
    });
    assert.equal(fwd({ listenAddress: '0.0.0.0' }).listenAddress, undefined);
  });

  it('refuses bad ports, addresses, protocols, ranges and descriptions with a message naming the field', () => {
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ listenPort: 0 }, /listen port must be a port number/],
      [{ listenPort: '80; drop' }, /listen port must be a port number/],
      [{ proto: 'icmp' }, /protocol must be tcp, udp or both/],
      [{ targetAddress: '10.0.0.5 accept' }, /forward target must be an IPv4 address/],
      [{ listenAddress: 'eth0' }, /listen address must be an IPv4 address/],
      [{ listenPortEnd: 8000 }, /is reversed/],
      [{ listenPortEnd: 20000 }, /longer than 4096 ports/],
      [{ listenPort: 65000, listenPortEnd: 65010, targetPort: 65530 }, /go past 65535/],
      [{ description: 'a\nb' }, /without control characters/],
    ];
    for (const [o, re] of bad) assert.throws(() => fwd(o), re, JSON.stringify(o));
  });

  it('resolves a DHCP host name of the network to its reserved address', () => {
    assert.equal(resolveTarget(NAT, 'web'), '10.0.0.5');
    assert.equal(resolveTarget(NAT, '10.0.0.9'), '10.0.0.9');
    assert.throws(() => resolveTarget(NAT, 'db'), /neither an IPv4 address nor the name of a DHCP host/);
  });
});

describe('port forward checks', () => {
  it('accepts a guest target inside the subnet', () => {
    checkForward(NAT, fwd({}), []);
  });

  it('refuses targets outside the subnet, the network, broadcast and gateway addresses', () => {
    assert.throws(() => checkForward(NAT, fwd({ targetAddress: '10.0.1.5' }), []), /is outside network 'n'/);
    for (const a of ['10.0.0.0', '10.0.0.255', '10.0.0.1']) {
      assert.throws(() => checkForward(NAT, fwd({ targetAddress: a }), []), /is not a guest address/);
    }
  });

  it('refuses networks that are not NAT', () => {
    const routed = parseNetworkXml(
      `<network><name>r</name><forward mode='route'/><ip address='10.0.0.1' prefix='24'/></network>`,
    );
    assert.throws(() => checkForward(routed, fwd({}), []), /is not a NAT network/);
  });

  it('finds clashes: same protocol, overlapping ports, same or any address', () => {
    const existing = [fwd({ listenPortEnd: 8090 })];
    const clash = (o: Record<string, unknown>) => () => checkForward(NAT, fwd(o), existing);
    assert.throws(clash({ listenPort: 8085 }), /clashes with existing forward tcp 0\.0\.0\.0:8080-8090/);
    assert.throws(clash({ listenPort: 8000, listenPortEnd: 8080 }), /clashes/);
    assert.throws(clash({ proto: 'both', listenPort: 8090 }), /clashes/);
    assert.throws(clash({ listenAddress: '192.0.2.1' }), /clashes/);
    checkForward(NAT, fwd({ proto: 'udp' }), existing);
    checkForward(NAT, fwd({ listenPort: 8091 }), existing);
    const specific = [fwd({ listenAddress: '192.0.2.1' })];
    checkForward(NAT, fwd({ listenAddress: '192.0.2.2' }), specific);
  });
});

describe('port forwards in network XML', () => {
  it('live in <metadata> in their own namespace, next to other metadata, and round-trip', () => {
    const base =
      parseNetworkXml(`<network><name>n</name><metadata><app:x xmlns:app="urn:app">1</app:x></metadata>
      <forward mode='nat'/><bridge name='vb0'/><ip address='10.0.0.1' prefix='24'/></network>`);
    const list = [
      fwd({ description: 'web & co' }),
      fwd({ proto: 'udp', listenPort: 53, listenPortEnd: 54, targetPort: 5353 }),
    ];
    const xml = formatNetworkXml(withForwards(base, list), { inactive: true });
    assert.match(xml, /<app:x xmlns:app="urn:app">1<\/app:x>/);
    assert.match(
      xml,
      /<virtnet:forward proto="tcp" port="8080" target="10\.0\.0\.5" targetPort="80" description="web &amp; co"\/>/,
    );
    const back = parseNetworkXml(xml);
    validateNetworkDef(back);
    assert.deepEqual(readForwards(back), list);
    const none = formatNetworkXml(withForwards(back, []), { inactive: true });
    assert.doesNotMatch(none, /virtnet:forward/);
    assert.match(none, /<app:x/);
  });

  it('removes <metadata> again when the forwards were all it held', () => {
    const def = withForwards(NAT, [fwd({})]);
    assert.equal(withForwards(def, []).metadata, undefined);
  });

  it('a hand-edited forward that makes no sense is refused at define time', () => {
    const xml = `<network><name>n</name><metadata><v:forwards xmlns:v="https://virtnet.dev/xmlns/network-forwards/1">
      <v:forward proto="tcp" port="99999" target="10.0.0.5"/></v:forwards></metadata>
      <forward mode='nat'/><ip address='10.0.0.1' prefix='24'/></network>`;
    assert.throws(
      () => validateNetworkDef(parseNetworkXml(xml)),
      /invalid port forward in <metadata>: listen port/,
    );
  });
});
