// The Perl helper that takes a process off address and route events: it leaves the groups on the process's own
// rtnetlink socket (read back from /proc/PID/net/netlink), touches no other socket, and fails in words, never by
// throwing. The subject is a Python child holding a socket joined as dnsmasq joins (no network is changed).

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { RouteEventMute } from '../../../src/host/route-event-mute.js';
import { routeGroups } from '../../helpers/netlink-groups.js';

// an rtnetlink socket in dnsmasq's groups (0x550), and a UDP socket beside it; prints "ready" and waits
const SUBJECT = `
import socket, sys
nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
nl.bind((0, 0x550))
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
print("ready", flush=True)
sys.stdin.read()
`;

function subject(): Promise<ChildProcess> {
  const child = spawn('python3', ['-c', SUBJECT], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout?.once('data', () => resolve(child));
  });
}

describe('route event mute', () => {
  const mute = new RouteEventMute();
  const children: ChildProcess[] = [];
  after(() => {
    mute.close();
    for (const c of children) c.kill('SIGKILL');
  });

  it("leaves the address and route groups on the process's rtnetlink socket, and only there", async () => {
    const child = await subject();
    children.push(child);
    const pid = child.pid as number;
    assert.deepEqual(routeGroups(pid), [0x550]);
    assert.deepEqual(await mute.mute(pid), { ok: true, sockets: 1 });
    assert.deepEqual(routeGroups(pid), [0]);
    // again: nothing left to leave, still fine
    assert.deepEqual(await mute.mute(pid), { ok: true, sockets: 1 });
  });

  it('answers requests made together in order, and fails in words for a process that is gone', async () => {
    const a = await subject();
    const b = await subject();
    children.push(a, b);
    const gone = spawn('true');
    await new Promise((r) => gone.once('exit', r));
    const [ra, rGone, rb] = await Promise.all([
      mute.mute(a.pid as number),
      mute.mute(gone.pid as number),
      mute.mute(b.pid as number),
    ]);
    assert.deepEqual(ra, { ok: true, sockets: 1 });
    assert.deepEqual(rb, { ok: true, sockets: 1 });
    assert.equal(rGone.ok, false);
    assert.match(rGone.ok ? '' : rGone.reason, /pidfd_open: No such process/);
    assert.deepEqual(await mute.mute(-3), { ok: false, reason: 'not a pid' });
  });

  it('without Perl every request fails with the reason, and nothing throws', async () => {
    const none = new RouteEventMute('/nonexistent/perl');
    const r = await none.mute(process.pid);
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.reason, /\/nonexistent\/perl: .*ENOENT/);
    none.close();
  });
});
