// The CLI's client of virtnetd's API over its UNIX socket: one connection per request (HTTP/1.1 from http1.ts on a
// node:net socket, loaded only when a command talks to the daemon), and the server-sent event stream.

import { createRequire } from 'node:module';
import type * as Net from 'node:net';
import { type ResponseHead, ResponseParser, requestBytes } from './http1.js';

export interface ApiResponse {
  status: number;
  body: string;
  contentType: string;
}

/** The response header that carries the daemon's version (src/daemon/api/app.ts). */
export const VERSION_HEADER = 'x-virtnet-version';

/** The daemon's socket could not be reached; `message` is the strerror-style reason. */
export class ConnectError extends Error {}

const STRERROR: Record<string, string> = {
  ENOENT: 'No such file or directory',
  ECONNREFUSED: 'Connection refused',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  ENOTSOCK: 'Socket operation on non-socket',
  ECONNRESET: 'Connection reset by peer',
  ENOTDIR: 'Not a directory',
};

function connectError(e: NodeJS.ErrnoException): ConnectError {
  return new ConnectError((e.code && STRERROR[e.code]) || e.message);
}

let net: typeof Net | undefined;
/** node:net is loaded on the first request: `help` and `--version` never pay for it. */
function connect(path: string): Net.Socket {
  net ??= createRequire(import.meta.url)('node:net') as typeof Net;
  return net.createConnection(path);
}

interface Exchange {
  onHead?: (head: ResponseHead) => void;
  onBody: (chunk: Buffer) => void;
}

/** Requests to virtnetd over its UNIX socket. */
export class ApiClient {
  private versionSeen = false;

  /** `onVersion` is called once, with the daemon's version from the first response that carries it. */
  constructor(
    readonly socketPath: string,
    private readonly onVersion?: (version: string) => void,
  ) {}

  private noteVersion(head: ResponseHead): void {
    const v = head.headers[VERSION_HEADER];
    if (this.versionSeen || v === undefined) return;
    this.versionSeen = true;
    this.onVersion?.(v);
  }

  /** Sends one request; resolves when the response is complete, with the socket (to destroy early). */
  private exchange(request: Buffer, x: Exchange): { socket: Net.Socket; done: Promise<void> } {
    const socket = connect(this.socketPath);
    const done = new Promise<void>((resolve, reject) => {
      let connected = false;
      const parser = new ResponseParser((head) => {
        this.noteVersion(head);
        x.onHead?.(head);
      }, x.onBody);
      const fail = (e: Error) => {
        socket.destroy();
        reject(e);
      };
      socket.on('connect', () => {
        connected = true;
      });
      socket.on('data', (d: Buffer) => {
        try {
          parser.push(d);
        } catch (e) {
          return fail(e as Error);
        }
        if (parser.done) {
          socket.destroy();
          resolve();
        }
      });
      socket.on('end', () => {
        try {
          parser.end();
          resolve();
        } catch (e) {
          fail(e as Error);
        }
      });
      // after stop() (events) or a complete response: nothing more to wait for
      socket.on('close', () => resolve());
      socket.on('error', (e: NodeJS.ErrnoException) => fail(connected ? e : connectError(e)));
    });
    socket.write(request);
    return { socket, done };
  }

  async call(
    method: string,
    path: string,
    body?: string,
    contentType = 'application/xml',
  ): Promise<ApiResponse> {
    let head: ResponseHead | undefined;
    const chunks: Buffer[] = [];
    const { done } = this.exchange(requestBytes(method, path, body, contentType), {
      onHead: (h) => {
        head = h;
      },
      onBody: (c) => chunks.push(c),
    });
    await done;
    if (!head) throw new Error('the daemon closed the connection without a response');
    return {
      status: head.status,
      body: Buffer.concat(chunks).toString('utf8'),
      contentType: head.headers['content-type'] ?? '',
    };
  }

  /** Streams server-sent events; calls onEvent for each `event:`/`data:` pair until stop() is called. */
  events(onEvent: (event: string, data: string) => void): Promise<{ stop: () => void; done: Promise<void> }> {
    return new Promise((resolve, reject) => {
      let buf = '';
      const decoder = new TextDecoder();
      const { socket, done } = this.exchange(requestBytes('GET', '/v1/events'), {
        onHead: (h) => {
          if (h.status >= 400) reject(new Error(`the daemon refused the event stream (HTTP ${h.status})`));
          else resolve({ stop: () => socket.destroy(), done });
        },
        onBody: (chunk) => {
          buf += decoder.decode(chunk, { stream: true });
          for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            let event = 'message';
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith('event:')) event = line.slice(6).trim();
              else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
            }
            if (data.length) onEvent(event, data.join('\n'));
          }
        },
      });
      done.catch(reject);
    });
  }
}
