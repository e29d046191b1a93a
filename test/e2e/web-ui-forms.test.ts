// The web UI's forms in a real Chromium (Debian's, driven by playwright-core) against a real virtnetd in a
// namespace: Create is one change (a refused start leaves nothing defined; clashes show as the user types), the
// forwards tab (ranges, listen address, guest picker, preview, host-port warning, hit counters, phone cards), the
// DNS tab (duplicates, exact remove, guest picker, DHCP names), the XML editor (line numbers, highlighting, no
// warning about the network's own bridge) and the uplink picker. Screenshots in test-output/web/.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { canRunE2e, Topology } from './harness/topology.js';

const ROOT = join(import.meta.dirname, '../../..');
const SHOTS = join(ROOT, 'test-output', 'web');
const NET = '192.168.176';
const PORT = 8471;
const MAC = '52:54:00:76:00:05';

function skipReason(): string | undefined {
  const e2e = canRunE2e();
  if (e2e) return e2e;
  if (!existsSync('/usr/bin/chromium')) return 'needs /usr/bin/chromium (scripts/setup.sh)';
  if (!existsSync(join(ROOT, 'web', 'dist', 'index.html'))) return 'needs the built web UI (npm run build)';
  return undefined;
}

describe('web UI forms in Chromium', { skip: skipReason() }, () => {
  let t: Topology;
  let browser: Browser;
  let page: Page;
  /** The guest's namespace (owner "app1"), with a lease on formsnet. */
  let ctr: string;
  let guestIp: string;
  const base = `http://127.0.0.1:${PORT}`;
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  const byTestId = (id: string) => page.locator(`[data-testid="${id}"]`);
  const waitForText = (selector: string, text: string | RegExp) =>
    page.waitForFunction(
      typeof text === 'string'
        ? `(document.querySelector(${JSON.stringify(selector)})?.textContent ?? '').includes(${JSON.stringify(text)})`
        : `new RegExp(${JSON.stringify(text.source)}).test(document.querySelector(${JSON.stringify(selector)})?.textContent ?? '')`,
      undefined,
      { timeout: 15000 },
    );
  const axeViolations = async (): Promise<string[]> => {
    await page.addScriptTag({ path: join(ROOT, 'node_modules', 'axe-core', 'axe.min.js') });
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
  <name>formsnet</name>
  <forward mode='nat'/>
  <bridge name='vnbr-forms' stp='off'/>
  <domain name='forms.test'/>
  <ip address='${NET}.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='${NET}.100' end='${NET}.199'/>
      <host mac='52:54:00:76:00:09' name='reserved9' ip='${NET}.9'/>
    </dhcp>
  </ip>
</network>`);
    ctr = t.addNamespace('ctr');
    const add = t.virtnet([
      'port-add',
      'formsnet',
      '--owner',
      'app1',
      '--netns',
      `/var/run/netns/${ctr}`,
      '--mac',
      MAC,
    ]);
    assert.equal(add.code, 0, add.stderr);
    guestIp = t.dhcp(ctr) ?? '';
    assert.match(guestIp, /^192\.168\.176\.1\d\d$/);
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
    const token = readFileSync(join(t.dir, 'state', 'http-token'), 'utf8').trim();
    await page.goto(`${base}/login?token=${token}`);
  });
  after(async () => {
    await browser?.close();
    await t?.destroy();
  });

  test('create: clashes show as you type, and a refused start leaves nothing defined', async () => {
    await page.goto(`${base}/create`);
    await byTestId('create-name').waitFor({ timeout: 15000 });
    // a name that exists: said next to the field, before any submit
    await byTestId('create-name').fill('formsnet');
    await waitForText('[data-testid="create-name-error"]', "A network named 'formsnet' already exists");
    // a subnet that overlaps the active network: the daemon's dry run, next to the subnet field
    await byTestId('create-name').fill('clash');
    await byTestId('create-cidr').fill(`${NET}.0/24`);
    await waitForText('[data-testid="create-cidr-clash"]', `overlaps ${NET}.0/24 of network 'formsnet'`);
    assert.equal(await byTestId('create-name-error').count(), 0);
    await shot('create-clash-live');
    assert.deepEqual(await axeViolations(), []);
    await byTestId('create-submit').click();
    await waitForText('[data-testid="create-server-error"]', 'The network was not created');
    assert.match((await byTestId('create-server-error').textContent()) ?? '', /in use/);
    assert.equal((await t.api('GET', '/v1/networks/clash')).status, 404, 'nothing left defined');
    await shot('create-clash-refused');
    // a free subnet: the warning goes away and the network is created and started
    await byTestId('create-cidr').fill('192.168.177.0/24');
    await page.waitForFunction(`!document.querySelector('[data-testid="create-cidr-clash"]')`, undefined, {
      timeout: 10000,
    });
    await byTestId('create-submit').click();
    await page.waitForURL(/\/networks\/clash/, { timeout: 20000 });
    const info = (await t.api('GET', '/v1/networks/clash')).json() as {
      active: boolean;
      persistent: boolean;
    };
    assert.deepEqual([info.active, info.persistent], [true, true]);
    assert.equal((await t.api('POST', '/v1/networks/clash/destroy')).status, 200);
    assert.equal((await t.api('DELETE', '/v1/networks/clash')).status, 200);
  });

  test('forwards: guest picker, range, preview with a host-port warning, live hits, listen address', async () => {
    await t.echoServer(ctr, 80);
    await t.echoServer(ctr, 81);
    // a service of the host itself: a forward on its port would take its connections
    await t.echoServer(t.hostNs, 2222);
    await page.goto(`${base}/networks/formsnet?tab=forwards`);
    await byTestId('forward-listen-port').waitFor({ timeout: 15000 });
    // the picker names the guest by its port's owner and fills the address
    await page.waitForFunction(
      `Array.from(document.querySelectorAll('[data-testid="forward-guest"] option')).some((o) => o.textContent.startsWith('app1 — ${guestIp}'))`,
      undefined,
      { timeout: 10000 },
    );
    const options = await byTestId('forward-guest').innerText();
    assert.match(options, new RegExp(`reserved9 — ${NET}\\.9 \\(reserved\\)`));
    await byTestId('forward-guest').selectOption(guestIp);
    assert.equal(await byTestId('forward-target').inputValue(), guestIp);
    // before Add: the daemon's dry run, with the warning about the host's own listener
    await byTestId('forward-listen-port').fill('2222');
    await waitForText('[data-testid="forward-preview"]', 'already listens on tcp [::]:2222');
    assert.match(await byTestId('forward-preview').innerText(), /nothing changed yet/);
    await shot('forwards-preview-warning');
    const none = (await t.api('GET', '/v1/networks/formsnet/forwards')).json() as { forwards: unknown[] };
    assert.equal(none.forwards.length, 0, 'the preview changed nothing');
    // a range onto the guest's ports 80-81
    await byTestId('forward-listen-port').fill('8090-8091');
    await byTestId('forward-target-port').fill('80');
    await waitForText('[data-testid="forward-preview"]', 'tcp . 8090');
    assert.doesNotMatch(await byTestId('forward-preview').innerText(), /already listens/);
    await byTestId('forward-add').click();
    const row = 'forward-row-tcp-any-8090';
    await byTestId(row).waitFor({ timeout: 10000 });
    const text = await byTestId(row).innerText();
    assert.match(text, /\*:8090-8091/);
    assert.match(text, new RegExp(`${guestIp.replace(/\./g, '\\.')}:80-81`));
    assert.equal((await byTestId('forward-guest-tcp-any-8090').innerText()).trim(), 'app1');
    // packets: both ports of the range reach the guest, and the hit counter follows without a reload
    assert.equal(t.tcp(t.upNs, t.hostUplinkAddr, 8090), t.upAddr);
    assert.equal(t.tcp(t.upNs, t.hostUplinkAddr, 8091), t.upAddr);
    await waitForText('[data-testid="forward-hits-tcp-any-8090"]', /^[2-9]/);
    // a forward on one listen address only
    await byTestId('forward-listen-address').fill(t.hostUplinkAddr);
    await byTestId('forward-listen-port').fill('8095');
    await byTestId('forward-target-port').fill('80');
    await waitForText('[data-testid="forward-preview"]', '8095');
    await byTestId('forward-add').click();
    await byTestId(`forward-row-tcp-${t.hostUplinkAddr}-8095`).waitFor({ timeout: 10000 });
    assert.equal(t.tcp(t.upNs, t.hostUplinkAddr, 8095), t.upAddr);
    await shot('forwards');
    assert.deepEqual(await axeViolations(), []);
  });

  test('forwards: one card per forward at phone width', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.goto(`${base}/networks/formsnet?tab=forwards`);
      await byTestId('forward-row-tcp-any-8090').waitFor({ timeout: 15000 });
      const display = await page.evaluate(
        `getComputedStyle(document.querySelector('[data-testid="forward-row-tcp-any-8090"]')).display`,
      );
      assert.equal(display, 'block');
      const overflow = (await page.evaluate(
        'document.documentElement.scrollWidth - window.innerWidth',
      )) as number;
      assert.ok(overflow <= 1, `page is ${overflow}px wider than the screen`);
      await shot('forwards-phone');
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
    for (const q of [
      'proto=tcp&listenPort=8090',
      `proto=tcp&listenPort=8095&listenAddress=${t.hostUplinkAddr}`,
    ])
      assert.equal((await t.api('DELETE', `/v1/networks/formsnet/forwards?${q}`)).status, 200);
  });

  test('DNS: guest picker, duplicate names warned, merge into a record, Remove deletes exactly one', async () => {
    const resolves = async (name: string, ip: string) => {
      let found: string[] = [];
      for (let i = 0; i < 20 && !found.includes(ip); i++) {
        found = t.resolve(ctr, name, `${NET}.1`);
        if (!found.includes(ip)) await new Promise((r) => setTimeout(r, 300));
      }
      return found;
    };
    /** Adds a record through the form and waits until the form is empty again (the add is done). */
    const addHost = async (ip: string, names: string, row = `dns-host-row-${ip}`) => {
      await byTestId('dns-host-ip').fill(ip);
      await byTestId('dns-host-names').fill(names);
      await byTestId('dns-host-add').click();
      await byTestId(row).waitFor({ timeout: 10000 });
      await page.waitForFunction(
        `document.querySelector('[data-testid="dns-host-ip"]').value === ''`,
        undefined,
        {
          timeout: 10000,
        },
      );
    };
    await page.goto(`${base}/networks/formsnet?tab=dns`);
    await byTestId('dns-host-ip').waitFor({ timeout: 15000 });
    // the names DHCP gives are listed, with the domain
    await waitForText('[data-testid="dns-dhcp-row-reserved9"]', `${NET}.9`);
    assert.match(await byTestId('dns-dhcp-row-reserved9').innerText(), /reserved9\.forms\.test/);
    // the picker fills the guest's address and its name
    await byTestId('dns-host-guest').selectOption(guestIp);
    assert.equal(await byTestId('dns-host-ip').inputValue(), guestIp);
    assert.equal(await byTestId('dns-host-names').inputValue(), 'app1');
    await addHost(guestIp, 'app');
    assert.ok((await resolves('app', guestIp)).includes(guestIp));
    // two records that share a name: warned before Add
    await addHost(`${NET}.50`, 'web');
    await byTestId('dns-host-ip').fill(`${NET}.51`);
    await byTestId('dns-host-names').fill('web reserved9');
    await waitForText('[data-testid="dns-host-clash"]', `'web' already resolves to ${NET}.50`);
    assert.match(
      await byTestId('dns-host-clash').innerText(),
      /'reserved9' already resolves to .*DHCP reservation/,
    );
    await shot('dns-clash');
    await addHost(`${NET}.51`, 'web');
    // names for an address that has a record: merged into it
    await byTestId('dns-host-ip').fill(`${NET}.51`);
    await byTestId('dns-host-names').fill('www');
    await waitForText('[data-testid="dns-host-merge"]', 'merged');
    assert.equal((await byTestId('dns-host-add').innerText()).trim(), 'Add to its record');
    await byTestId('dns-host-add').click();
    await waitForText(`[data-testid="dns-host-row-${NET}.51"]`, 'web, www');
    assert.ok((await resolves('www', `${NET}.51`)).includes(`${NET}.51`));
    // Remove the first 'web': exactly that record goes, the other keeps the name
    await byTestId(`dns-host-remove-${NET}.50`).click();
    await page.waitForFunction(
      `!document.querySelector('[data-testid="dns-host-row-${NET}.50"]')`,
      undefined,
      {
        timeout: 10000,
      },
    );
    assert.equal(await byTestId('dns-error').innerText(), '');
    await byTestId(`dns-host-row-${NET}.51`).waitFor();
    for (const which of ['', '?inactive=1']) {
      const xml = (await t.api('GET', `/v1/networks/formsnet/xml${which}`)).body;
      assert.doesNotMatch(xml, new RegExp(`<host ip='${NET}\\.50'`));
      assert.match(
        xml,
        new RegExp(`<host ip='${NET}\\.51'>\\s*<hostname>web</hostname>\\s*<hostname>www</hostname>`),
      );
    }
    await shot('dns-hosts');
    assert.deepEqual(await axeViolations(), []);
  });

  test('XML editor: line numbers, highlighting, the error line marked; no warning about its own bridge', async () => {
    await page.goto(`${base}/networks/formsnet?tab=xml`);
    await byTestId('xml-text').waitFor({ timeout: 15000 });
    const saved = (await t.api('GET', '/v1/networks/formsnet/xml?inactive=1')).body;
    // the editor shows the live XML
    const shown = (await t.api('GET', '/v1/networks/formsnet/xml')).body;
    await page.waitForFunction(
      `document.querySelector('[data-testid="xml-text"]').value === ${JSON.stringify(shown)}`,
      undefined,
      { timeout: 10000 },
    );
    const lines = shown.split('\n').length;
    await page.waitForFunction(
      `document.querySelectorAll('[data-testid="code-gutter"] div').length === ${lines + 1}`,
      undefined,
      { timeout: 10000 },
    );
    const tags = (await page.evaluate(
      `Array.from(document.querySelectorAll('[data-testid="code-highlight"] .tok-tag')).map((e) => e.textContent)`,
    )) as string[];
    assert.ok(tags.includes('<network') && tags.includes('<bridge'), tags.join(' '));
    const values = (await page.evaluate(
      `Array.from(document.querySelectorAll('[data-testid="code-highlight"] .tok-value')).map((e) => e.textContent)`,
    )) as string[];
    assert.ok(values.includes("'vnbr-forms'"), values.join(' '));
    // the overlay is the same text as the textarea, so what is coloured is what is typed
    assert.equal(
      await page.evaluate(`document.querySelector('[data-testid="code-highlight"]').textContent`),
      `${shown}\n `,
    );
    await byTestId('xml-text').fill(
      "<network>\n  <name>formsnet</name>\n  <bridge name='vnbr-forms'\n</network>\n",
    );
    await waitForText('[data-testid="xml-error"]', /line 4/i);
    assert.equal((await page.locator('.code-line-error').innerText()).trim(), '4');
    await shot('xml-editor-error');
    // a change to the running network: the plan warns about nothing (its own bridge is no clash)
    await byTestId('xml-text').fill(saved.replace('</network>', "  <mtu size='1400'/>\n</network>"));
    await byTestId('xml-ok').waitFor({ timeout: 10000 });
    await byTestId('xml-apply').click();
    await byTestId('xml-confirm').waitFor({ timeout: 10000 });
    await byTestId('plan').waitFor();
    assert.equal(await byTestId('plan-warnings').count(), 0, await byTestId('plan').innerText());
    assert.doesNotMatch(await byTestId('plan').innerText(), /already exists/);
    await shot('xml-editor');
    assert.deepEqual(await axeViolations(), []);
    await byTestId('xml-apply-cancel').click();
  });

  test('create: an uplink picker with link state for NAT and routed networks, and the route-back hint', async () => {
    await page.goto(`${base}/create`);
    await byTestId('create-uplink').waitFor({ timeout: 15000 });
    await page.waitForFunction(`!/Looking for host devices/.test(document.body.innerText)`, undefined, {
      timeout: 10000,
    });
    const options = (await page.evaluate(
      `Array.from(document.querySelectorAll('[data-testid="create-uplink"] option')).map((o) => o.value + '|' + o.textContent)`,
    )) as string[];
    const uplink = options.find((o) => o.startsWith('uplink0|'));
    assert.match(uplink ?? options.join('\n'), /uplink0 — up, .*\(default route\)/);
    assert.match(options[0] ?? '', /^\|Any: follow the default route \(now uplink0\)/);
    // virtnet's own bridges and the guests' ports are no uplinks
    assert.ok(!options.some((o) => /^(vnbr-forms|vnv|lo)/.test(o)), options.join('\n'));
    await byTestId('create-name').fill('routed1');
    await byTestId('create-mode').selectOption('route');
    await byTestId('create-cidr').fill('192.168.178.0/24');
    await byTestId('create-uplink').selectOption('uplink0');
    const hint = await byTestId('create-route-hint').innerText();
    assert.match(hint, /route back/);
    assert.match(
      hint,
      new RegExp(`ip route add 192\\.168\\.178\\.0/24 via ${t.hostUplinkAddr.replace(/\./g, '\\.')}`),
    );
    await page.locator('details.xml-preview summary').click();
    assert.match(await byTestId('create-xml').innerText(), /<forward mode='route' dev='uplink0'\/>/);
    await shot('create-uplink-routed');
    assert.deepEqual(await axeViolations(), []);
    // NAT: the same picker, no route-back hint
    await byTestId('create-mode').selectOption('nat');
    assert.equal(await byTestId('create-route-hint').count(), 0);
    await byTestId('create-mode').selectOption('route');
    await byTestId('create-submit').click();
    await page.waitForURL(/\/networks\/routed1/, { timeout: 20000 });
    const xml = (await t.api('GET', '/v1/networks/routed1/xml?inactive=1')).body;
    assert.match(xml, /<forward dev='uplink0' mode='route'>/);
    const info = (await t.api('GET', '/v1/networks/routed1')).json() as { active: boolean; uplink?: string };
    assert.deepEqual([info.active, info.uplink], [true, 'uplink0']);
    // packets: what the hint says — the LAN side reaches the routed subnet only with the route back
    assert.equal(t.ping(t.upNs, '192.168.178.1'), false, 'no route back yet');
    t.sh(['ip', '-n', t.upNs, 'route', 'add', '192.168.178.0/24', 'via', t.hostUplinkAddr]);
    assert.equal(t.ping(t.upNs, '192.168.178.1'), true, 'with the route back');
    assert.equal((await t.api('POST', '/v1/networks/routed1/destroy')).status, 200);
    assert.equal((await t.api('DELETE', '/v1/networks/routed1')).status, 200);
  });
});
