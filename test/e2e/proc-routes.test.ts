// The uplink lookup stops reading /proc/net/route at the first route that is not to 0.0.0.0: it relies on the
// kernel listing the main table in address order. Proven in a namespace of the test's own, with the default
// route added after a network's routes and next to 0.0.0.0/1.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { defaultRouteIn } from '../../src/host/proc-routes.js';

const isRoot = process.getuid?.() === 0;

describe('default route in /proc/net/route', { skip: !isRoot && 'needs root' }, () => {
  const ns = `vnt-rt-${randomBytes(3).toString('hex')}`;
  const ip = (...args: string[]) => execFileSync('ip', ['-n', ns, ...args]);
  const routes = () =>
    execFileSync('ip', ['netns', 'exec', ns, 'cat', '/proc/net/route'], { encoding: 'utf8' }).split('\n');
  after(() => {
    spawnSync('ip', ['netns', 'del', ns]);
  });

  it('comes before every route to another destination, however late it was added', () => {
    execFileSync('ip', ['netns', 'add', ns]);
    for (const [dev, net] of [
      ['b0', '10.5.0'],
      ['b1', '172.16.9'],
      ['b2', '192.168.77'],
    ] as const) {
      ip('link', 'add', dev, 'type', 'bridge');
      ip('link', 'set', dev, 'up');
      ip('addr', 'add', `${net}.1/24`, 'dev', dev);
    }
    ip('route', 'add', '0.0.0.0/1', 'dev', 'b1');
    assert.equal(defaultRouteIn(routes()), null);
    ip('route', 'add', 'default', 'via', '192.168.77.254', 'dev', 'b2');
    const lines = routes();
    assert.equal(defaultRouteIn(lines), 'b2');
    const dsts = lines
      .slice(1)
      .filter(Boolean)
      .map((l) => l.split('\t')[1]);
    assert.deepEqual(dsts.slice(0, 2), ['00000000', '00000000']);
    assert.ok(dsts.length >= 5, dsts.join(' '));
    ip('route', 'del', 'default');
    assert.equal(defaultRouteIn(routes()), null);
  });
});
