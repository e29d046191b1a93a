// `virtnetd --import-libvirt DIR`: takes over an existing libvirt network directory (NAME.xml + autostart/ links).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Daemon } from './daemon.js';

export interface ImportResult {
  imported: string[];
  failed: Array<{ file: string; message: string }>;
}

export async function importLibvirtDir(daemon: Daemon, dir: string): Promise<ImportResult> {
  const result: ImportResult = { imported: [], failed: [] };
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith('.xml')) continue;
    const file = join(dir, f);
    try {
      const info = await daemon.define(readFileSync(file, 'utf8'));
      // libvirt's links point at absolute paths inside its own directory; only the link's presence matters
      if (existsSync(join(dir, 'autostart', f)) || linkPresent(join(dir, 'autostart'), f)) {
        await daemon.setAutostart(info.name, true);
      }
      result.imported.push(info.name);
    } catch (e) {
      result.failed.push({ file, message: (e as Error).message });
    }
  }
  return result;
}

function linkPresent(dir: string, name: string): boolean {
  try {
    return readdirSync(dir).includes(name);
  } catch {
    return false;
  }
}
