// The web UI on the TCP listener: static files of the built page (web/dist), index.html for every other
// non-API path (client-side routes such as /networks/NAME survive reloads), and the browser's side of auth:
// /login?token=… turns the token into an HttpOnly cookie.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import type { Hono } from 'hono';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

export const TOKEN_COOKIE = 'virtnet_token';

/** Reads the token from a bearer header or the UI's cookie. */
export function requestToken(
  authorization: string | undefined,
  cookie: string | undefined,
): string | undefined {
  if (authorization?.startsWith('Bearer ')) return authorization.slice(7);
  const m = new RegExp(`(?:^|;\\s*)${TOKEN_COOKIE}=([^;]+)`).exec(cookie ?? '');
  return m?.[1] ? decodeURIComponent(m[1]) : undefined;
}

export function mountWeb(app: Hono, root: string): void {
  app.get('/login', (c) => {
    const token = c.req.query('token') ?? '';
    // the cookie is only a carrier: the auth middleware checks its value like a bearer token
    c.header('Set-Cookie', `${TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`);
    return c.redirect('/', 302);
  });
  app.get('*', (c, next) => {
    const path = c.req.path;
    if (path.startsWith('/v1/')) return next();
    const file = normalize(join(root, decodeURIComponent(path)));
    const inside = file.startsWith(`${normalize(root)}/`);
    const target = inside && existsSync(file) && statSync(file).isFile() ? file : join(root, 'index.html');
    if (!existsSync(target)) return c.text('the web UI is not built (npm run build)', 404);
    const type = TYPES[extname(target)] ?? 'application/octet-stream';
    const cache = target.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    return c.body(readFileSync(target), 200, { 'content-type': type, 'cache-control': cache });
  });
}
