// Defining a hostdev network through the API asks this host whether its PCI devices are SR-IOV virtual
// functions (the machine has none): refused with libvirt 9.0's message, nothing stored; a <pf> pool is defined.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createApi } from '../../src/daemon/api/app.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { MemoryRuntime } from '../../src/daemon/memory-runtime.js';
import { Store } from '../../src/daemon/store.js';

const dir = mkdtempSync(join(tmpdir(), 'virtnet-hostdev-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function app() {
  const daemon = new Daemon(new Store(join(dir, 'c'), join(dir, 's')), new MemoryRuntime());
  await daemon.load();
  return createApi(daemon, { readOnly: false });
}

/** A PCI address of this machine that is no virtual function (or one where there is no device at all). */
function notAVf(): string {
  const devices = existsSync('/sys/bus/pci/devices') ? readdirSync('/sys/bus/pci/devices') : [];
  return devices.find((d) => !existsSync(`/sys/bus/pci/devices/${d}/physfn`)) ?? '0000:fe:1f.7';
}

test('a hostdev pool of a PCI device that is no SR-IOV VF on this host is refused; a <pf> pool is defined', async () => {
  const api = await app();
  const label = notAVf();
  const [domain, bus, slotFn] = label.split(':');
  const [slot, fn] = (slotFn as string).split('.');
  const xml = `<network><name>vfpool</name><forward mode='hostdev' managed='yes'><address type='pci' domain='0x${domain}' bus='0x${bus}' slot='0x${slot}' function='0x${fn}'/></forward></network>`;
  const r = await api.request('/v1/networks', { method: 'POST', body: xml });
  assert.equal(r.status, 400);
  const body = (await r.json()) as { error: { code: string; message: string } };
  assert.deepEqual(body.error, {
    code: 'CONFIG_UNSUPPORTED',
    message: `unsupported configuration: device '/sys/bus/pci/devices/${label}' in network 'vfpool' is not an SR-IOV Virtual Function`,
  });
  assert.deepEqual(readdirSync(join(dir, 'c', 'networks')), ['autostart']);

  const pf = "<network><name>pfpool</name><forward mode='hostdev'><pf dev='eth2'/></forward></network>";
  const ok = await api.request('/v1/networks', { method: 'POST', body: pf });
  assert.equal(ok.status, 201, await ok.text());
});
