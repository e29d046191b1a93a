// Parsing of /proc/net/route and /proc/net/ipv6_route for the subnet collision check.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  defaultRouteDevice,
  defaultRouteIn,
  parseProcIpv6Route,
  parseProcRoute,
} from '../../../src/host/proc-routes.js';
import { formatSubnet } from '../../../src/model/addr.js';

describe('proc routes', () => {
  it('reads IPv4 routes (little-endian hex), skipping the default route', () => {
    const text = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t0101A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0
b0\t0000050A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
b1\t0000100A\t00000000\t0001\t0\t0\t0\t0000F0FF\t0\t0\t0
`;
    const r = parseProcRoute(text).map((x) => `${x.dev} ${formatSubnet(x.subnet)}`);
    assert.deepEqual(r, ['b0 10.5.0.0/24', 'b1 10.16.0.0/12']);
  });

  it('skips lines it cannot read: too few fields, a field that is not 8 hex digits, a mask with holes', () => {
    const text = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
short\t0000050A\t00000000\t0001
b2\t0000X50A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
b3\t0000050A0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
b4\t0000060A\t00000000\t0001\t0\t0\t0\t00FF00FF\t0\t0\t0
b5\t0000070A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0`;
    const r = parseProcRoute(text).map((x) => `${x.dev} ${formatSubnet(x.subnet)}`);
    assert.deepEqual(r, ['b5 10.7.0.0/24']);
  });

  it('reads IPv6 routes, leaving out local, link-local, multicast and default entries', () => {
    const text = `fd000005000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000002 00000000 00000001       b0
fe800000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001       b0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo
00000000000000000000000000000001 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000002 00000000 80200001       lo
fd000005000000000000000000000001 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000003 00000000 80200001       b0
ff000000000000000000000000000000 08 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001       b0
`;
    const r = parseProcIpv6Route(text).map((x) => `${x.dev} ${formatSubnet(x.subnet)}`);
    assert.deepEqual(r, ['b0 fd00:5::/64']);
  });

  it('finds the default route among the routes to 0.0.0.0, and knows there is none at the first other route', () => {
    const head = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT';
    const dflt = 'eth1\t00000000\t0101A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0';
    // 0.0.0.0/1 (a VPN's half of the address space) is listed with the default route and is not one
    const half = 'tun0\t00000000\t00000000\t0001\t0\t0\t0\t00000080\t0\t0\t0';
    const net = 'b0\t0000050A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0';
    assert.equal(defaultRouteIn([head, dflt, net]), 'eth1');
    assert.equal(defaultRouteIn([head, half, dflt, net]), 'eth1');
    assert.equal(defaultRouteIn([head, net]), null);
    assert.equal(defaultRouteIn([head, half, net]), null);
    assert.equal(defaultRouteIn([head, half]), undefined);
    assert.equal(defaultRouteIn([head]), undefined);
    // read piece by piece, the answer is the whole file's
    const whole = defaultRouteIn(readFileSync('/proc/net/route', 'utf8').split('\n'));
    assert.equal(defaultRouteDevice(), whole ?? undefined);
  });
});
