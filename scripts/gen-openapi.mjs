// Regenerates docs/openapi.json from the API's route schemas (run after `npm run build`; `npm run openapi`).
import { writeFileSync } from 'node:fs';
import { openApiDocument } from '../dist/src/daemon/api/openapi-document.js';

writeFileSync(
  new URL('../docs/openapi.json', import.meta.url),
  `${JSON.stringify(await openApiDocument(), null, 2)}\n`,
);
