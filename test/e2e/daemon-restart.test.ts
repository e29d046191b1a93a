// Daemon crash and restart with packets: guest traffic survives kill -9, the new daemon adopts the running network
// without duplicating dnsmasq or nft elements, and a killed dnsmasq is brought back within about a second.

import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { alive, canRunE2e, sleep, Topology } from './harness/topology.js';

const NET = '192.168.144';

describe('daemon restart', { skip: canRunE2e() }, () => {
  let t: Topology;
  let g1: string;
  let ip1: string | undefined;
  let stream: ChildProcess;
  const seen = { ok: 0, fail: 0 };

  const ruleset = () => t.tryRun(['ip', 'netns', 'exec', t.hostNs, 'nft', 'list', 'ruleset']).out;
  const count = (text: string, needle: string) => text.split(needle).length - 1;
  /** Counts of stream results during the next `ms` milliseconds. */
  const window = async (ms: number) => {
    const start = { ...seen };
    await sleep(ms);
    return { ok: seen.ok - start.ok, fail: seen.fail - start.fail };
  };

  before(async () => {
    t = new Topology();
    await t.startDaemon();
    await t.startNetwork(`<network>
  <name>rstnet</name>
  <forward mode='nat'/>
  <bridge name='vnbr-rst'/>
  <dns><host ip='${NET}.9'><hostname>nas</hostname></host></dns>
  <ip address='${NET}.1' netmask='255.255.255.0'>
    <dhcp><range start='${NET}.100' end='${NET}.199'/></dhcp>
  </ip>
</network>`);
    await t.echoServer(t.upNs, 8080);
    g1 = t.addGuest('g1', 'vnbr-rst');
    ip1 = t.dhcp(g1);
    // a fresh TCP connection to upstream every 50 ms: each one needs forwarding and masquerading to still work
    const code = `const net=require('net');setInterval(()=>{const s=net.connect(8080,'${t.upAddr}');let d='';s.setTimeout(1000,()=>s.destroy(new Error('timeout')));s.on('data',b=>d+=b);s.on('end',()=>console.log(d.trim()==='${t.hostUplinkAddr}'?'ok':'bad '+d.trim()));s.on('error',e=>console.log('fail '+e.message))},50)`;
    stream = t.spawnIn(g1, [process.execPath, '-e', code]);
    stream.stdout?.on('data', (b: Buffer) => {
      for (const line of b.toString().split('\n')) {
        if (line === 'ok') seen.ok++;
        else if (line) seen.fail++;
      }
    });
    for (let i = 0; i < 100 && seen.ok === 0; i++) await sleep(50);
  });
  after(() => t?.destroy());

  test('the guest has a lease and its traffic flows', async () => {
    assert.match(ip1 ?? 'none', /^192\.168\.144\.1\d\d$/);
    const w = await window(1000);
    assert.ok(w.ok >= 3 && w.fail === 0, JSON.stringify(w));
  });

  test('kill -9 of the daemon, then restart: traffic never stops, network adopted, nothing duplicated', async () => {
    const dnsmasqBefore = t.dnsmasqPids();
    const rulesBefore = ruleset();
    assert.equal(dnsmasqBefore.length, 1);
    t.killDaemon();
    const during = await window(1000);
    assert.ok(during.ok >= 5 && during.fail === 0, `while the daemon is dead: ${JSON.stringify(during)}`);

    await t.startDaemon();
    const info = (await t.api('GET', '/v1/networks/rstnet')).json() as { active: boolean };
    assert.equal(info.active, true);
    const afterRestart = await window(1000);
    assert.ok(
      afterRestart.ok >= 3 && afterRestart.fail === 0,
      `after restart: ${JSON.stringify(afterRestart)}`,
    );
    assert.deepEqual(t.dnsmasqPids(), dnsmasqBefore, 'same single dnsmasq');
    const rulesAfter = ruleset();
    assert.equal(count(rulesAfter, '"vnbr-rst" : jump'), count(rulesBefore, '"vnbr-rst" : jump'));
    assert.ok(count(rulesBefore, '"vnbr-rst" : jump') >= 1, rulesBefore);
    assert.equal(count(rulesAfter, 'table inet virtnet'), 1);
    assert.equal(rulesAfter, rulesBefore);
  });

  test('the guest still renews its lease and resolves names after the restart', () => {
    assert.equal(t.dhcp(g1), ip1);
    assert.deepEqual(t.resolve(g1, 'nas', `${NET}.1`), [`${NET}.9`]);
  });

  test('a killed dnsmasq is replaced within about a second and DHCP/DNS still work', async () => {
    const [old] = t.dnsmasqPids();
    assert.ok(old !== undefined);
    process.kill(old, 'SIGKILL');
    let now: number[] = [];
    for (let i = 0; i < 30; i++) {
      await sleep(50);
      now = t.dnsmasqPids();
      if (now.length === 1 && now[0] !== old) break;
    }
    assert.equal(alive(old), false);
    assert.equal(now.length, 1, `dnsmasq processes: ${now}`);
    assert.notEqual(now[0], old);
    const g2 = t.addGuest('g2', 'vnbr-rst');
    assert.match(t.dhcp(g2) ?? 'none', /^192\.168\.144\.1\d\d$/);
    assert.deepEqual(t.resolve(g2, 'nas', `${NET}.1`), [`${NET}.9`]);
  });
});
