// A small HTTP client for the daemon's UNIX socket (node:http only, to keep CLI start-up fast).

import { request } from 'node:http';

export interface ApiResponse {
  status: number;
  body: string;
  contentType: string;
}

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

/** Requests to virtnetd over its UNIX socket. */
export class ApiClient {
  constructor(readonly socketPath: string) {}

  call(method: string, path: string, body?: string, contentType = 'application/xml'): Promise<ApiResponse> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          socketPath: this.socketPath,
          method,
          path,
          headers:
            body === undefined
              ? {}
              : { 'content-type': contentType, 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
              contentType: String(res.headers['content-type'] ?? ''),
            }),
          );
        },
      );
      req.on('error', (e: NodeJS.ErrnoException) => reject(connectError(e)));
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  /** Streams server-sent events; calls onEvent for each `event:`/`data:` pair until stop() is called. */
  events(onEvent: (event: string, data: string) => void): Promise<{ stop: () => void; done: Promise<void> }> {
    return new Promise((resolve, reject) => {
      const req = request(
        { socketPath: this.socketPath, method: 'GET', path: '/v1/events', agent: false },
        (res) => {
          let buf = '';
          let doneResolve: () => void = () => {};
          const done = new Promise<void>((r) => {
            doneResolve = r;
          });
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buf += chunk;
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
          });
          res.on('end', doneResolve);
          res.on('close', doneResolve);
          resolve({
            stop: () => {
              req.destroy();
              doneResolve();
            },
            done,
          });
        },
      );
      req.on('error', (e: NodeJS.ErrnoException) => reject(connectError(e)));
      req.end();
    });
  }
}
