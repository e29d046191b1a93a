// Who may do what on which listener. UNIX sockets: the 0600 socket's file mode is the authentication (only root
// connects); the 0666 socket is read-only. TCP: every request's Host must be one of the listener's own names (DNS
// rebinding), every /v1 request carries the token (bearer header, or the web UI's cookie from /login), and a
// change made with the cookie must come from the page itself (Origin among the allowed origins, same-origin fetch
// metadata, the UI's own header). See docs/security.md.

import { timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { Context, MiddlewareHandler } from 'hono';
import { VirtError } from '../../model/errors.js';

export const TOKEN_COOKIE = 'virtnet_token';
/** Sent by the web UI with every change: a header a cross-site form cannot send and fetch only after CORS. */
export const CLIENT_HEADER = 'x-virtnet-client';

/** The names a TCP listener answers to, and the port browsers reach it on. */
export interface HostPolicy {
  /** Host names (lower case, IPv6 without brackets): the bound address, localhost, --http-host names. */
  names: string[];
  /** Bound to a wildcard address: any IP literal is one of ours (a rebinding attack needs a DNS name). */
  anyIp: boolean;
  /** The bound port (set once listening); origins must use it unless a --http-host NAME:PORT says otherwise. */
  port?: number;
  /** Extra origins' ports by name, from --http-host NAME:PORT (a reverse proxy, a relay). */
  extraPorts?: Array<{ name: string; port: number }>;
}

const isMutation = (method: string) => method !== 'GET' && method !== 'HEAD';

/** Splits a Host header into lower-case name (brackets dropped) and port; undefined when malformed. */
export function parseHostHeader(host: string): { name: string; port?: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+))(?::(\d{1,5}))?$/.exec(host.trim());
  if (!m) return undefined;
  const name = (m[1] ?? m[2] ?? '').toLowerCase();
  const port = m[3] === undefined ? undefined : Number(m[3]);
  if (port !== undefined && port > 65535) return undefined;
  return port === undefined ? { name } : { name, port };
}

function nameAllowed(policy: HostPolicy, name: string): boolean {
  return policy.names.includes(name) || (policy.anyIp && isIP(name) !== 0);
}

/** True when a browser page on this origin is the web UI of this listener. */
export function originAllowed(policy: HostPolicy, origin: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (url.pathname !== '/' || url.username || url.password) return false;
  const name = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (!nameAllowed(policy, name)) return false;
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  if (port === policy.port) return true;
  return (policy.extraPorts ?? []).some((e) => e.name === name && e.port === port);
}

/** DNS rebinding: refuse, before anything else, a request for a name that is not this listener's. */
export function hostCheck(policy: HostPolicy): MiddlewareHandler {
  return async (c, next) => {
    const raw = c.req.header('host');
    const host = raw === undefined ? undefined : parseHostHeader(raw);
    if (!host || !nameAllowed(policy, host.name)) {
      const shown = raw === undefined ? '(none)' : `'${raw.slice(0, 100)}'`;
      throw new VirtError(
        'OPERATION_DENIED',
        `Host ${shown} is not a name of this listener (${policy.names.join(', ')}${policy.anyIp ? ', any IP address' : ''}); start virtnetd with --http-host NAME to allow another name`,
      );
    }
    await next();
  };
}

/** The token a request carries: `Authorization: Bearer`, or the UI's cookie. Malformed cookies carry none. */
export function requestToken(c: Context): { token: string; via: 'bearer' | 'cookie' } | undefined {
  const auth = c.req.header('authorization');
  if (auth?.startsWith('Bearer ')) return { token: auth.slice(7).trim(), via: 'bearer' };
  const m = new RegExp(`(?:^|;\\s*)${TOKEN_COOKIE}=([^;]*)`).exec(c.req.header('cookie') ?? '');
  if (!m?.[1]) return undefined;
  try {
    return { token: decodeURIComponent(m[1]), via: 'cookie' };
  } catch {
    return undefined;
  }
}

/** Constant-time comparison, so the token cannot be guessed byte by byte from response times. */
export function tokenMatches(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The TCP listener's API: every /v1 request carries the token; a change authenticated by the cookie must come
 * from the web UI on one of the allowed origins (the cookie rides along on any request the browser makes).
 */
export function tokenCheck(token: string, policy: HostPolicy): MiddlewareHandler {
  return async (c, next) => {
    // public: the page and /login (GET only, outside /v1 and /metrics); everything else needs the token
    if (!isMutation(c.req.method) && !/^\/*(v1|metrics)(\/|$)/i.test(c.req.path)) return next();
    const given = requestToken(c);
    if (!given || !tokenMatches(given.token, token)) {
      throw new VirtError(
        'AUTH_FAILED',
        'a valid token is required (Authorization: Bearer TOKEN, or open /login?token=TOKEN in the browser)',
      );
    }
    if (given.via === 'cookie' && isMutation(c.req.method)) {
      const site = c.req.header('sec-fetch-site');
      const origin = c.req.header('origin');
      // 'same-site' includes other ports of the same host: another user's page on localhost:9999
      if ((site !== undefined && site !== 'same-origin' && site !== 'none') || !origin) {
        throw new VirtError('AUTH_FAILED', 'changes with the login cookie must come from the web UI itself');
      }
      if (!originAllowed(policy, origin)) {
        throw new VirtError(
          'AUTH_FAILED',
          `cross-origin requests may not change anything (Origin '${origin.slice(0, 100)}')`,
        );
      }
      if (c.req.header(CLIENT_HEADER) === undefined) {
        throw new VirtError('AUTH_FAILED', `changes with the login cookie need the ${CLIENT_HEADER} header`);
      }
    }
    await next();
  };
}

/** The 0666 socket: reads only. */
export function readOnlyCheck(): MiddlewareHandler {
  return async (c, next) => {
    if (isMutation(c.req.method)) {
      throw new VirtError('AUTH_FAILED', 'read-only access: this operation needs the read-write socket');
    }
    await next();
  };
}

/** /login?token=…: a valid token becomes an HttpOnly, SameSite=Strict cookie; a wrong one sets nothing. */
export function loginHandler(token: string): (c: Context) => Response {
  return (c) => {
    const given = c.req.query('token') ?? '';
    if (!tokenMatches(given, token)) {
      return c.text('virtnet: this login link has a wrong or old token; ask for a new one\n', 403);
    }
    c.header('Set-Cookie', `${TOKEN_COOKIE}=${encodeURIComponent(given)}; Path=/; HttpOnly; SameSite=Strict`);
    c.header('Cache-Control', 'no-store');
    return c.redirect('/', 302);
  };
}
