// One network's page in Chromium against a real virtnetd in a namespace (healing off, so drift stays until someone
// repairs it): the definition banner is honest (libvirt's live defaults and port reservations are no difference,
// live-only reservations are saved in one click), Restart to apply names the guests and keeps them plugged, a
// deleted bridge shows as degraded within seconds with a Repair button, the Activity tab shows what happened
// before the page opened in plain words, the topology shows guest addresses and runs top to bottom on a phone.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Topology } from './harness/topology.js';
import { browserSkipReason, openWeb, type WebSession } from './helpers/web-browser.js';

const PORT = 8473;
const NET = '192.168.171';
const BRIDGE = 'vnp-page';
const MAC = '52:54:00:71:00:05';

describe('web UI network page', { skip: browserSkipReason() }, () => {
  let t: Topology;
  let w: WebSession;
  let ctr: string;
  const text = async (id: string) => (await w.byTestId(id).textContent()) ?? '';
  const update = (body: Record<string, unknown>) =>
    t.api('POST', '/v1/networks/pagenet/update', JSON.stringify(body));

  before(async () => {
    t = new Topology();
    await t.startDaemon(['--http', `127.0.0.1:${PORT}`, '--heal-interval', '0']);
    // the sandbox's demo: a NAT network and a guest plugged in by virtnet with a reservation (port-add --ip)
    await t.startNetwork(`<network>
  <name>pagenet</name>
  <forward mode='nat'/>
  <bridge name='${BRIDGE}' stp='off'/>
  <ip address='${NET}.1' netmask='255.255.255.0'>
    <dhcp><range start='${NET}.100' end='${NET}.199'/></dhcp>
  </ip>
</network>`);
    ctr = t.addNamespace('vm');
    const port = await t.api(
      'POST',
      '/v1/networks/pagenet/ports',
      JSON.stringify({ owner: 'vm-a', netns: `/var/run/netns/${ctr}`, mac: MAC, ip: `${NET}.50` }),
    );
    assert.equal(port.status, 201, port.body);
    w = await openWeb(t, PORT);
  });
  after(async () => {
    await w?.close();
    await t?.destroy();
  });

  test("the sandbox's demo shows no difference: the NAT port range and port reservations are not changes", async () => {
    assert.match((await t.api('GET', '/v1/networks/pagenet/xml')).body, /<port start='1024' end='65535'\/>/);
    await w.page.goto(`${w.base}/networks/pagenet`);
    await w.byTestId('port-reservations').waitFor({ timeout: 15000 });
    assert.match(await text('port-reservations'), /vm-a/);
    assert.equal(await w.byTestId('config-differs').count(), 0);
    assert.equal(await w.byTestId('live-only').count(), 0);
    await w.shot('page-no-difference');
  });

  test('a reservation added live only is labelled "lost at restart" and saved in one click', async () => {
    const host = `<host mac='52:54:00:71:00:09' name='printer' ip='${NET}.60'/>`;
    const r = await update({ command: 'add', section: 'ip-dhcp-host', xml: host, live: true, config: false });
    assert.equal(r.status, 200, r.body);
    await w.byTestId('live-only').waitFor({ timeout: 15000 });
    assert.match(await text('live-only'), /Live only, lost at restart/);
    assert.match(await text('live-only'), /printer/);
    assert.equal(await w.byTestId('config-differs').count(), 0);
    await w.shot('page-live-only');
    await w.byTestId('save-live-only').click();
    await w.page.waitForFunction(`!document.querySelector('[data-testid="live-only"]')`, undefined, {
      timeout: 15000,
    });
    assert.match(
      (await t.api('GET', '/v1/networks/pagenet/xml?inactive=1')).body,
      /name='printer' ip='192\.168\.171\.60'/,
    );
    assert.equal(await w.byTestId('config-differs').count(), 0);
  });

  test('Restart to apply names the guest, says it is plugged in again, and it is', async () => {
    const r = await update({
      command: 'add',
      section: 'dns-host',
      xml: `<host ip='${NET}.70'><hostname>files</hostname></host>`,
      live: false,
      config: true,
    });
    assert.equal(r.status, 200, r.body);
    await w.byTestId('config-differs').waitFor({ timeout: 15000 });
    assert.match(await text('config-diff'), /files/);
    await w.byTestId('restart-apply').click();
    await w.byTestId('confirm-dialog').waitFor();
    assert.match(await text('impact-guests'), /vm-a/);
    assert.match(await text('confirm-dialog'), /plugged in again/);
    await w.shot('page-restart-confirm');
    await w.byTestId('confirm-restart').click();
    await w.page.waitForFunction(`!document.querySelector('[data-testid="config-differs"]')`, undefined, {
      timeout: 20000,
    });
    // (the notice goes with the stop already: the start, which plugs the guest in, may still be running)
    await w.page.waitForFunction(
      `document.querySelector('[data-testid="net-state"]')?.textContent?.trim() === 'active'`,
      undefined,
      { timeout: 20000 },
    );
    assert.match((await t.api('GET', '/v1/networks/pagenet/xml')).body, /files/);
    const ports = (await t.api('GET', '/v1/networks/pagenet/ports')).json() as {
      ports: Array<{ owner: { name: string } }>;
    };
    assert.deepEqual(
      ports.ports.map((p) => p.owner.name),
      ['vm-a'],
    );
    // the guest's veth is on the bridge again
    assert.match(t.sh(['ip', '-n', t.hostNs, '-o', 'link', 'show', 'master', BRIDGE]), /\S/);
  });

  test('a deleted bridge shows as degraded within seconds, without a reload; Repair makes it active', async () => {
    await w.page.goto(`${w.base}/networks/pagenet`);
    await w.waitForText('[data-testid="net-state"]', 'active');
    const t0 = Date.now();
    t.sh(['ip', '-n', t.hostNs, 'link', 'del', BRIDGE]);
    await w.waitForText('[data-testid="net-state"]', 'degraded', 15000);
    const seconds = (Date.now() - t0) / 1000;
    console.log(`# deleted bridge shown as degraded after ${seconds.toFixed(1)} s`);
    await w.byTestId('problems').waitFor();
    assert.match(await text('problems'), new RegExp(BRIDGE));
    // "On the host now" says the same as the banner
    await w.waitForText('[data-testid="host-evidence"] li.bad', BRIDGE, 10000);
    await w.shot('page-degraded');
    await w.byTestId('repair').click();
    await w.page.waitForFunction(
      `document.querySelector('[data-testid="net-state"]')?.textContent?.trim() === 'active'`,
      undefined,
      { timeout: 20000 },
    );
    assert.equal(await w.byTestId('problems').count(), 0);
    assert.match(t.sh(['ip', '-n', t.hostNs, '-o', 'link', 'show', BRIDGE]), new RegExp(BRIDGE));
    // the list, from the daemon's summary, agrees
    const list = (await t.api('GET', '/v1/networks?detail=1')).json() as {
      networks: Array<{ state: string }>;
    };
    assert.equal(list.networks[0]?.state, 'active');
  });

  test('Activity shows, in words, what happened before the page was opened', async () => {
    await w.page.goto(`${w.base}/networks/pagenet?tab=activity`);
    await w.byTestId('activity').waitFor({ timeout: 15000 });
    await w.waitForText('[data-testid="activity"]', 'Guest vm-a plugged in');
    const all = await text('activity');
    assert.match(all, /Started\./);
    assert.match(all, /Stopped\./);
    assert.match(all, /Repaired on request: /);
    assert.doesNotMatch(all, /runtimeEvent=/);
    await w.shot('page-activity');
  });

  test('the topology shows the guest with its address, top to bottom on a phone', async () => {
    await w.page.goto(`${w.base}/networks/pagenet?tab=topology`);
    await w.byTestId('topo-guest-vm-a').waitFor({ timeout: 15000 });
    assert.match(await text('topo-guest-vm-a'), new RegExp(`${NET.replace(/\./g, '\\.')}\\.50`));
    assert.equal(await w.byTestId('topology').getAttribute('data-layout'), 'horizontal');
    await w.shot('page-topology');
    await w.page.setViewportSize({ width: 390, height: 800 });
    await w.page.waitForFunction(
      `document.querySelector('[data-testid="topology"]')?.getAttribute('data-layout') === 'vertical'`,
      undefined,
      { timeout: 5000 },
    );
    const box = await w.byTestId('topology').boundingBox();
    assert.ok(box && box.height > box.width, `vertical: ${JSON.stringify(box)}`);
    await w.shot('page-topology-phone');
    await w.page.setViewportSize({ width: 1280, height: 800 });
  });
});
