// Serves the API on the read-write (0600) and read-only (0666) UNIX sockets, and optionally on TCP. Every listener
// bounds its connections and how long a client may take to send its request, so slow or silent clients on one
// socket cannot starve another.

import { chmodSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';

export interface ListenerLimits {
  /** Connections open at once on this listener; more are closed at accept. */
  maxConnections: number;
  /** A client must send its request headers within this time (slowloris). */
  headersTimeoutMs: number;
  /** ... and its whole request, body included. */
  requestTimeoutMs: number;
}

export const DEFAULT_LIMITS: ListenerLimits = {
  maxConnections: 256,
  headersTimeoutMs: 5000,
  requestTimeoutMs: 30000,
};

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

function apiServer(app: Hono, limits: ListenerLimits): Server {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: 5000,
      // node checks both timeouts only this often (default 30 s): slow clients would linger that long
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
    getRequestListener(app.fetch),
  );
  server.maxConnections = limits.maxConnections;
  return server;
}

export async function listenUnix(
  app: Hono,
  path: string,
  mode: number,
  limits: ListenerLimits = DEFAULT_LIMITS,
): Promise<Server> {
  rmSync(path, { force: true });
  const server = apiServer(app, limits);
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

export async function listenTcp(
  app: Hono,
  host: string,
  port: number,
  limits: ListenerLimits = DEFAULT_LIMITS,
): Promise<Server> {
  const server = apiServer(app, limits);
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
