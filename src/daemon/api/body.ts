// Request bodies: refused with 413 before they are read into memory (a Content-Length over the limit, or a
// streamed body as soon as it passes it), and parsed against the route's schema.

import type { Context, MiddlewareHandler } from 'hono';
import type { z } from 'zod';
import { VirtError } from '../../model/errors.js';

/** Default --max-body: a network definition with thousands of DHCP hosts fits with room to spare. */
export const DEFAULT_MAX_BODY = 4 * 1024 * 1024;

export function tooLarge(max: number): VirtError {
  return new VirtError(
    'REQUEST_TOO_LARGE',
    `the request body is larger than ${max} bytes (virtnetd --max-body sets the limit)`,
  );
}

/** Set on the context (to the limit) when a streamed body went past it: its reader then fails. */
export const BODY_EXCEEDED = 'bodyExceeded';

export function bodyLimit(max: number): MiddlewareHandler {
  return async (c, next) => {
    const raw = c.req.raw;
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || raw.body === null) return next();
    const length = c.req.header('content-length');
    if (length !== undefined) {
      if (!/^\d+$/.test(length)) throw new VirtError('INVALID_ARG', `malformed Content-Length '${length}'`);
      if (Number(length) > max) throw tooLarge(max);
    }
    // streamed (chunked) bodies: count while reading, stop at the limit
    let seen = 0;
    const counted = raw.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen += chunk.byteLength;
          if (seen > max) {
            c.set(BODY_EXCEEDED as never, max as never);
            controller.error(tooLarge(max));
            return;
          }
          controller.enqueue(chunk);
        },
      }),
    );
    c.req.raw = new Request(raw, { body: counted, duplex: 'half' } as RequestInit);
    await next();
  };
}

/** The body as text; a body past the limit is a 413, never a 500. */
export async function bodyText(c: Context): Promise<string> {
  try {
    return await c.req.text();
  } catch (e) {
    const max = c.get(BODY_EXCEEDED as never) as number | undefined;
    if (max !== undefined) throw tooLarge(max);
    throw new VirtError('INVALID_ARG', `the request body could not be read: ${(e as Error).message}`);
  }
}

/** Messages written for a field (schemas.ts `said`): shown as they are, like the model's own. */
export const OWN_MESSAGES = new Set<string>();

/** True when the first problem is in the model's (or our own) words, not zod's. */
export function ownWords(error: z.ZodError): boolean {
  const issue = error.issues[0];
  return issue !== undefined && (issue.code === 'custom' || OWN_MESSAGES.has(issue.message));
}

/** Formats zod's first problem the way the model words its own: "FIELD 'VALUE' is not …". */
export function schemaProblem(error: z.ZodError, input: unknown): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid request';
  if (ownWords(error)) return issue.message;
  const path = issue.path.join('.');
  let value: unknown = input;
  for (const k of issue.path) value = (value as Record<PropertyKey, unknown> | undefined)?.[k as PropertyKey];
  const shown = typeof value === 'string' ? ` '${value.length > 80 ? `${value.slice(0, 80)}…` : value}'` : '';
  const where = path ? `${path}${shown}` : 'body';
  if (issue.code === 'unrecognized_keys')
    return `${where}: unknown field ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
  if (issue.code === 'invalid_type' && value === undefined) return `${where} is required`;
  return `${where} ${issue.message}`;
}

/**
 * The body as JSON checked against a schema. The content type is not insisted on: virsh-style clients send
 * JSON labelled application/xml, and the schema decides anyway.
 */
export async function bodyJson<S extends z.ZodType>(
  c: Context,
  schema: S,
  usage: string,
): Promise<z.infer<S>> {
  const text = await bodyText(c);
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch {
    throw new VirtError('INVALID_ARG', `body must be JSON: ${usage}`);
  }
  const r = schema.safeParse(input);
  if (!r.success) {
    const problem = schemaProblem(r.error, input);
    throw new VirtError('INVALID_ARG', ownWords(r.error) ? problem : `${problem} (${usage})`);
  }
  return r.data;
}
