// netmode from the kernel alone (virtnetd down): a bridge with its ports and addresses, a device's bridge, a
// bridge holding a host NIC as bridged; names the kernel does not know are refused with the reason.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kernelNetmode } from '../../../src/cli/netmode-kernel.js';
import type { HostDevice } from '../../../src/plan/host-side.js';

const devices: HostDevice[] = [
  { name: 'virbr0', kind: 'bridge', up: true, addresses: ['192.168.122.1/24'] },
  { name: 'vnet0', kind: 'tap', up: true, addresses: [], master: 'virbr0' },
  { name: 'br0', kind: 'bridge', up: true, addresses: [] },
  { name: 'eth1', kind: 'physical', up: true, addresses: [], master: 'br0' },
  { name: 'eth2', kind: 'physical', up: false, addresses: [] },
];
const WHY = 'Connection refused';

test('a tap: its bridge, the bridge facts, and no mode claimed without the definition', () => {
  const r = kernelNetmode('vnet0', devices, WHY);
  assert.equal(r.mode, 'unknown');
  assert.match(r.evidence[0] ?? '', /virtnetd does not answer \(Connection refused\): from the kernel alone/);
  assert.ok(r.evidence.includes('device vnet0 (tap) is a port of bridge virbr0'));
  assert.ok(r.evidence.includes('bridge virbr0 is up, addresses 192.168.122.1/24'));
  assert.ok(r.evidence.includes('its ports: vnet0 (tap)'));
});

test('a bridge holding a host NIC and no address is bridged; a lone device is on no bridge', () => {
  assert.equal(kernelNetmode('br0', devices, WHY).mode, 'bridge');
  assert.match(kernelNetmode('eth2', devices, WHY).summary, /is on no bridge/);
});

test('a name the kernel does not know needs the daemon', () => {
  assert.throws(
    () => kernelNetmode('default', devices, WHY),
    (e: Error & { lines?: string[] }) =>
      /the kernel has no device 'default'; network and guest names need the daemon/.test(
        (e.lines ?? [e.message]).join(' '),
      ),
  );
});
