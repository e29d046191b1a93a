// The web UI in a real Chromium (Debian's, driven by playwright-core) against a real virtnetd in a namespace: the
// list shows a started network, a guest's lease appears on the network's page without a reload, the create form
// builds what the daemon stores and refuses bad input with the same words, start/stop, XML errors with their line,
// the topology shows the guest, no serious accessibility violations (axe-core). Screenshots in test-output/web/.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  /** The guest's namespace, attached to webnet in the leases test. */
  let ctr: string;
  let leasedIp: string;
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
    // every listener needs the token: the login link turns it into the page's cookie
    const token = readFileSync(join(t.dir, 'state', 'http-token'), 'utf8').trim();
    await page.goto(`${base}/login?token=${token}`);
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
    assert.match(await row.innerText(), /NAT → uplink0/);
    await shot('networks');
    assert.deepEqual(await axeViolations(), []);
  });

  test("a guest's lease appears on the network's page without a reload", async () => {
    await page.goto(`${base}/networks/webnet?tab=leases`);
    await byTestId('tab-leases').waitFor({ timeout: 15000 });
    ctr = t.addNamespace('ctr');
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
    leasedIp = ip as string;
    await shot('leases');
    assert.deepEqual(await axeViolations(), []);
  });

  test("reserving the guest's lease from the Leases tab makes it static, live and saved", async () => {
    await page.goto(`${base}/networks/webnet?tab=leases`);
    await byTestId(`reserve-${MAC}`).click();
    await waitForText(`[data-testid="lease-row-${MAC}"]`, 'static');
    const want = new RegExp(`<host mac='${MAC}'[^>]*ip='${leasedIp.replace(/\./g, '\\.')}'`);
    assert.match((await t.api('GET', '/v1/networks/webnet/xml')).body, want);
    assert.match((await t.api('GET', '/v1/networks/webnet/xml?inactive=1')).body, want);
    assert.equal(await byTestId(`reserve-${MAC}`).count(), 0);
    await byTestId(`unreserve-${MAC}`).waitFor();
    // the same NIC again: the daemon refuses, and the page shows its words
    await byTestId('res-mac').selectOption(MAC);
    await byTestId('res-ip').fill(`${NET}.150`);
    await byTestId('res-submit').click();
    await page.waitForFunction(
      `(document.querySelector('[data-testid="lease-error"]')?.textContent ?? '').length > 10`,
      undefined,
      { timeout: 10000 },
    );
    await shot('leases-reserved');
    assert.deepEqual(await axeViolations(), []);
  });

  test('a DNS host added in the DNS tab resolves from the guest', async () => {
    await page.goto(`${base}/networks/webnet?tab=dns`);
    await byTestId('tab-dns').waitFor({ timeout: 15000 });
    await byTestId('dns-host-ip').fill(`${NET}.50`);
    await byTestId('dns-host-names').fill('dbhost');
    await byTestId('dns-host-add').click();
    await byTestId(`dns-host-row-${NET}.50`).waitFor({ timeout: 10000 });
    let found: string[] = [];
    for (let i = 0; i < 20 && !found.includes(`${NET}.50`); i++) {
      found = t.resolve(ctr, 'dbhost', `${NET}.1`);
      if (!found.includes(`${NET}.50`)) await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(found.includes(`${NET}.50`), `dbhost resolved to ${found.join(', ') || 'nothing'}`);
    // a TXT record goes to the saved definition only
    await byTestId('dns-txt-name').fill('note');
    await byTestId('dns-txt-value').fill('hello');
    await byTestId('dns-txt-add').click();
    await byTestId('dns-txt-row-note').waitFor({ timeout: 10000 });
    assert.match((await t.api('GET', '/v1/networks/webnet/xml?inactive=1')).body, /<txt name='note'/);
    await shot('dns');
    assert.deepEqual(await axeViolations(), []);
  });

  test('the overview shows how the saved definition differs, with a restart button', async () => {
    await page.goto(`${base}/networks/webnet`);
    await byTestId('config-diff').waitFor({ timeout: 15000 });
    assert.match((await byTestId('config-diff').textContent()) ?? '', /\+\s*<txt name='note'/);
    await byTestId('restart-apply').waitFor();
    await shot('overview-diff');
    assert.deepEqual(await axeViolations(), []);
  });

  test('the guests tab shows live traffic', async () => {
    await page.goto(`${base}/networks/webnet?tab=guests`);
    await waitForText('[data-testid="guest-traffic-web1"]', '/s');
    await shot('guests');
    assert.deepEqual(await axeViolations(), []);
  });

  test('the topology shows the guest', async () => {
    await page.goto(`${base}/networks/webnet?tab=topology`);
    await byTestId('topo-guest-web1').waitFor({ timeout: 15000 });
    await page.waitForFunction(
      `/\\/s/.test(document.querySelector('[data-testid="topo-rate-bridge"]')?.textContent ?? '')`,
      undefined,
      { timeout: 15000 },
    );
    await shot('topology');
    assert.deepEqual(await axeViolations(), []);
    // a node opens its row: the guest's on the Guests tab
    await byTestId('topo-guest-web1').click();
    await page.waitForURL(/tab=guests/, { timeout: 10000 });
  });

  test("the overview shows the host's side: nft chain, dnsmasq, bridge ports", async () => {
    await page.goto(`${base}/networks/webnet`);
    await byTestId('host-evidence').waitFor({ timeout: 15000 });
    const text = await byTestId('host-evidence').innerText();
    assert.match(text, /nft chain br_vnbr-web present/);
    assert.match(text, /dnsmasq serves DHCP\/DNS/);
    assert.match(text, /bridge vnbr-web with ports vnv/);
  });

  test('the list shows traffic and clones a network', async () => {
    await page.goto(`${base}/`);
    await waitForText('[data-testid="net-traffic-webnet"]', '/s');
    await byTestId('menu-webnet').click();
    await byTestId('clone-webnet').click();
    await byTestId('clone-name').waitFor();
    assert.equal(await byTestId('clone-name').inputValue(), 'webnet-clone');
    assert.match((await byTestId('confirm-dialog').textContent()) ?? '', /clash/);
    await shot('clone');
    assert.deepEqual(await axeViolations(), []);
    await byTestId('clone-submit').click();
    await page.waitForURL(/\/networks\/webnet-clone\?tab=xml/, { timeout: 15000 });
    const xml = (await t.api('GET', '/v1/networks/webnet-clone/xml?inactive=1')).body;
    const orig = (await t.api('GET', '/v1/networks/webnet/xml?inactive=1')).body;
    const uuid = /<uuid>([^<]+)<\/uuid>/.exec(orig)?.[1] ?? 'none';
    assert.ok(!xml.includes(uuid), 'the clone has its own UUID');
    assert.doesNotMatch(xml, /vnbr-web/);
    assert.match(xml, /<host mac='52:54:00:70:00:05'/);
    assert.equal((await t.api('DELETE', '/v1/networks/webnet-clone')).status, 200);
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
    // the dry run before the change already names the clash
    assert.match(await page.locator('body').innerText(), /overlaps 192\.168\.170\.0\/24 of network 'webnet'/);
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
    await byTestId('confirm-stop').click();
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

  test('XML is validated as you type, compared and applied after the plan', async () => {
    await page.goto(`${base}/networks/webnet?tab=xml`);
    await byTestId('xml-text').waitFor({ timeout: 15000 });
    await byTestId('xml-text').fill(
      "<network>\n  <name>webnet</name>\n  <bridge name='vnbr-web'\n</network>\n",
    );
    await page.waitForFunction(
      `/line 4/i.test(document.querySelector('[data-testid="xml-error"]')?.textContent ?? '')`,
      undefined,
      { timeout: 10000 },
    );
    const saved = (await t.api('GET', '/v1/networks/webnet/xml?inactive=1')).body;
    await byTestId('xml-text').fill(saved.replace('</network>', "  <mtu size='1400'/>\n</network>"));
    await byTestId('xml-ok').waitFor({ timeout: 10000 });
    await byTestId('xml-compare-saved').check();
    assert.match((await byTestId('xml-diff').textContent()) ?? '', /\+\s*<mtu size='1400'\/>/);
    await byTestId('xml-apply').click();
    await byTestId('xml-confirm').waitFor({ timeout: 10000 });
    await byTestId('plan').waitFor();
    await shot('xml-diff-plan');
    assert.deepEqual(await axeViolations(), []);
    await byTestId('xml-apply-confirm').click();
    await byTestId('xml-ok').waitFor({ timeout: 10000 });
    await page.waitForFunction(
      `/Saved/.test(document.querySelector('[data-testid="xml-ok"]')?.textContent ?? '')`,
      undefined,
      { timeout: 10000 },
    );
    assert.match((await t.api('GET', '/v1/networks/webnet/xml?inactive=1')).body, /<mtu size='1400'\/>/);
  });

  test('bridge mode offers a picker of host bridges', async () => {
    await page.goto(`${base}/create`);
    await byTestId('create-mode').selectOption('bridge');
    await byTestId('create-host-bridge').waitFor({ timeout: 10000 });
    await page.waitForFunction(`!/Looking for host bridges/.test(document.body.innerText)`, undefined, {
      timeout: 10000,
    });
    // vnbr-web is a NAT network's bridge: never offered
    const options = (await page.evaluate(
      `Array.from(document.querySelectorAll('[data-testid="create-host-bridge"] option')).map((o) => o.value)`,
    )) as string[];
    assert.ok(!options.includes('vnbr-web'), options.join(','));
    await shot('create-bridge');
    assert.deepEqual(await axeViolations(), []);
  });

  test('a failed start shows up in the activity feed with the step and what to do', async () => {
    const def = await t.api(
      'POST',
      '/v1/networks',
      "<network><name>failnet</name><forward mode='nat'/><bridge name='uplink0'/><ip address='192.168.175.1' prefix='24'/></network>",
    );
    assert.equal(def.status, 201, def.body);
    await page.goto(`${base}/networks/failnet?tab=activity`);
    await byTestId('activity').waitFor({ timeout: 15000 });
    await page.waitForTimeout(300);
    assert.equal((await t.api('POST', '/v1/networks/failnet/start')).status, 409);
    await waitForText('[data-testid="activity"]', 'What to do: choose another bridge name');
    assert.match(
      await byTestId('activity').innerText(),
      /start failed: .*step "create bridge uplink0" failed: a device named 'uplink0' already exists/,
    );
    await shot('activity-failed');
    await t.api('DELETE', '/v1/networks/failnet');
  });

  test('the forwards tab adds a forward that carries a connection, shows the plan, and deletes it', async () => {
    await t.echoServer(ctr, 80);
    await page.goto(`${base}/networks/webnet?tab=forwards`);
    await byTestId('forward-listen-port').waitFor({ timeout: 15000 });
    await byTestId('forward-listen-port').fill('8088');
    const leases = (await t.api('GET', '/v1/networks/webnet/leases')).json() as {
      leases: Array<{ mac: string; ipaddr: string }>;
    };
    await byTestId('forward-target').fill(leases.leases.find((l) => l.mac === MAC)?.ipaddr ?? '');
    await byTestId('forward-target-port').fill('80');
    await byTestId('forward-add').click();
    await byTestId('forward-row-tcp-any-8088').waitFor({ timeout: 10000 });
    assert.match(
      await page.locator('body').innerText(),
      /add map inet virtnet pf4_any \{ type inet_proto \. inet_service : verdict; elements = \{ tcp \. 8088/,
    );
    assert.equal(t.tcp(t.upNs, t.hostUplinkAddr, 8088), t.upAddr);
    await shot('forwards');
    await byTestId('forward-delete-tcp-any-8088').click();
    await page.waitForFunction(
      `!document.querySelector('[data-testid="forward-row-tcp-any-8088"]')`,
      undefined,
      {
        timeout: 10000,
      },
    );
    assert.equal(t.tcp(t.upNs, t.hostUplinkAddr, 8088), undefined);
  });

  test('phone width is usable', async () => {
    await page.setViewportSize({ width: 400, height: 800 });
    await page.goto(`${base}/networks/webnet`);
    await byTestId('tab-leases').waitFor({ timeout: 15000 });
    await byTestId('overview').waitFor({ timeout: 15000 });
    const overflow = (await page.evaluate(
      'document.documentElement.scrollWidth - window.innerWidth',
    )) as number;
    assert.ok(overflow <= 1, `page is ${overflow}px wider than the screen`);
    await shot('phone');
  });

  test('"Restart to apply" restarts the network with its saved definition', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${base}/networks/webnet`);
    await byTestId('restart-apply').click();
    await byTestId('confirm-restart').click();
    await page.waitForFunction(
      `document.querySelector('[data-testid="net-state"]')?.textContent === 'active' &&
        !document.querySelector('[data-testid="config-differs"]')`,
      undefined,
      { timeout: 20000 },
    );
    assert.equal(await byTestId('action-error').count(), 0);
    const info = (await t.api('GET', '/v1/networks/webnet')).json() as { active: boolean };
    assert.equal(info.active, true);
    assert.match((await t.api('GET', '/v1/networks/webnet/xml')).body, /<txt name='note'/);
  });
});
