// The host side's overlay parsers and store: FRR's JSON (recorded from FRR 8.4.4), `ip -d -j link` of a VXLAN
// device, and the bindings learned from EVPN (merge, refresh, expiry, bound, names).

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parsePeers, parseRemotes, parseRemoteVteps } from '../../../src/host/frr-status.js';
import { BINDING_MAX_AGE_S, BindingStore, MAX_BINDINGS } from '../../../src/host/overlay-bindings.js';
import { frrLayout, frrPathspace } from '../../../src/host/overlay-host.js';
import { vxlanOf } from '../../../src/host/overlay-probe.js';

const FIX = join(import.meta.dirname, '../../../../test/fixtures/frr');
const fixture = (name: string) => JSON.parse(readFileSync(join(FIX, name), 'utf8'));
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("FRR's JSON", () => {
  it('peers: every configured one, with its session state; one FRR does not know is down', () => {
    assert.deepEqual(parsePeers(fixture('evpn-summary.json'), ['10.99.0.1', '10.99.0.3', '10.99.0.4']), [
      { address: '10.99.0.1', state: 'Established', uptime: '00:00:02', prefixes: 3 },
      { address: '10.99.0.3', state: 'Active', prefixes: 0 },
      { address: '10.99.0.4', state: 'down' },
    ]);
  });

  it('remote VTEPs of a VNI, sorted; none for a VNI FRR does not have', () => {
    assert.deepEqual(parseRemoteVteps(fixture('evpn-vni.json'), 100), ['10.99.0.1', '10.99.0.3']);
    assert.deepEqual(parseRemoteVteps(fixture('evpn-vni.json'), 101), []);
  });

  it('remote MACs with the addresses announced for them; local ones left out', () => {
    assert.deepEqual(parseRemotes(fixture('evpn-mac.json'), fixture('evpn-arp.json')), [
      { mac: '52:54:00:aa:00:01', vtep: '10.99.0.1', ip: '10.50.0.11' },
      { mac: '52:54:00:aa:00:03', vtep: '10.99.0.3' },
    ]);
  });
});

describe('probe of a VXLAN device', () => {
  it('reads VNI, local address, port, learning and the bridge-port flags; other kinds are none', () => {
    const dev = {
      ifname: 'vxlan7',
      flags: ['BROADCAST', 'UP', 'LOWER_UP'],
      mtu: 1450,
      master: 'br0',
      linkinfo: {
        info_kind: 'vxlan',
        info_data: { id: 7, local: '10.1.1.1', port: 4789, learning: false },
        info_slave_kind: 'bridge',
        info_slave_data: { learning: false, neigh_suppress: true },
      },
    };
    assert.deepEqual(vxlanOf(dev), {
      name: 'vxlan7',
      vni: 7,
      local: '10.1.1.1',
      port: 4789,
      learning: false,
      up: true,
      mtu: 1450,
      master: 'br0',
      portLearning: false,
      neighSuppress: true,
    });
    assert.equal(vxlanOf({ ifname: 'br0', linkinfo: { info_kind: 'bridge' } }), undefined);
  });
});

describe("FRR's layout", () => {
  it('a pathspace per run directory, stable across restarts', () => {
    assert.equal(frrPathspace('/run/virtnet'), frrPathspace('/run/virtnet'));
    assert.notEqual(frrPathspace('/run/virtnet'), frrPathspace('/tmp/other/run'));
    assert.match(frrPathspace('/run/virtnet'), /^virtnet-[0-9a-f]{8}$/);
    const l = frrLayout('/run/virtnet');
    assert.equal(l.stateDir, `/var/run/frr/${l.pathspace}`);
    assert.equal(l.confDir, '/run/virtnet/frr');
  });
});

describe('bindings learned from EVPN', () => {
  const store = () => {
    const d = mkdtempSync(join(tmpdir(), 'virtnet-bind-'));
    dirs.push(d);
    return { s: new BindingStore(d), d };
  };

  it('a new binding is a change and is kept on disk; seeing it again is none', () => {
    const { s, d } = store();
    assert.equal(
      s.learn('ov', [{ ip: '10.9.0.11', mac: '52:54:00:AA:00:01', vtep: '10.0.0.1' }], 1000),
      true,
    );
    assert.equal(
      s.learn('ov', [{ ip: '10.9.0.11', mac: '52:54:00:aa:00:01', vtep: '10.0.0.1' }], 1010),
      false,
    );
    assert.deepEqual(new BindingStore(d).get('ov'), [
      { mac: '52:54:00:aa:00:01', ip: '10.9.0.11', seen: 1000, vtep: '10.0.0.1' },
    ]);
  });

  it('a binding no longer announced is kept (the guest may move here) until it is old', () => {
    const { s } = store();
    s.learn('ov', [{ ip: '10.9.0.11', mac: '52:54:00:aa:00:01' }], 1000);
    assert.equal(s.learn('ov', [], 2000), false);
    assert.equal(s.get('ov').length, 1);
    assert.equal(s.learn('ov', [], 1000 + BINDING_MAX_AGE_S), true);
    assert.deepEqual(s.get('ov'), []);
  });

  it('a MAC with a new address, or an address with a new MAC, replaces the old binding', () => {
    const { s } = store();
    s.learn('ov', [{ ip: '10.9.0.11', mac: '52:54:00:aa:00:01' }], 1000);
    assert.equal(s.learn('ov', [{ ip: '10.9.0.12', mac: '52:54:00:aa:00:01' }], 1001), true);
    assert.deepEqual(
      s.get('ov').map((b) => b.ip),
      ['10.9.0.12'],
    );
    s.learn('ov', [{ ip: '10.9.0.12', mac: '52:54:00:aa:00:02' }], 1002);
    assert.deepEqual(
      s.get('ov').map((b) => b.mac),
      ['52:54:00:aa:00:02'],
    );
  });

  it('names are set per address; at most MAX_BINDINGS per network, the oldest go', () => {
    const { s } = store();
    s.learn('ov', [{ ip: '10.9.0.11', mac: '52:54:00:aa:00:01' }], 1000);
    assert.equal(s.setName('ov', '10.9.0.11', 'web'), true);
    assert.equal(s.setName('ov', '10.9.0.11', 'web'), false);
    assert.equal(s.setName('ov', '10.9.0.99', 'x'), false);
    assert.equal(s.get('ov')[0]?.name, 'web');
    const many = Array.from({ length: MAX_BINDINGS + 5 }, (_, i) => ({
      ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      mac: `52:54:00:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`,
    }));
    s.learn('ov', many, 2000);
    assert.equal(s.get('ov').length, MAX_BINDINGS);
  });

  it('a network name that is no safe file name is encoded, not trusted in a path', () => {
    const { s, d } = store();
    s.learn('../../etc/x', [{ ip: '10.9.0.11', mac: '52:54:00:aa:00:01' }], 1000);
    assert.deepEqual(new BindingStore(d).get('../../etc/x').length, 1);
  });
});
