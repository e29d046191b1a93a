// The OpenAPI document every listener serves, as scripts/gen-openapi.mjs checks it in (the routes are the same on
// all listeners; only access differs). Apart from openapi.ts, which app.ts imports: no import cycle.

import { createApi } from './app.js';

export async function openApiDocument(): Promise<unknown> {
  const res = await createApi({} as never, { readOnly: false }).request('/v1/openapi.json');
  return res.json();
}
