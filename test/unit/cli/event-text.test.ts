// net-event's lines for every kind of event the daemon sends.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EVENT_KINDS, eventKind, eventLine } from '../../../src/api/event-text.js';
import type { NetworkEvent } from '../../../src/api/types.js';

const ev = (type: NetworkEvent['type'], detail?: Record<string, unknown>): NetworkEvent => ({
  type,
  name: 'default',
  uuid: 'u',
  time: '2026-12-01T00:00:00.000Z',
  ...(detail ? { detail } : {}),
});

test('lifecycle events as virsh prints them, the rest in words', () => {
  assert.equal(eventLine(ev('started')), "event 'lifecycle' for network default: Started");
  assert.equal(eventLine(ev('undefined')), "event 'lifecycle' for network default: Undefined");
  assert.equal(
    eventLine(
      ev('lease', {
        runtimeEvent: 'lease',
        leases: [{ mac: '52:54:00:aa:bb:02', ipaddr: '192.168.122.56', hostname: 'vm1' }],
        removed: [{ mac: '52:54:00:aa:bb:03', ipaddr: '192.168.122.57' }],
      }),
    ),
    "event 'lease' for network default: 52:54:00:aa:bb:02 192.168.122.56 (vm1) leased; 52:54:00:aa:bb:03 192.168.122.57 released",
  );
  assert.equal(
    eventLine(ev('updated', { section: 'ip-dhcp-host', command: 'add', live: true, config: true })),
    "event 'updated' for network default: add ip-dhcp-host (live, config)",
  );
  assert.equal(
    eventLine(ev('updated', { runtimeEvent: 'dnsmasq-restarted', pid: 42 })),
    "event 'updated' for network default: dnsmasq restarted (pid 42)",
  );
  assert.equal(
    eventLine(ev('updated', { runtimeEvent: 'frr-restarted', pid: 43, process: 'bgpd' })),
    "event 'updated' for network default: FRR's bgpd restarted (pid 43)",
  );
  assert.equal(
    eventLine(ev('repaired', { reason: 'firewall rules removed by another program', restored: 'firewall' })),
    "event 'repaired' for network default: firewall restored (firewall rules removed by another program)",
  );
  assert.equal(
    eventLine(ev('repaired', { problems: ['bridge virbr0 missing'] })),
    "event 'repaired' for network default: repaired bridge virbr0 missing",
  );
  assert.equal(
    eventLine(ev('failed', { operation: 'start', message: 'bridge name taken', hint: 'pick another' })),
    "event 'failed' for network default: start failed: bridge name taken (what to do: pick another)",
  );
});

test('every kind --list names is one eventKind gives; unknown types keep their name', () => {
  const types: NetworkEvent['type'][] = ['defined', 'lease', 'updated', 'repaired', 'failed'];
  assert.deepEqual(
    types.map((t) => eventKind(ev(t))),
    [...EVENT_KINDS],
  );
  const future = { ...ev('updated', { x: 1 }), type: 'migrated' } as unknown as NetworkEvent;
  assert.equal(eventLine(future), "event 'migrated' for network default: x=1");
});
