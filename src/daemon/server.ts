// Serves the API on the read-write (0600) and read-only (0666) UNIX sockets, and optionally on TCP loopback.

import { chmodSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';

/** True when a live daemon answers on the socket (then we must not steal it). */
export function socketInUse(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export async function listenUnix(app: Hono, path: string, mode: number): Promise<Server> {
  rmSync(path, { force: true });
  const server = createServer(getRequestListener(app.fetch));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // a restrictive umask while binding so the socket never exists with wider permissions than asked
    const old = process.umask(0o177);
    try {
      server.listen(path, () => resolve());
    } finally {
      process.umask(old);
    }
  });
  chmodSync(path, mode);
  return server;
}

export async function listenTcp(app: Hono, host: string, port: number): Promise<Server> {
  const server = createServer(getRequestListener(app.fetch));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
