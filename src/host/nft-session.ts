// The long-lived `nft -i` process that owns virtnet's table. A table made with `flags owner` belongs to the netlink
// socket that made it: the kernel refuses changes from any other process and `nft flush ruleset` of others skips
// it, so a flush elsewhere never breaks guests' connections (measured in docs/firewall.md). The owner must stay:
// its exit deletes the table. So the process outlives virtnetd like dnsmasq does: it reads transactions from a
// FIFO it holds open read-write itself (no EOF when a daemon goes away), writes its answers to a second FIFO,
// and a restarted daemon attaches to the same process. nft 1.0.6 has no `flags persist` to hand a table over.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { isOurProcess } from './processes.js';

export interface NftResult {
  ok: boolean;
  /** nft's error output for this transaction (empty on success). */
  stderr: string;
}

/** One line per transaction: nft reads each input line as one script (one kernel transaction). */
export function scriptToLine(script: string): string {
  return script
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join('; ');
}

/** At most this many scripts in one commit: one kernel transaction stays small enough to read in an error. */
const MAX_GROUP = 32;

export class NftSession {
  private readonly inFifo: string;
  private readonly outFifo: string;
  private readonly pidFile: string;
  private pid: number | undefined;
  private child: ChildProcess | undefined;
  private writer: Socket | undefined;
  private reader: Socket | undefined;
  private buffer = '';
  private seq = 0;
  private queue: Promise<unknown> = Promise.resolve();
  /** Scripts not yet sent: the next commit takes them together. */
  private readonly waiting: Array<{
    script: string;
    resolve: (r: NftResult) => void;
    reject: (e: unknown) => void;
  }> = [];
  private waiters: Array<() => void> = [];
  private lost = false;

  constructor(
    private readonly runDir: string,
    private readonly nftBinary = 'nft',
    /** Called once when the owning process is found dead (its table went with it). */
    private readonly onLost: () => void = () => {},
  ) {
    this.inFifo = join(runDir, 'nft-session.in');
    this.outFifo = join(runDir, 'nft-session.out');
    this.pidFile = join(runDir, 'nft-session.pid');
  }

  /** The marker argument that identifies our process in /proc/PID/cmdline (an include path nft never uses). */
  private get match(): string {
    return this.runDir;
  }

  /** True when the owning process runs (ours, not a reused PID). */
  alive(): boolean {
    const pid = this.pid ?? readPidFile(this.pidFile);
    return pid !== undefined && isOurProcess(pid, this.match, 'nft');
  }

  /** The PID of the owning process, if it runs. */
  currentPid(): number | undefined {
    const pid = this.pid ?? readPidFile(this.pidFile);
    return pid !== undefined && isOurProcess(pid, this.match, 'nft') ? pid : undefined;
  }

  /** Attaches to the running session, or starts one. */
  private ensure(): void {
    if (this.writer && this.pid !== undefined && isOurProcess(this.pid, this.match, 'nft')) return;
    this.detachStreams();
    mkdirSync(this.runDir, { recursive: true });
    const existing = readPidFile(this.pidFile);
    if (existing === undefined || !isOurProcess(existing, this.match, 'nft')) this.startProcess();
    else this.pid = existing;
    this.buffer = '';
    // O_NONBLOCK: opening a FIFO nobody reads would block; the session holds both ends open itself
    this.writer = new Socket({
      fd: openSync(this.inFifo, constants.O_WRONLY | constants.O_NONBLOCK),
      readable: false,
      writable: true,
    });
    this.reader = new Socket({
      fd: openSync(this.outFifo, constants.O_RDONLY | constants.O_NONBLOCK),
      readable: true,
      writable: false,
    });
    this.writer.on('error', () => this.detachStreams());
    this.reader.on('error', () => this.detachStreams());
    this.reader.on('data', (b: Buffer) => {
      this.buffer += b.toString();
      for (const w of this.waiters.splice(0)) w();
    });
    this.reader.unref();
    this.writer.unref();
    this.lost = false;
  }

  private startProcess(): void {
    for (const f of [this.inFifo, this.outFifo]) {
      rmSync(f, { force: true });
      if (!makeFifo(f)) throw new Error(`cannot make FIFO ${f}`);
    }
    const inFd = openSync(this.inFifo, 'r+');
    const outFd = openSync(this.outFifo, 'r+');
    try {
      // -I RUNDIR: an include path no script uses, so /proc/PID/cmdline says whose session this is
      const child = spawn(this.nftBinary, ['-I', this.runDir, '-i'], {
        stdio: [inFd, outFd, outFd],
        detached: true,
      });
      if (child.pid === undefined) throw new Error(`${this.nftBinary} -i did not start`);
      this.pid = child.pid;
      this.child = child;
      child.on('exit', () => {
        if (this.child === child) this.child = undefined;
        this.reportLost();
      });
      child.unref();
      writeFileSync(this.pidFile, `${child.pid}\n`);
    } finally {
      closeSync(inFd);
      closeSync(outFd);
    }
  }

