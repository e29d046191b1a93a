// Hooks as steps: the stdin libvirt 9.0 gives its hooks (byte for byte, from the recorded fixtures), the argv,
// which operations abort, and a start's plan with its `start` hook first and `started` hook last.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { withConnections } from '../../../src/model/connections.js';
import { parseNetworkXml } from '../../../src/model/network-parse.js';
import {
  hookAborts,
  hookData,
  hookStep,
  skippedHooks,
  withStartHooks,
  withStopHook,
} from '../../../src/plan/hook-steps.js';
import { emptyPlanOf, type Step } from '../../../src/plan/steps.js';

const FIX = join(import.meta.dirname, '../../../../test/fixtures/libvirt-9.0/direct-hooks');
const fixture = (name: string) => readFileSync(join(FIX, name), 'utf8');

describe('hook stdin', () => {
  it("is libvirt's <hookData>: the network XML, then the port's, indented, no final newline", () => {
    // (libvirt does not read connection counts back from XML: they are the ports')
    const live = withConnections(parseNetworkXml(fixture('bridge-pool-3-ports.xml')), [
      { dev: 'up0' },
      { dev: 'up2' },
      { dev: 'up0' },
    ]);
    const port = fixture('bridge-pool-port-3.xml');
    assert.equal(hookData(live, port), fixture('hooks/04.stdin'));
  });

  it('start gets the network alone; stopped gets it as it ran, with its connections', () => {
    const live = parseNetworkXml(fixture('bridge-pool-3-ports.xml'));
    assert.equal(hookData(withConnections(live, [])), fixture('hooks/00.stdin'));
    const pt = withConnections(parseNetworkXml(fixture('passthrough-pool-2-ports.xml')), [
      { dev: 'up0' },
      { dev: 'up2' },
    ]);
    const plan = withStopHook(emptyPlanOf(), [{ path: '/h/network', executable: true }], pt, 1000);
    const a = plan.steps[0]?.do[0];
    assert.ok(a?.kind === 'hook');
    assert.equal(a.stdin, fixture('hooks/12.stdin'));
    assert.deepEqual(a.args, fixture('hooks/12.args').trim().split(' '));
  });
});

describe('hook steps', () => {
  const def = parseNetworkXml(
    "<network><name>n1</name><forward mode='nat'/><bridge name='vb1'/><ip address='10.0.0.1' prefix='24'/></network>",
  );
  const scripts = [
    { path: '/etc/virtnet/hooks/network', executable: true },
    { path: '/etc/virtnet/hooks/network.d/10-off', executable: false },
    { path: '/etc/virtnet/hooks/network.d/20-on', executable: true },
  ];

  it('one step per operation runs the executable scripts in order with NAME OP SUBOP -', () => {
    const s = hookStep(scripts, def, 'port-created', 2500, '<networkport/>\n') as Step;
    assert.equal(s.id, 'hook:port-created');
    assert.equal(s.title, 'run network hooks (n1 port-created begin)');
    assert.deepEqual(s.do, [
      {
        kind: 'hook',
        scripts: ['/etc/virtnet/hooks/network', '/etc/virtnet/hooks/network.d/20-on'],
        args: ['n1', 'port-created', 'begin', '-'],
        stdin: hookData(def, '<networkport/>\n'),
        timeoutMs: 2500,
      },
    ]);
    assert.equal(hookStep([scripts[1] as (typeof scripts)[number]], def, 'start', 1), undefined);
  });

  it('a start plan begins with the start hook and ends with the started hook; skipped scripts are warned of', () => {
    const body: Step = { id: 'link:vb1', title: 'create bridge vb1', do: [], undo: [] };
    const plan = withStartHooks({ ...emptyPlanOf(), steps: [body] }, scripts, def, 1000);
    assert.deepEqual(
      plan.steps.map((s) => s.id),
      ['hook:start', 'link:vb1', 'hook:started'],
    );
    assert.deepEqual(plan.warnings, skippedHooks(scripts));
    assert.deepEqual(plan.warnings, [
      'hook script /etc/virtnet/hooks/network.d/10-off is not executable: not run (chmod +x to use it)',
    ]);
  });

  it('start, started, port-created and updated abort what they announce; stopped and port-deleted do not', () => {
    assert.deepEqual(
      (['start', 'started', 'stopped', 'port-created', 'port-deleted', 'updated'] as const).filter(
        hookAborts,
      ),
      ['start', 'started', 'port-created', 'updated'],
    );
  });
});
