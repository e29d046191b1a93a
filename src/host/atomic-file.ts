// Crash-safe file updates: write a temp file, fsync it, rename over the target, fsync the directory (or, for files
// virtnet makes again when they differ, the same without waiting for the disk).

import { closeSync, fsyncSync, openSync, renameSync, rmSync, symlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces `path` with `data` so that a crash leaves either the old or the new content, never a mix. `durable`
 * false: readers still never see a mix (rename), but nothing waits for the disk — for files made again from the
 * definitions whenever they differ (dnsmasq's), where an fsync per file was most of a network's start.
 */
export function writeFileAtomic(path: string, data: string, mode = 0o600, durable = true): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, data);
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  if (durable) fsyncDir(dirname(path));
}

/** Creates or replaces a symlink atomically. */
export function symlinkAtomic(target: string, path: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.lnk`);
  rmSync(tmp, { force: true });
  symlinkSync(target, tmp);
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}

/** Removes a file if present, then makes the removal durable. */
export function removeDurably(path: string): void {
  rmSync(path, { force: true });
  fsyncDir(dirname(path));
}
