// Runs in a test's namespace: scripts sent to one NftSession at once, one of them bad; prints what each got and
// how many kernel transactions it took, then ends the session it started.

import { NftSession } from '../../../src/host/nft-session.js';

const session = new NftSession(process.argv[2] as string);
const first = await session.run('add table inet vntgroup');
const mixed = await Promise.all(
  Array.from({ length: 12 }, (_, k) =>
    session.run(k === 5 ? 'add rule inet vntgroup nosuchchain accept' : `add chain inet vntgroup a${k}`),
  ),
);
const afterMixed = session.commits;
const clean = await Promise.all(
  Array.from({ length: 12 }, (_, k) =>
    session.run(`add chain inet vntgroup b${k}\nadd rule inet vntgroup b${k} accept`),
  ),
);
const pid = session.currentPid();
process.stdout.write(`${JSON.stringify({ first, mixed, clean, afterMixed, commits: session.commits })}\n`);
await session.dispose();
if (pid) process.kill(pid, 'SIGKILL');
