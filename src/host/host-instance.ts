// Which running kernel and network namespace this daemon sees. A network's status file describes bridges,
// addresses and processes that a reboot (or a new namespace) does not keep: libvirt keeps its status under /run
// for that reason; ours sits in the state directory, so each status says where it was true.

import { readFileSync, statSync } from 'node:fs';

/** "<boot id>/<netns inode>", or undefined when /proc does not tell. */
export function hostInstance(): string | undefined {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return `${boot}/${statSync('/proc/self/ns/net').ino}`;
  } catch {
    return undefined;
  }
}
