// Two networks whose bridges shared one nft chain under the old naming (bridge 'vs-XXXX' and the plain word that
// is its hex spelling): both start, one is destroyed, and the other's filter still works with packets — its
// guest reaches upstream through NAT, and upstream still cannot open a connection to the guest.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bridgeId, chainNames } from '../../src/render/nft-ruleset.js';
import { canRunE2e, Topology } from './harness/topology.js';

describe('colliding bridge names', { skip: canRunE2e() }, () => {
  let t: Topology;
  let guest: string;
  let ip: string | undefined;
  const dashed = 'vs-a1';
  // the old id of 'vs-a1' (not a plain word, so hex) was this plain word, kept as it is
  const plain = Buffer.from(dashed).toString('hex');
  const nat = (name: string, bridge: string, octet: number) => `<network>
  <name>${name}</name>
  <forward mode='nat'/>
  <bridge name='${bridge}'/>
  <ip address='10.${octet}.0.1' prefix='24'><dhcp><range start='10.${octet}.0.100' end='10.${octet}.0.150'/></dhcp></ip>
</network>`;

  before(async () => {
    t = new Topology();
    await t.startDaemon();
    await t.startNetwork(nat('dashed', dashed, 81));
    await t.startNetwork(nat('plain', plain, 82));
    t.sh(['ip', '-n', t.upNs, 'route', 'add', '10.82.0.0/24', 'via', t.hostUplinkAddr]);
    await t.echoServer(t.upNs, 8080);
    guest = t.addGuest('pg', plain);
    ip = t.dhcp(guest);
  });
  after(() => t?.destroy());

  test('the two networks have chains of their own', () => {
    assert.equal(plain.length, 10);
    assert.notEqual(bridgeId(dashed), bridgeId(plain));
    const chains = t.sh(['ip', 'netns', 'exec', t.hostNs, 'nft', 'list', 'table', 'inet', 'virtnet']);
    for (const b of [dashed, plain]) {
      assert.match(chains, new RegExp(`chain ${chainNames(b).fwd} \\{`), b);
      assert.match(chains, new RegExp(`chain ${chainNames(b).nat} \\{`), b);
    }
  });

  test("destroying one leaves the other's filter working", async () => {
    assert.match(ip ?? 'none', /^10\.82\.0\.1\d\d$/);
    await t.echoServer(guest, 9090);
    assert.equal(t.tcp(guest, t.upAddr, 8080), t.hostUplinkAddr, 'before: outbound NAT');
    assert.equal(t.tcp(t.upNs, ip as string, 9090), undefined, 'before: no inbound');
    const destroyed = await t.api('POST', '/v1/networks/dashed/destroy');
    assert.equal(destroyed.status, 200, destroyed.body);
    assert.equal(t.tcp(guest, t.upAddr, 8080), t.hostUplinkAddr, 'after: outbound NAT still works');
    assert.equal(t.tcp(t.upNs, ip as string, 9090), undefined, 'after: inbound still refused');
    const problems = (await t.api('GET', '/v1/networks/plain/check')).json() as { problems: unknown[] };
    assert.deepEqual(problems.problems, []);
  });
});
