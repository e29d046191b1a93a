// The OpenAPI document as every listener serves it, for scripts/gen-openapi.mjs (docs/openapi.json).

import { createApi } from './app.js';

/** The document every listener serves (the routes are the same on all of them; only access differs). */
export async function openApiDocument(): Promise<unknown> {
  const res = await createApi({} as never, { readOnly: false }).request('/v1/openapi.json');
  return res.json();
}
