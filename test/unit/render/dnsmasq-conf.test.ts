// dnsmasq configuration: for every libvirt vector, our files equal what libvirt 9.0 wrote (paths and header aside).

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { isVirtError } from '../../../src/model/errors.js';
import { applyDefineDefaults } from '../../../src/model/network-defaults.js';
import { parseNetworkXml } from '../../../src/model/network-parse.js';
import { validateNetworkDef } from '../../../src/model/network-validate.js';
import { needsDnsmasq, renderDnsmasqFiles } from '../../../src/render/dnsmasq-conf.js';

const FIXTURES = join(import.meta.dirname, '../../../../test/fixtures/conformance');
const DEFAULTS = { bridgeInUse: () => false, random: (n: number) => new Uint8Array(n) };
/** What libvirt's start failures on its test host were about, when the definition itself was fine. */
const HOST_REASONS =
  /Specified qdisc kind is unknown|vlan_filtering|No usable Vf|not an SR-IOV Virtual Function|firewalld is not active|dnsmasq: bad option/;

function libvirtPaths(name: string) {
  return {
    pidFile: `/run/libvirt/network/${name}.pid`,
    hostsFile: `/var/lib/libvirt/dnsmasq/${name}.hostsfile`,
    addnHostsFile: `/var/lib/libvirt/dnsmasq/${name}.addnhosts`,
  };
}

/** Drops the 6 header comment lines, which name virtnet instead of libvirt. */
const body = (conf: string) => conf.split('\n').slice(6).join('\n');
const xmlEscape = (s: string) => s.replace(/"/g, '&quot;');

let sameAll = 0;
let totalAll = 0;
after(() => console.log(`dnsmasq conf: ${sameAll}/${totalAll} identical to libvirt 9.0`));

for (const [inputs, outputs] of [
  ['libvirt/networkxml2confdata', 'libvirt-9.0/xml2conf'],
  ['libvirt/networkxmlconfdata', 'libvirt-9.0/xmlconfdata-xml2conf'],
] as const) {
  describe(`dnsmasq ${outputs}`, () => {
    let same = 0;
    let total = 0;
    for (const file of readdirSync(join(FIXTURES, inputs)).sort()) {
      if (!file.endsWith('.xml')) continue;
      const base = file.replace(/\.xml$/, '');
      const expectedConf = join(FIXTURES, outputs, `${base}.conf`);
      const input = () => readFileSync(join(FIXTURES, inputs, file), 'utf8');
      const errFile = join(FIXTURES, outputs, `${base}.err`);
      if (existsSync(errFile)) {
        // libvirt could not start it: refused at define (the conformance test checks where and with which
        // words), or the host lacked what it needs (a qdisc, VLAN filtering, firewalld, SR-IOV, an option dnsmasq
        // refuses) — then virtnet still renders a configuration, which must hold the definition's options
        const why = readFileSync(errFile, 'utf8');
        test(`${base}: libvirt 9.0 could not start it; virtnet refuses it at define or renders it`, () => {
          let def: ReturnType<typeof parseNetworkXml> | undefined;
          try {
            def = parseNetworkXml(input());
            validateNetworkDef(def);
          } catch (e) {
            assert.ok(isVirtError(e), `not a VirtError: ${e}`);
            return;
          }
          assert.match(why, HOST_REASONS, `libvirt's reason is not one of the host's: ${why}`);
          if (!needsDnsmasq(def)) return;
          const conf = renderDnsmasqFiles(applyDefineDefaults(def, DEFAULTS), libvirtPaths(def.name)).conf;
          for (const o of def.dnsmasqOptions) assert.ok(conf.includes(`${o}\n`), `option ${o} rendered`);
        });
        continue;
      }
      if (!existsSync(expectedConf)) {
        // libvirt writes no dnsmasq configuration for a network that needs no dnsmasq; neither may virtnet
        test(`${base}: no dnsmasq, as libvirt 9.0 started none`, () => {
          assert.equal(needsDnsmasq(parseNetworkXml(input())), false, 'virtnet would start a dnsmasq');
        });
        continue;
      }
      total++;
      totalAll++;
      test(`${base}: conf, hostsfile and addnhosts as libvirt 9.0`, () => {
        const def = applyDefineDefaults(parseNetworkXml(input()), DEFAULTS);
        // libvirt escaped the quotes of one odd network name in its file paths; mirror that only for comparison
        const files = renderDnsmasqFiles(def, libvirtPaths(xmlEscape(def.name)));
        assert.equal(body(files.conf), body(readFileSync(expectedConf, 'utf8')));
        for (const ext of ['hostsfile', 'addnhosts'] as const) {
          const f = join(FIXTURES, outputs, `${base}.${ext}`);
          if (existsSync(f)) assert.equal(files[ext], readFileSync(f, 'utf8'), ext);
        }
        assert.match(files.conf, /^##WARNING/);
        // behind our firewall's DNS guard the one difference is how dnsmasq binds (see dnsGuarded)
        const guarded = renderDnsmasqFiles(def, libvirtPaths(xmlEscape(def.name)), [], {
          bindInterfaces: true,
        });
        assert.equal(guarded.conf, files.conf.replace('\nbind-dynamic\n', '\nbind-interfaces\n'));
        assert.notEqual(guarded.conf, files.conf);
        same++;
        sameAll++;
      });
    }
    test('the vector folder is not empty', () => assert.ok(total >= 20, `only ${total} vectors`));
    after(() => console.log(`dnsmasq conf (${outputs}): ${same}/${total} identical to libvirt 9.0`));
  });
}
