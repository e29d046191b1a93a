// Network hooks with real scripts in <config-dir>/hooks: libvirt's argv, stdin and environment for start, started,
// port-created, port-deleted, updated and stopped (main script, then network.d in order); a failing start hook
// refuses the start before anything is made, a failing started hook unwinds everything the start made; a failing
// port-created hook refuses the port; a hanging hook is killed after --hook-timeout; a script that is not
// executable is reported once and never run.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { canRunE2e, Topology } from './harness/topology.js';

const NET = '192.168.171';

describe('network hooks', { skip: canRunE2e() }, () => {
  let t: Topology;
  let log = '';
  let calls: string;
  const ok = (args: string[]) => {
    const r = t.virtnet(args);
    assert.equal(r.code, 0, `virtnet ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const host = (...argv: string[]) => t.tryRun(['ip', 'netns', 'exec', t.hostNs, ...argv]);
  /** The recorded hook calls since the last look: "SCRIPT ARGS" lines, and each call's stdin. */
  const seen = () => {
    const names = readdirSync(calls)
      .filter((f) => f.endsWith('.args'))
      .sort();
    const out = names.map((f) => ({
      args: readFileSync(join(calls, f), 'utf8').trim(),
      stdin: readFileSync(join(calls, f.replace(/\.args$/, '.stdin')), 'utf8'),
    }));
    for (const f of readdirSync(calls)) rmSync(join(calls, f));
    return out;
  };
  const net = (name: string, octet: number) => `<network><name>${name}</name><forward mode='nat'/>
  <bridge name='vnbr-${name}' stp='off'/>
  <ip address='${NET.slice(0, -3)}${octet}.1' prefix='24'><dhcp><range start='${NET.slice(0, -3)}${octet}.100' end='${NET.slice(0, -3)}${octet}.150'/></dhcp></ip>
</network>`;

  before(async () => {
    t = new Topology();
    calls = join(t.dir, 'calls');
    mkdirSync(calls);
    const hooks = join(t.dir, 'config', 'hooks');
    mkdirSync(join(hooks, 'network.d'), { recursive: true });
    // what every script records: its name, argv and environment, and its stdin; behaviour by network name
    const record = (tag: string) => `#!/bin/sh
n=$(ls ${calls} | grep -c args)
n=$(printf %03d "$n")
echo "${tag} $* cwd=$(pwd) LC_ALL=$LC_ALL" > ${calls}/$n.args
cat > ${calls}/$n.stdin
case "$1 $2" in
  "hstart start") echo "no start for you" >&2; exit 3 ;;
  "hstarted started") echo "not ready" >&2; exit 4 ;;
  "hport port-created") echo "no ports here" >&2; exit 5 ;;
  "hhang start") sleep 60 ;;
