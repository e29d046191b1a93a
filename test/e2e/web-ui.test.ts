// The web UI in a real Chromium (Debian's, driven by playwright-core) against a real virtnetd in a namespace: the
// list shows a started network, a guest's lease appears on the network's page without a reload, the create form
// builds what the daemon stores and refuses bad input with the same words, start/stop, XML errors with their line,
// the topology shows the guest, no serious accessibility violations (axe-core). Screenshots in test-output/web/.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { canRunE2e, Topology } from './harness/topology.js';

const ROOT = join(import.meta.dirname, '../../..');
const SHOTS = join(ROOT, 'test-output', 'web');
const NET = '192.168.170';
const PORT = 8471;
const MAC = '52:54:00:70:00:05';

function skipReason(): string | undefined {
  const e2e = canRunE2e();
  if (e2e) return e2e;
  if (!existsSync('/usr/bin/chromium')) return 'needs /usr/bin/chromium (scripts/setup.sh)';
  if (!existsSync(join(ROOT, 'web', 'dist', 'index.html'))) return 'needs the built web UI (npm run build)';
  return undefined;
}

describe('web UI in Chromium', { skip: skipReason() }, () => {
  let t: Topology;
  let browser: Browser;
  let page: Page;
  const base = `http://127.0.0.1:${PORT}`;
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  const byTestId = (id: string) => page.locator(`[data-testid="${id}"]`);
  const waitForText = (selector: string, text: string) =>
    page.waitForFunction(
      `(document.querySelector(${JSON.stringify(selector)})?.textContent ?? '').includes(${JSON.stringify(text)})`,
      undefined,
      { timeout: 15000 },
    );
  const axeViolations = async (): Promise<string[]> => {
    await page.addScriptTag({ path: join(ROOT, 'node_modules', 'axe-core', 'axe.min.js') });
    // a string: the test compiles without the DOM library
    return page.evaluate(`(async () => {
      const r = await window.axe.run();
      return r.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', '));
    })()`) as Promise<string[]>;
  };

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    t = new Topology();
    await t.startDaemon(['--http', `127.0.0.1:${PORT}`]);
    await t.startNetwork(`<network>
  <name>webnet</name>
  <forward mode='nat'/>
  <bridge name='vnbr-web' stp='off'/>
  <ip address='${NET}.1' netmask='255.255.255.0'>
    <dhcp><range start='${NET}.100' end='${NET}.199'/></dhcp>
  </ip>
</network>`);
    // Chromium runs inside the daemon's namespace, where its listener is on loopback
    const wrapper = join(t.dir, 'chromium-in-ns');
    writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${t.hostNs} /usr/bin/chromium "$@"\n`, {
      mode: 0o755,
    });
    browser = await chromium.launch({
      executablePath: wrapper,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
      timeout: 60000,
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  });
  after(async () => {
    await browser?.close();
    await t?.destroy();
  });

  test('the networks list shows the started network', async () => {
    await page.goto(`${base}/`);
    const row = byTestId('net-row-webnet');
    await row.waitFor({ timeout: 15000 });
    // the subnets come from the network's XML, fetched after the row appears
    await waitForText('[data-testid="net-row-webnet"]', '192.168.170.0/24');
    assert.match((await row.innerText()).toLowerCase(), /active/);
    await shot('networks');
    assert.deepEqual(await axeViolations(), []);
  });

  test("a guest's lease appears on the network's page without a reload", async () => {
    await page.goto(`${base}/networks/webnet?tab=leases`);
    await byTestId('tab-leases').waitFor({ timeout: 15000 });
    const ctr = t.addNamespace('ctr');
    const add = t.virtnet([
      'port-add',
      'webnet',
      '--owner',
      'web1',
      '--netns',
      `/var/run/netns/${ctr}`,
      '--mac',
      MAC,
    ]);
    assert.equal(add.code, 0, add.stderr);
    const ip = t.dhcp(ctr);
    assert.match(ip ?? '', /^192\.168\.170\.1\d\d$/);
    const row = byTestId(`lease-row-${MAC}`);
    await row.waitFor({ timeout: 10000 });
    assert.match(await row.innerText(), new RegExp((ip as string).replace(/\./g, '\\.')));
    await shot('leases');
    assert.deepEqual(await axeViolations(), []);
  });

  test('the topology shows the guest', async () => {
    await page.goto(`${base}/networks/webnet?tab=topology`);
    await byTestId('topo-guest-web1').waitFor({ timeout: 15000 });
    await shot('topology');
  });

  test('the create form refuses bad input with clear words', async () => {
    await page.goto(`${base}/create`);
    await byTestId('create-name').waitFor({ timeout: 15000 });
    const attempt = async (fields: Record<string, string>, expect: RegExp) => {
      await page.goto(`${base}/create`);
      await byTestId('create-name').waitFor();
      for (const [id, value] of Object.entries(fields)) await byTestId(id).fill(value);
      await byTestId('create-submit').click();
      await page.waitForFunction(
        `new RegExp(${JSON.stringify(expect.source)}).test(document.body.innerText)`,
        undefined,
        { timeout: 10000 },
      );
    };
    await attempt({ 'create-name': '', 'create-cidr': '192.168.172.0/24' }, /Enter a name for the network/);
    await attempt({ 'create-name': 'bad1', 'create-cidr': '192.168.300.0/24' }, /IPv4 subnet in CIDR form/);
    await attempt(
      { 'create-name': 'bad2', 'create-cidr': '192.168.172.0/24', 'create-gateway': '192.168.172.0' },
      /gateway cannot be the network address/,
    );
    await attempt(
      { 'create-name': 'bad3', 'create-cidr': '192.168.172.0/24', 'create-gateway': '192.168.172.255' },
      /gateway cannot be the broadcast address/,
    );
    await attempt(
      { 'create-name': 'bad4', 'create-cidr': '192.168.172.0/24', 'create-dhcp-start': '192.168.173.2' },
      /DHCP range start is outside the subnet/,
    );
    await attempt(
      {
        'create-name': 'bad5',
        'create-cidr': '192.168.172.0/24',
        'create-dhcp-start': '192.168.172.200',
        'create-dhcp-end': '192.168.172.100',
      },
      /DHCP range start is after its end/,
    );
    // the daemon's own refusals, shown in its words
    await attempt({ 'create-name': 'webnet', 'create-cidr': '192.168.172.0/24' }, /already exists/);
    await shot('create-error');
    for (const name of ['bad1', 'bad2', 'bad3', 'bad4', 'bad5'])
      assert.equal((await t.api('GET', `/v1/networks/${name}`)).status, 404, `${name} not defined`);
  });

  test('a clashing subnet is refused by the daemon and the page says why', async () => {
    await page.goto(`${base}/create`);
    await byTestId('create-name').waitFor();
    await byTestId('create-name').fill('clash');
    await byTestId('create-cidr').fill(`${NET}.0/24`);
    await byTestId('create-submit').click();
    await page.waitForFunction('/in use/i.test(document.body.innerText)', undefined, { timeout: 15000 });
    const r = await t.api('GET', '/v1/networks/clash');
    if (r.status === 200) assert.equal((r.json() as { active: boolean }).active, false);
  });

  test('a network created through the form is what the daemon stores; stop and start it', async () => {
    await page.goto(`${base}/create`);
    await byTestId('create-name').waitFor();
    await byTestId('create-name').fill('formnet');
    await byTestId('create-cidr').fill('192.168.171.0/24');
    await shot('create');
    await byTestId('create-submit').click();
    await page.waitForURL(/\/networks\/formnet/, { timeout: 20000 });
    const xml = (await t.api('GET', '/v1/networks/formnet/xml?inactive=1')).body;
    assert.match(xml, /<ip address='192\.168\.171\.1' (netmask='255\.255\.255\.0'|prefix='24')>/);
    assert.match(xml, /<range start='192\.168\.171\.\d+' end='192\.168\.171\.\d+'\/>/);
    await shot('network-overview');
    await page.goto(`${base}/`);
    await byTestId('stop-formnet').click();
    await waitForText('[data-testid="net-row-formnet"]', 'inactive');
    assert.equal(((await t.api('GET', '/v1/networks/formnet')).json() as { active: boolean }).active, false);
    await byTestId('start-formnet').click();
    await page.waitForFunction(
      `!/inactive/.test(document.querySelector('[data-testid="net-row-formnet"]')?.textContent ?? 'inactive')`,
      undefined,
      { timeout: 15000 },
    );
    assert.equal(((await t.api('GET', '/v1/networks/formnet')).json() as { active: boolean }).active, true);
  });

  test('XML with an error shows the line and column', async () => {
    await page.goto(`${base}/networks/webnet?tab=xml`);
    await byTestId('xml-text').waitFor({ timeout: 15000 });
    await byTestId('xml-text').fill(
      "<network>\n  <name>webnet</name>\n  <bridge name='vnbr-web'\n</network>\n",
    );
    await byTestId('xml-validate').click();
    await byTestId('xml-error').waitFor({ timeout: 10000 });
    assert.match(await byTestId('xml-error').innerText(), /line 4/i);
    await shot('xml-error');
  });

  test('phone width is usable', async () => {
    await page.setViewportSize({ width: 400, height: 800 });
    await page.goto(`${base}/networks/webnet`);
    await byTestId('tab-leases').waitFor({ timeout: 15000 });
    const overflow = (await page.evaluate(
      'document.documentElement.scrollWidth - window.innerWidth',
    )) as number;
    assert.ok(overflow <= 1, `page is ${overflow}px wider than the screen`);
    await shot('phone');
  });
});
