// Network names with characters dnsmasq reads specially ('#' starts a comment, '"' a quote, ',' separates) and a
// name the store used to skip (a leading '.'): each network works with real dnsmasq (a guest gets a lease), and
// after the daemon restarts every definition is still there, adopted, and serving DHCP.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { canRunE2e, Topology } from './harness/topology.js';

const NAMES = ['.dot', 'x#y "z,w'];
const enc = encodeURIComponent;

describe('network names with dnsmasq metacharacters', { skip: canRunE2e() }, () => {
  let t: Topology;
  const guests: string[] = [];
  const xml = (name: string, i: number) => `<network>
  <name>${name.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</name>
  <bridge name='vnbr-nm${i}'/>
  <ip address='10.9${i}.0.1' prefix='24'><dhcp><range start='10.9${i}.0.100' end='10.9${i}.0.150'/></dhcp></ip>
</network>`;

  before(async () => {
    t = new Topology();
    await t.startDaemon();
    for (const [i, name] of NAMES.entries()) {
      const d = await t.api('POST', '/v1/networks', xml(name, i));
      assert.equal(d.status, 201, d.body);
      const s = await t.api('POST', `/v1/networks/${enc(name)}/start`);
      assert.equal(s.status, 200, s.body);
      guests.push(t.addGuest(`nm${i}`, `vnbr-nm${i}`));
    }
  });
  after(() => t?.destroy());

  test('each network serves DHCP, and no name reaches a config line raw', () => {
    for (const [i, g] of guests.entries())
      assert.match(t.dhcp(g) ?? 'none', new RegExp(`^10\\.9${i}\\.0\\.1\\d\\d$`));
    const dir = join(t.dir, 'state', 'dnsmasq');
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.conf'))) {
      assert.match(f, /^[A-Za-z0-9_%-][A-Za-z0-9_.%-]*\.conf$/, f);
      const conf = readFileSync(join(dir, f), 'utf8');
      for (const line of conf.split('\n').filter((l) => !l.startsWith('#'))) {
        assert.doesNotMatch(line, /[#"]/, `${f}: ${line}`);
      }
    }
  });

  test('after a daemon restart every definition is back, active and serving', async () => {
    t.killDaemon();
    await t.startDaemon();
    const list = (await t.api('GET', '/v1/networks?all=1')).json() as {
      networks: Array<{ name: string; active: boolean }>;
    };
    assert.deepEqual(list.networks.map((n) => [n.name, n.active]).sort(), NAMES.map((n) => [n, true]).sort());
    for (const name of NAMES) {
      const info = await t.api('GET', `/v1/networks/${enc(name)}`);
      assert.equal(info.status, 200, name);
    }
    assert.equal(t.dnsmasqPids().length, NAMES.length, 'one dnsmasq each, adopted');
    for (const [i, g] of guests.entries())
      assert.match(t.dhcp(g) ?? 'none', new RegExp(`^10\\.9${i}\\.0\\.1\\d\\d$`));
    // and a stop and start of the name with '#' and '"' works too
    const name = NAMES[1] as string;
    assert.equal((await t.api('POST', `/v1/networks/${enc(name)}/destroy`)).status, 200);
    assert.equal((await t.api('POST', `/v1/networks/${enc(name)}/start`)).status, 200);
  });
});