  private reportLost(): void {
    if (this.lost) return;
    this.lost = true;
    this.detachStreams();
    this.pid = undefined;
    for (const w of this.waiters.splice(0)) w();
    this.onLost();
  }

  /** For a supervisor's poll: notices a session that died while this daemon was not its parent. */
  check(): void {
    const pid = this.pid ?? readPidFile(this.pidFile);
    if (pid !== undefined && !isOurProcess(pid, this.match, 'nft') && !this.lost) this.reportLost();
  }

  /**
   * Runs one transaction through the session; transactions never interleave. Scripts that wait while another runs
   * (starts under way together) are committed as one kernel transaction; if that one fails, nothing of it was
   * applied and each script runs again alone, so each still gets its own verdict (and its start its own rollback).
   */
  run(script: string): Promise<NftResult> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ script, resolve, reject });
      if (this.waiting.length === 1)
        this.queue = this.queue.then(() => this.commitWaiting()).catch(() => undefined);
    });
  }

  private async commitWaiting(): Promise<void> {
    const group = this.waiting.splice(0, MAX_GROUP);
    if (this.waiting.length) this.queue = this.queue.then(() => this.commitWaiting()).catch(() => undefined);
    if (group.length > 1) {
      const together = await this.transact(group.map((g) => g.script).join('\n')).catch(() => undefined);
      if (together?.ok) {
        for (const g of group) g.resolve(together);
        return;
      }
    }
    for (const g of group) await this.transact(g.script).then(g.resolve, g.reject);
  }

  /** Kernel transactions sent so far (a commit of many scripts counts once). */
  get commits(): number {
    return this.seq;
  }

  private async transact(script: string): Promise<NftResult> {
    this.ensure();
    const id = ++this.seq;
    // a command that fails at once in userspace marks the end of this transaction's output (a `delete` of a
    // missing table would go to the kernel and cost ~15 ms); its own error text is dropped
    // commands that fail at once in userspace frame this transaction's output (a `delete` of a missing table
    // would go to the kernel and cost ~15 ms); their own error text is dropped. What came before the first one
    // is not ours (a command someone else fed the session) and is dropped too.
    const begin = `list table inet vntbegin_${process.pid}_${id}`;
    const marker = `list table inet vntsync_${process.pid}_${id}`;
    // the streams keep the process alive only while an answer is awaited
    this.reader?.ref();
    this.writer?.write(`${begin}\n${scriptToLine(script)}\n${marker}\n`);
    const start = await this.waitFor(begin);
    if (start !== undefined) this.dropThrough(start);
    const end = start === undefined ? undefined : await this.waitFor(marker);
    this.reader?.unref();
    if (end === undefined) return { ok: false, stderr: 'the nft session that owns the table ended' };
    const errAt = this.buffer.lastIndexOf('Error:', end);
    const text = errAt >= 0 ? this.buffer.slice(0, errAt) : '';
    this.dropThrough(end);
    const stderr = text.trim();
    return { ok: !/(^|\n)Error:/.test(stderr), stderr };
  }

  /** Drops the buffer up to and including the answer (error, line, caret line) of the marker found at `at`. */
  private dropThrough(at: number): void {
    const caret = this.buffer.indexOf('\n', this.buffer.indexOf('^', at));
    this.buffer = this.buffer.slice(caret + 1);
  }

  /** Index of the marker's line once nft has answered it fully (its caret line), or undefined if the session died. */
  private async waitFor(marker: string): Promise<number | undefined> {
    for (;;) {
      const at = this.buffer.indexOf(`${marker}\n`);
      if (at >= 0 && /\^+\n/.test(this.buffer.slice(at + marker.length))) return at;
      if (this.lost || !this.reader) return undefined;
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        // a session that dies without the exit event (not our child) is caught by this poll
        const t = setTimeout(() => {
          this.check();
          resolve();
        }, 1000);
        t.unref();
      });
    }
  }

  private detachStreams(): void {
    this.writer?.destroy();
    this.reader?.destroy();
    this.writer = undefined;
    this.reader = undefined;
  }

  /** Daemon shutdown: the session keeps running (and owning the table); only our ends are closed. */
  async dispose(): Promise<void> {
    await this.queue;
    this.detachStreams();
    this.child?.removeAllListeners('exit');
    this.child = undefined;
  }
}

function readPidFile(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** node has no mkfifo(); mkfifo(1) is coreutils. */
function makeFifo(path: string): boolean {
  const r = spawnSync('mkfifo', ['-m', '0600', path]);
  return r.status === 0 && existsSync(path);
}
