// Regenerates docs/openapi.json from src/daemon/api/openapi.ts (run after `npm run build`).
import { writeFileSync } from 'node:fs';
import { OPENAPI_DOCUMENT } from '../dist/src/daemon/api/openapi.js';

writeFileSync(
  new URL('../docs/openapi.json', import.meta.url),
  `${JSON.stringify(OPENAPI_DOCUMENT, null, 2)}\n`,
);
