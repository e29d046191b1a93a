// Listening sockets from /proc/net/{tcp,udp}[6], and which of them a port forward would shadow.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseProcNetSockets } from '../../../src/host/listen-probe.js';
import { listenSocketLabel, shadowedListeners } from '../../../src/model/listen-sockets.js';

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1199 1 0 100 0 0 10 0
   1: 0100007F:2117 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1200 1 0 100 0 0 10 0
   2: 01B0A8C0:0035 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1201 1 0 100 0 0 10 0
   3: 0100007F:2117 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 1202 1 0 100 0 0 10 0
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0
   1: 0000000000000000FFFF00000A00000A:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0
   2: 000080FE00000000FF005452010076FE:01BB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0
`;
const UDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  1: 01B0A8C0:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1 2 0 0
  2: 0100000A:C350 0200000A:0035 01 00000000:00000000 00:00000000 00000000     0        0 1 2 0 0
`;

describe('listening sockets', () => {
  it('reads TCP listeners (not connections), IPv4 and IPv6, and bound UDP sockets', () => {
    assert.deepEqual(parseProcNetSockets(TCP, 'tcp').map(listenSocketLabel), [
      'tcp 0.0.0.0:22',
      'tcp 127.0.0.1:8471',
      'tcp 192.168.176.1:53',
    ]);
    assert.deepEqual(parseProcNetSockets(TCP6, 'tcp').map(listenSocketLabel), [
      'tcp [::]:8080',
      'tcp 10.0.0.10:80',
      'tcp [fe80::5254:ff:fe76:1]:443',
    ]);
    assert.deepEqual(parseProcNetSockets(UDP, 'udp').map(listenSocketLabel), ['udp 192.168.176.1:53']);
  });

  it('a forward shadows listeners on its ports and addresses, never loopback ones', () => {
    const sockets = [...parseProcNetSockets(TCP, 'tcp'), ...parseProcNetSockets(UDP, 'udp')];
    const labels = (f: Parameters<typeof shadowedListeners>[0]) =>
      shadowedListeners(f, sockets).map(listenSocketLabel);
    assert.deepEqual(labels({ proto: 'tcp', listenPort: 22 }), ['tcp 0.0.0.0:22']);
    assert.deepEqual(labels({ proto: 'udp', listenPort: 22 }), []);
    assert.deepEqual(labels({ proto: 'tcp', listenPort: 8471 }), [], 'loopback only');
    assert.deepEqual(labels({ proto: 'both', listenPort: 20, listenPortEnd: 60 }), [
      'tcp 0.0.0.0:22',
      'tcp 192.168.176.1:53',
      'udp 192.168.176.1:53',
    ]);
    // a forward on one address: listeners on every address and on that one
    assert.deepEqual(labels({ proto: 'tcp', listenAddress: '10.1.1.1', listenPort: 1, listenPortEnd: 100 }), [
      'tcp 0.0.0.0:22',
    ]);
    assert.deepEqual(labels({ proto: 'tcp', listenPort: 23, listenPortEnd: 52 }), []);
  });
});
