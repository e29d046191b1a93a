// `virtnet doctor` against a daemon in a host namespace of our own: silent on a clean host, then each host problem
// made in that namespace (never the root one) is reported by id, and the command fails.

import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { DoctorReport } from '../../src/doctor/checks.js';
import { canRunE2e, sleep, Topology } from './harness/topology.js';

const ROOT = join(import.meta.dirname, '../../..');
const PROBLEM_IDS = [
  'ip-forward-off',
  'forward-drop',
  'firewalld',
  'stale-bridge',
  'udp-port-in-use',
  'subnet-route-overlap',
];

describe('virtnet doctor', { skip: canRunE2e() }, () => {
  let t: Topology;
  let listener: ChildProcess | undefined;

  const doctor = (args: string[] = ['--json'], socket = t.socket) =>
    t.tryRun(
      [
        'ip',
        'netns',
        'exec',
        t.hostNs,
        process.execPath,
        join(ROOT, 'bin/virtnet'),
        '-c',
        `unix:${socket}`,
        'doctor',
        ...args,
      ],
      30000,
    );
  const inNs = (...argv: string[]) => t.sh(['ip', 'netns', 'exec', t.hostNs, ...argv]);
  const idsOf = (r: DoctorReport) => r.findings.map((f) => f.id);

  before(async () => {
    t = new Topology();
    await t.startDaemon();
    await t.startNetwork(`<network>
  <name>docnet</name>
  <forward mode='nat'/>
  <bridge name='vnbr-doc0'/>
  <ip address='192.168.151.1' netmask='255.255.255.0'>
    <dhcp><range start='192.168.151.100' end='192.168.151.199'/></dhcp>
  </ip>
</network>`);
  });
  after(async () => {
    if (listener?.pid && listener.exitCode === null) process.kill(listener.pid, 'SIGKILL');
    await t?.destroy();
  });

  test('a clean namespace with a running NAT network passes', () => {
    assert.equal(inNs('sysctl', '-n', 'net.ipv4.ip_forward').trim(), '1');
    const r = doctor();
    const rep = JSON.parse(r.out) as DoctorReport;
    assert.equal(r.code, 0, r.out);
    assert.equal(rep.ok, true);
    for (const id of PROBLEM_IDS) assert.ok(!idsOf(rep).includes(id), `${id} in ${r.out}`);
    const text = doctor([]);
    assert.equal(text.code, 0, text.out);
    assert.match(text.out, /^All checks passed\.$/m);
  });

  test('reports every problem made in the namespace and fails', async () => {
    inNs('sysctl', '-w', 'net.ipv4.ip_forward=0');
    t.sh(
      ['ip', 'netns', 'exec', t.hostNs, 'nft', '-f', '-'],
      `table ip filter {
  chain FORWARD { type filter hook forward priority 0; policy drop; }
  chain DOCKER-USER { }
}
table inet firewalld { }
`,
    );
    inNs('ip', 'link', 'add', 'virbr7', 'type', 'bridge');
    // a veth pair: the kernel may lack the dummy module
    inNs('ip', 'link', 'add', 'vndoc-a', 'type', 'veth', 'peer', 'name', 'vndoc-b');
    inNs('ip', 'addr', 'add', '10.77.1.1/24', 'dev', 'vndoc-a');
    inNs('ip', 'link', 'set', 'vndoc-b', 'up');
    inNs('ip', 'link', 'set', 'vndoc-a', 'up');
    const d = await t.api(
      'POST',
      '/v1/networks',
      `<network><name>clash</name><forward mode='nat'/><bridge name='vnbr-clash'/>
  <ip address='10.77.1.254' prefix='24'/></network>`,
    );
    assert.equal(d.status, 201, d.body);
    // reuseAddr: virtnet's dnsmasq already holds 192.168.151.1:53 with SO_REUSEADDR
    listener = t.spawnIn(t.hostNs, [
      process.execPath,
      '-e',
      "require('dgram').createSocket({type:'udp4',reuseAddr:true}).bind(53,'0.0.0.0',()=>console.log('bound'))",
    ]);
    let bound = false;
    listener.stdout?.on('data', (b: Buffer) => {
      if (b.toString().includes('bound')) bound = true;
    });
    for (let i = 0; i < 100 && !bound; i++) await sleep(50);
    assert.ok(bound, 'the UDP listener is bound');

    const r = doctor();
    assert.notEqual(r.code, 0, r.out);
    const rep = JSON.parse(r.out) as DoctorReport;
    assert.equal(rep.ok, false);
    for (const id of PROBLEM_IDS) assert.ok(idsOf(rep).includes(id), `${id} missing in ${r.out}`);
    const find = (id: string) => rep.findings.filter((f) => f.id === id);
    assert.equal(find('ip-forward-off')[0]?.severity, 'warning');
    assert.match(find('forward-drop')[0]?.message ?? '', /ip filter FORWARD.*DOCKER-USER/);
    assert.match(find('firewalld')[0]?.fix ?? '', /--zone=libvirt --add-interface=vnbr-doc0/);
    assert.deepEqual(
      find('stale-bridge').map((f) => f.message.split(' ')[1]),
      ['virbr7'],
      'only the leftover bridge',
    );
    const udp = find('udp-port-in-use');
    assert.equal(udp.length, 1, JSON.stringify(udp));
    assert.match(
      udp[0]?.message ?? '',
      new RegExp(`port 53 .*0\\.0\\.0\\.0 by node \\(pid ${listener.pid}\\)`),
    );
    assert.match(find('subnet-route-overlap')[0]?.message ?? '', /clash: subnet 10\.77\.1\.0\/24.*vndoc-a/);

    const text = doctor([]);
    assert.notEqual(text.code, 0);
    assert.match(text.out, /^error: UDP port 53/m);
    assert.match(text.out, /^ {2}fix: /m);
    assert.doesNotMatch(text.out, /All checks passed/);
  });

  test('without a daemon it checks the host alone and says the daemon is unreachable', () => {
    const socket = join(t.dir, 'run', 'absent.sock');
    const r = doctor(['--json'], socket);
    assert.notEqual(r.code, 0, r.out);
    const rep = JSON.parse(r.out) as DoctorReport;
    const ids = idsOf(rep);
    for (const id of ['daemon-unreachable', 'forward-drop', 'firewalld', 'stale-bridge', 'udp-port-in-use'])
      assert.ok(ids.includes(id), `${id} missing in ${r.out}`);
    assert.match(rep.findings[0]?.message ?? '', new RegExp(`not reachable at ${socket}`));
  });
});
