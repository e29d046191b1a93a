// An unprivileged local user (setpriv --reuid 65534) against a virtnetd with a loopback TCP listener, in the
// daemon's own namespace: no network can be defined or started over TCP or the read-only socket, dnsmasq:options
// never run the user's program, the 0600 socket and the token file stay closed, and the read-only socket
// reveals nothing of the host's file system.

import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { canRunE2e, Topology } from './harness/topology.js';

const PORT = 8472;

/** Runs as nobody; prints one JSON object with what each attempt got. */
const PROBE = `
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
const [dir, port] = process.argv.slice(2);
const out = {};
const unix = (sock, method, path, body) => new Promise((resolve) => {
  const req = request({ socketPath: sock, method, path, agent: false }, (res) => {
    let t = ''; res.on('data', (c) => (t += c)); res.on('end', () => resolve({ status: res.statusCode, text: t }));
  });
  req.on('error', (e) => resolve({ error: e.code }));
  req.end(body);
});
const marker = dir + '/pwned';
const evil = "<network xmlns:dnsmasq='http://libvirt.org/schemas/network/dnsmasq/1.0'><name>pwn</name>" +
  "<bridge name='vnbr-pwn'/><ip address='10.99.0.1' prefix='24'><dhcp><range start='10.99.0.10' end='10.99.0.20'/></dhcp></ip>" +
  "<dnsmasq:options><dnsmasq:option value='dhcp-script=" + dir + "/evil.sh'/></dnsmasq:options></network>";
const plain = "<network><name>mine</name><bridge name='vnbr-mine'/></network>";
// node:http, not fetch: fetch drops a Host header it is given
const tcp = (method, path, body, headers = {}) => new Promise((resolve) => {
  const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
    let t = ''; res.on('data', (c) => (t += c)); res.on('end', () => resolve({ status: res.statusCode, text: t.slice(0, 300) }));
  });
  req.on('error', (e) => resolve({ error: e.code }));
  req.end(body);
});
out.tcpDefine = await tcp('POST', '/v1/networks', plain);
out.tcpDefineEvil = await tcp('POST', '/v1/networks', evil);
out.tcpDefineLocalhost = await tcp('POST', '/v1/networks', plain, { host: 'localhost' });
out.tcpRebind = await tcp('POST', '/v1/networks', plain, { host: 'evil.example', authorization: 'Bearer guess' });
out.tcpRead = await tcp('GET', '/v1/networks');
out.tcpStart = await tcp('POST', '/v1/networks/default/start');
out.tcpCsrf = await tcp('POST', '/v1/networks', plain, { origin: 'http://127.0.0.1:' + port, cookie: 'virtnet_token=guess', 'x-virtnet-client': 'web' });
try { readFileSync(dir + '/state/http-token', 'utf8'); out.token = 'read'; } catch (e) { out.token = e.code; }
out.rw = await unix(dir + '/run/virtnet.sock', 'POST', '/v1/networks', evil);
out.roDefine = await unix(dir + '/run/virtnet-ro.sock', 'POST', '/v1/networks', evil);
out.roStart = await unix(dir + '/run/virtnet-ro.sock', 'POST', '/v1/networks/default/start');
out.roList = await unix(dir + '/run/virtnet-ro.sock', 'GET', '/v1/networks?all=1');
out.roProbe = await unix(dir + '/run/virtnet-ro.sock', 'GET', '/v1/netmode/..%2F..%2F..%2Fetc');
out.roProbeMissing = await unix(dir + '/run/virtnet-ro.sock', 'GET', '/v1/netmode/..%2F..%2F..%2Fnonexistent');
out.roDevices = await unix(dir + '/run/virtnet-ro.sock', 'GET', '/v1/host/devices');
out.roDoctor = await unix(dir + '/run/virtnet-ro.sock', 'GET', '/v1/doctor');
process.stdout.write(JSON.stringify(out));
`;

interface Attempt {
  status?: number;
  text?: string;
  error?: string;
}

describe('an unprivileged user against the loopback listener', { skip: canRunE2e() }, () => {
  let t: Topology;
  let got: Record<string, Attempt | string>;
  const a = (k: string) => got[k] as Attempt;

  before(async () => {
    t = new Topology();
    await t.startDaemon(['--http', `127.0.0.1:${PORT}`]);
    await t.startNetwork(`<network><name>default</name><forward mode='nat'/><bridge name='vnbr-dflt'/>
      <ip address='10.98.0.1' prefix='24'/></network>`);
    await t.api('POST', '/v1/networks/default/destroy');
    writeFileSync(join(t.dir, 'evil.sh'), `#!/bin/sh\ntouch ${t.dir}/pwned\n`, { mode: 0o755 });
    writeFileSync(join(t.dir, 'probe.mjs'), PROBE, { mode: 0o644 });
    const r = t.tryRun(
      [
        'ip',
        'netns',
        'exec',
        t.hostNs,
        'setpriv',
        '--reuid',
        '65534',
        '--regid',
        '65534',
        '--clear-groups',
        process.execPath,
        join(t.dir, 'probe.mjs'),
        t.dir,
        String(PORT),
      ],
      30000,
    );
    assert.equal(r.code, 0, r.out);
    got = JSON.parse(r.out);
  });
  after(() => t?.destroy());

  test('TCP: no token, no change and no read; another Host is refused first', () => {
    for (const k of ['tcpDefine', 'tcpDefineEvil', 'tcpDefineLocalhost', 'tcpRead', 'tcpStart', 'tcpCsrf']) {
      assert.equal(a(k).status, 403, `${k}: ${JSON.stringify(a(k))}`);
    }
    assert.match(a('tcpDefine').text ?? '', /a valid token is required/);
    assert.equal(a('tcpRebind').status, 403);
    assert.match(a('tcpRebind').text ?? '', /Host 'evil\.example' is not a name of this listener/);
  });

  test('the token file and the read-write socket are closed to the user', () => {
    assert.equal(got.token, 'EACCES');
    assert.equal(a('rw').error, 'EACCES');
  });

  test('the read-only socket reads, refuses changes, and reveals no host path', () => {
    assert.equal(a('roDefine').status, 403);
    assert.equal(a('roStart').status, 403);
    assert.equal(a('roList').status, 200);
    assert.equal(a('roProbe').status, 404);
    // /etc exists and the other does not: the answers must not tell them apart
    assert.equal(
      a('roProbe').text?.replace(/\.\.\/\.\.\/\.\.\/\w+/, 'X'),
      a('roProbeMissing').text?.replace(/\.\.\/\.\.\/\.\.\/\w+/, 'X'),
    );
    const devices = JSON.parse(a('roDevices').text ?? '{}').devices as Array<{ name: string }>;
    assert.deepEqual(
      devices.map((d) => d.name),
      [],
      'no active network: no host device listed (uplink0, lo stay hidden)',
    );
    assert.match(a('roDoctor').text ?? '', /host checks skipped: the read-only socket/);
  });

  test('nothing was defined, started or run', async () => {
    const names = (
      (await t.api('GET', '/v1/networks?all=1')).json() as { networks: Array<{ name: string }> }
    ).networks.map((n) => n.name);
    assert.deepEqual(names, ['default']);
    assert.equal(existsSync(join(t.dir, 'pwned')), false);
    assert.equal(t.dnsmasqPids().length, 0);
  });
});
