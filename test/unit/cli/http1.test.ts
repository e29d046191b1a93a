// The CLI's HTTP/1.1 response parser: bodies by length, chunked and until close, split anywhere between reads.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type ResponseHead, ResponseParser, requestBytes } from '../../../src/cli/http1.js';

/** Feeds `wire` to a parser in pieces of `step` bytes; returns the head and the decoded body. */
function parse(
  wire: string,
  step: number,
  close = false,
): { head?: ResponseHead; body: string; done: boolean } {
  let head: ResponseHead | undefined;
  const body: Buffer[] = [];
  const p = new ResponseParser(
    (h) => {
      head = h;
    },
    (c) => body.push(Buffer.from(c)),
  );
  const bytes = Buffer.from(wire, 'utf8');
  for (let i = 0; i < bytes.length; i += step) p.push(bytes.subarray(i, i + step));
  if (close) p.end();
  return { head, body: Buffer.concat(body).toString('utf8'), done: p.done };
}

describe('HTTP/1.1 responses', () => {
  const json = '{"networks":[{"name":"défaut"}]}';
  const byLength = `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Virtnet-Version: 1.2.3\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`;
  const chunked =
    'HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n' +
    '5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n';

  test('Content-Length, in any split', () => {
    for (const step of [1, 2, 7, 1000]) {
      const r = parse(byLength, step);
      assert.equal(r.done, true, `step ${step}`);
      assert.equal(r.body, json);
      assert.equal(r.head?.status, 200);
      assert.equal(r.head?.headers['x-virtnet-version'], '1.2.3');
      assert.equal(r.head?.headers['content-type'], 'application/json');
    }
  });

  test('chunked, with extensions and trailers, in any split', () => {
    for (const step of [1, 3, 1000]) {
      const r = parse(chunked, step);
      assert.deepEqual([r.done, r.body, r.head?.status], [true, 'hello, world', 201], `step ${step}`);
    }
    const partial = parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel', 4);
    assert.deepEqual([partial.done, partial.body], [false, 'hel']);
  });

  test('a body until the connection closes; a cut-short response is an error', () => {
    assert.deepEqual(parse('HTTP/1.1 200 OK\r\n\r\nall of it', 4, true).body, 'all of it');
    assert.throws(() => parse(byLength.slice(0, -3), 5, true), /closed the connection in the middle/);
    assert.equal(parse('HTTP/1.1 204 No Content\r\n\r\n', 100).done, true);
  });

  test('garbage is refused', () => {
    assert.throws(() => parse('SSH-2.0-OpenSSH\r\n\r\n', 100), /not an HTTP response/);
    assert.throws(
      () => parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 100),
      /bad chunk size/,
    );
    assert.throws(() => parse('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', 100), /bad Content-Length/);
    assert.throws(() => parse(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(70000)}`, 8192), /more than 64 KiB/);
  });

  test('requests: Connection: close, the body length in bytes', () => {
    assert.equal(
      requestBytes('GET', '/v1/networks?all=1').toString(),
      'GET /v1/networks?all=1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
    );
    assert.equal(
      requestBytes('POST', '/v1/networks', '<n>é</n>', 'application/xml').toString(),
      'POST /v1/networks HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/xml\r\nContent-Length: 9\r\n\r\n<n>é</n>',
    );
  });
});
