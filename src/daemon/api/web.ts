// The web UI on the TCP listener: static files of the built page (web/dist), and index.html for every other
// non-API path (client-side routes such as /networks/NAME survive reloads). Logging in is in access.ts.

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

export function mountWeb(app: Hono, root: string): void {
  app.get('*', (c, next) => {
    // c.req.path is already percent-decoded (malformed escapes are kept as they are, never thrown)
    const path = c.req.path;
    if (/^\/*v1(\/|$)/.test(path)) return next();
    const file = normalize(join(root, path));
    const inside = file.startsWith(`${normalize(root)}/`);
    const target = inside && existsSync(file) && statSync(file).isFile() ? file : join(root, 'index.html');
    if (!existsSync(target)) return c.text('the web UI is not built (npm run build)', 404);
    const type = TYPES[extname(target)] ?? 'application/octet-stream';
    const cache = target.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    return c.body(readFileSync(target), 200, { 'content-type': type, 'cache-control': cache });
  });
}