esac
exit 0
`;
    writeFileSync(join(hooks, 'network'), record('main'), { mode: 0o755 });
    writeFileSync(join(hooks, 'network.d', '20-second'), record('d20'), { mode: 0o755 });
    writeFileSync(join(hooks, 'network.d', '10-first'), record('d10'), { mode: 0o755 });
    writeFileSync(join(hooks, 'network.d', '30-off'), record('off'), { mode: 0o644 });
    const d = await t.startDaemon(['--heal-interval', '0', '--hook-timeout', '2']);
    d.stderr?.on('data', (b: Buffer) => {
      log += b.toString();
    });
  });
  after(() => t?.destroy());

  test('start and started: libvirt argv, the network XML on stdin, LC_ALL=C in /, main then network.d', async () => {
    await t.startNetwork(net('hnat', 171));
    const c = seen();
    assert.deepEqual(
      c.map((x) => x.args),
      [
        'main hnat start begin - cwd=/ LC_ALL=C',
        'd10 hnat start begin - cwd=/ LC_ALL=C',
        'd20 hnat start begin - cwd=/ LC_ALL=C',
        'main hnat started begin - cwd=/ LC_ALL=C',
        'd10 hnat started begin - cwd=/ LC_ALL=C',
        'd20 hnat started begin - cwd=/ LC_ALL=C',
      ],
    );
    const xml = ok(['net-dumpxml', 'hnat']);
    const indented = xml.trimEnd().replace(/^/gm, '  ');
    assert.equal(c[3]?.stdin, `<hookData>\n${indented}\n</hookData>`);
  });

  test('a script that is not executable is reported once, never run', async () => {
    await t.startNetwork(net('hnat2', 172));
    seen();
    const said = log.match(/30-off is not executable: not run \(chmod \+x to use it\)/g) ?? [];
    assert.equal(said.length, 1, log);
  });

  test('port-created, port-deleted, updated, stopped: with the port XML where libvirt gives it', () => {
    const out = ok(['port-add', 'hnat', '--owner', 'vm1', '--tap', 'hk-vm1', '--mac', '52:54:00:71:00:01']);
    const uuid = /^Port (\S+) created/.exec(out)?.[1] as string;
    let c = seen().filter((x) => x.args.startsWith('main'));
    assert.deepEqual(
      c.map((x) => x.args),
      ['main hnat port-created begin - cwd=/ LC_ALL=C'],
    );
    const portXml = ok(['net-port-dumpxml', 'hnat', uuid]).trimEnd().replace(/^/gm, '  ');
    assert.match(c[0]?.stdin ?? '', /^<hookData>\n {2}<network connections='1'>\n/);
    assert.ok(c[0]?.stdin.endsWith(`  </network>\n${portXml}\n</hookData>`), c[0]?.stdin);
    ok(['net-port-delete', 'hnat', uuid]);
    ok(['net-update', 'hnat', 'add', 'dns-host', "<host ip='192.168.171.9'><hostname>nas</hostname></host>"]);
    ok(['net-destroy', 'hnat']);
    c = seen().filter((x) => x.args.startsWith('main'));
    assert.deepEqual(
      c.map((x) => x.args.replace(/ cwd.*/, '')),
      ['main hnat port-deleted begin -', 'main hnat updated begin -', 'main hnat stopped end -'],
    );
    assert.match(c[0]?.stdin ?? '', /<networkport>[\s\S]*<mac address='52:54:00:71:00:01'\/>/);
    assert.match(c[1]?.stdin ?? '', /<hostname>nas<\/hostname>/);
  });

  test('a failing start hook refuses the start with its message; nothing is made', async () => {
    const d = await t.api('POST', '/v1/networks', net('hstart', 173));
    assert.equal(d.status, 201);
    const r = t.virtnet(['net-start', 'hstart']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /hook script \S+\/hooks\/network exited with status 3: no start for you/);
    assert.equal(host('ip', 'link', 'show', 'vnbr-hstart').code, 1, 'no bridge');
    // every script ran, as libvirt runs them all; the start never got further
    assert.deepEqual(
      seen().map((x) => x.args.replace(/ cwd.*/, '')),
      ['main hstart start begin -', 'd10 hstart start begin -', 'd20 hstart start begin -'],
    );
  });

  test('a failing started hook unwinds the whole start: bridge, rules and dnsmasq are gone', async () => {
    const d = await t.api('POST', '/v1/networks', net('hstarted', 174));
    assert.equal(d.status, 201);
    const before = t.dnsmasqPids().length;
    const r = t.virtnet(['net-start', 'hstarted']);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /network hooks hstarted started begin -: hook script \S+ exited with status 4: not ready/,
    );
    assert.equal(host('ip', 'link', 'show', 'vnbr-hstarted').code, 1, 'the bridge is gone');
    assert.equal(t.dnsmasqPids().length, before, 'its dnsmasq is gone');
    assert.doesNotMatch(host('nft', 'list', 'table', 'inet', 'virtnet').out, /vnbr-hstarted/);
    assert.equal(
      (JSON.parse((await t.api('GET', '/v1/networks/hstarted')).body) as { active: boolean }).active,
      false,
    );
    seen();
  });

  test('a failing port-created hook refuses the port: no port, no tap', async () => {
    await t.startNetwork(net('hport', 175));
    seen();
    const r = t.virtnet(['port-add', 'hport', '--owner', 'vm9', '--tap', 'hk-vm9']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /hook script \S+ exited with status 5: no ports here/);
    assert.equal(host('ip', 'link', 'show', 'hk-vm9').code, 1, 'the tap is gone');
    assert.equal(ok(['net-port-list', 'hport', '--uuid']).trim(), '');
    assert.doesNotMatch(ok(['net-dumpxml', 'hport']), /connections=/);
    seen();
  });

  test('a hook that hangs is killed after --hook-timeout, and the start fails saying so', async () => {
    const d = await t.api('POST', '/v1/networks', net('hhang', 176));
    assert.equal(d.status, 201);
    const t0 = Date.now();
    const r = t.virtnet(['net-start', 'hhang']);
    const took = Date.now() - t0;
    assert.equal(r.code, 1);
    assert.match(r.stderr, /hook script \S+\/hooks\/network did not finish within 2 s and was killed/);
    // three scripts, each killed after 2 s at most
    assert.ok(took < 12_000, `took ${took} ms`);
    assert.equal(host('ip', 'link', 'show', 'vnbr-hhang').code, 1);
    assert.equal(existsSync(join(t.dir, 'config', 'hooks', 'network')), true);
    seen();
  });
});
