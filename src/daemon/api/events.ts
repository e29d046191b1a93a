// GET /v1/events: server-sent events. Each client has a bounded queue; a client that stops reading (its socket
// stays full, so writes wait) is dropped once the queue passes the bound, so a silent client costs at most its
// socket buffers and MAX_QUEUED events.

import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { NetworkEvent } from '../../api/types.js';
import type { Daemon } from '../daemon.js';
import type { DaemonMetrics } from '../metrics.js';

/** Events a client may fall behind by before it is dropped. */
export const MAX_QUEUED_EVENTS = 256;
const KEEPALIVE_MS = 15000;

export function eventStream(
  daemon: Daemon,
  c: Context,
  maxQueued = MAX_QUEUED_EVENTS,
  metrics?: DaemonMetrics,
): Response {
  return streamSSE(c, async (stream) => {
    const left = metrics?.streamOpened();
    const pending: NetworkEvent[] = [];
    let wake: (() => void) | undefined;
    let closed = false;
    const finish = () => {
      if (closed) return;
      closed = true;
      off();
      left?.();
      pending.length = 0;
      wake?.();
    };
    const off = daemon.onEvent((e) => {
      if (pending.length >= maxQueued) {
        // the writer is stuck on a full socket: abort the response so node frees the connection
        finish();
        const outgoing = (c.env as { outgoing?: { destroy(): void } } | undefined)?.outgoing;
        outgoing?.destroy();
        stream.abort();
        return;
      }
      pending.push(e);
      wake?.();
    });
    stream.onAbort(finish);
    // a client gone before this callback ran was aborted with no subscriber yet: its listener would stay
    if (stream.aborted) finish();
    await stream.writeSSE({ event: 'hello', data: '{}' });
    while (!closed) {
      const e = pending.shift();
      if (e) {
        await stream.writeSSE({ event: 'network', data: JSON.stringify(e) });
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => wake?.(), KEEPALIVE_MS);
        wake = () => {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        };
      });
      if (!closed && pending.length === 0) await stream.write(': keep-alive\n\n');
    }
  });
}
