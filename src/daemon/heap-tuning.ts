// V8 settings for a daemon that lives long and allocates in short bursts (a heal round, a thousand starts).

import { setFlagsFromString } from 'node:v8';

/**
 * Keeps the young generation at its initial size. V8 doubles it (up to 32 MB) whenever many objects survive a
 * scavenge, as during a burst of network starts, and a daemon that then idles never gives it back: 30 MB of RSS
 * for a heap whose live part is under 20 MB. Set at run time because virtnetd is started as `node bin/virtnetd`
 * as often as through its shebang (so no command-line flag reaches V8); V8 reads this factor at each growth.
 */
export function tuneHeapForDaemon(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}
