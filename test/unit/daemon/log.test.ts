// virtnetd's log lines: words with the hint appended, one line whatever the message holds; JSON objects with the
// network read from the words when the caller gave none, levels explicit or read from the words.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLog, parseLogFormat } from '../../../src/daemon/log.js';

const capture = (format: 'text' | 'json') => {
  const lines: string[] = [];
  return { log: createLog(format, (l) => lines.push(l)), lines };
};

test('text: one line, the hint in words, no forged second line', () => {
  const { log, lines } = capture('text');
  log("network 'a' started on vnbr-a");
  log('network \'b\': failed to start: step "x" failed', { level: 'error', hint: 'pick another subnet' });
  log("bad value 'x\nvirtnetd: forged'");
  assert.deepEqual(lines, [
    "virtnetd: network 'a' started on vnbr-a\n",
    'virtnetd: network \'b\': failed to start: step "x" failed (what to do: pick another subnet)\n',
    "virtnetd: bad value 'x virtnetd: forged'\n",
  ]);
});

test('json: time, level, msg and fields; the network from the words; newlines stay inside the string', () => {
  const { log, lines } = capture('json');
  log("network 'a': 52:54:00:00:00:01 10.0.0.5 leased", { event: 'lease' });
  log('autostart of network x failed: boom', { network: 'x', step: 'start dnsmasq for x', hint: undefined });
  log('two\nlines');
  assert.equal(lines.length, 3);
  for (const l of lines) assert.equal(l.split('\n').length, 2, 'one line each');
  const [a, b, c] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(a?.network, 'a');
  assert.equal(a?.event, 'lease');
  assert.equal(a?.level, 'info');
  assert.ok(!Number.isNaN(Date.parse(String(a?.time))));
  assert.equal(b?.level, 'error', 'a failure by its words');
  assert.equal(b?.step, 'start dnsmasq for x');
  assert.equal('hint' in (b ?? {}), false, 'undefined fields are left out');
  assert.equal(c?.msg, 'two\nlines');
});

test('--log-format takes text or json only', () => {
  assert.equal(parseLogFormat('json'), 'json');
  assert.throws(() => parseLogFormat('xml'), /--log-format needs text or json, got 'xml'/);
});
