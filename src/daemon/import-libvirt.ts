// `virtnetd --import-libvirt DIR`: takes over an existing libvirt network directory (NAME.xml + autostart/ links).

import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Daemon } from './daemon.js';

export interface ImportResult {
  /** Networks defined, with whether libvirt had them autostarted. */
  imported: Array<{ name: string; file: string; autostart: boolean }>;
  failed: Array<{ file: string; message: string }>;
}

/**
 * Defines every NAME.xml of a libvirt network directory (parse + validate as net-define does) and keeps
 * autostart. The source directory is only read. One bad file does not stop the others.
 */
export async function importLibvirtDir(daemon: Daemon, dir: string): Promise<ImportResult> {
  const result: ImportResult = { imported: [], failed: [] };
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith('.xml') || f.startsWith('.')) continue;
    const file = join(dir, f);
    try {
      const info = await daemon.define(readFileSync(file, 'utf8'));
      // libvirt's links point at absolute paths inside its own directory; only the link's presence matters
      const autostart = entryPresent(join(dir, 'autostart', f));
      if (autostart) await daemon.setAutostart(info.name, true);
      result.imported.push({ name: info.name, file, autostart });
    } catch (e) {
      result.failed.push({ file, message: (e as Error).message });
    }
  }
  return result;
}

function entryPresent(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
