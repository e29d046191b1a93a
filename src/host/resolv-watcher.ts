// The host's upstream DNS servers, kept current for every network's dnsmasq: virtnetd watches resolv.conf once
// (one inotify instance for the whole daemon, where a dnsmasq reading it would take one each) and says when the
// servers changed; the reconciler then rewrites each network's servers file and sends SIGHUP.

import { type FSWatcher, readFileSync, realpathSync, watch } from 'node:fs';
import { dirname } from 'node:path';
import type { Disposable } from '../base/lifecycle.js';
import { parseResolvConf } from '../model/resolv-conf.js';

export class ResolvWatcher implements Disposable {
  private servers: string[];
  private readonly watchers: FSWatcher[] = [];
  private readonly poll: NodeJS.Timeout;
  private pending: NodeJS.Timeout | undefined;

  /** `changed` is called (debounced) each time the list of servers differs from the last one read. */
  constructor(
    private readonly file: string,
    private readonly changed: (servers: string[]) => void,
    pollMs = 5000,
  ) {
    this.servers = this.read();
    // the directory, not the file: resolv.conf is usually replaced (rename), which ends a watch on the file;
    // through a symlink (systemd-resolved, resolvconf) the target's directory as well
    const dirs = new Set([dirname(file)]);
    try {
      dirs.add(dirname(realpathSync(file)));
    } catch {
      // not there yet: its directory is watched
    }
    for (const dir of dirs) {
      try {
        this.watchers.push(watch(dir, { persistent: false }, () => this.soon()));
      } catch {
        // the poll still notices
      }
    }
    // a missed event (or a symlink retargeted elsewhere) is noticed within a poll
    this.poll = setInterval(() => this.recheck(), pollMs);
    this.poll.unref();
  }

  /** The upstream servers as last read (empty when resolv.conf is missing or names none). */
  current(): string[] {
    return this.servers;
  }

  private read(): string[] {
    try {
      return parseResolvConf(readFileSync(this.file, 'utf8'));
    } catch {
      return [];
    }
  }

  private soon(): void {
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.recheck();
    }, 100);
    this.pending.unref();
  }

  private recheck(): void {
    const now = this.read();
    if (now.join(' ') === this.servers.join(' ')) return;
    this.servers = now;
    this.changed(now);
  }

  dispose(): void {
    for (const w of this.watchers) w.close();
    clearInterval(this.poll);
    if (this.pending) clearTimeout(this.pending);
  }
}
