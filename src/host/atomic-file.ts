// Crash-safe file updates: write a temp file, fsync it, rename over the target, fsync the directory.

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

/** Replaces `path` with `data` so that a crash leaves either the old or the new content, never a mix. */
export function writeFileAtomic(path: string, data: string, mode = 0o600): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  fsyncDir(dirname(path));
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
