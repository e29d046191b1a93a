// Boots the test guest (guest-image.ts) with QEMU in software emulation on a tap device inside a namespace and
// collects its serial console. KVM is not used: it hangs on the test machines.

import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { GuestImage } from './guest-image.js';

export interface BootResult {
  console: string;
  /** `VNT-LEASE` → `192.168.160.123` etc.; the first occurrence of each marker. */
  markers: Record<string, string>;
  /** From spawn to `VNT-DONE` (or to exit when the guest never got there). */
  ms: number;
}

export interface BootOptions {
  netns: string;
  /** A tap device by name; or `tapPath`: a macvtap's character device, opened here and passed as fd 3. */
  tap?: string;
  tapPath?: string;
  mac: string;
  append?: string;
  timeoutMs?: number;
  image: GuestImage;
}

// QEMU keeps running after its namespace is deleted (it holds the tap), so a dying test run kills it here
const running = new Set<number>();
process.on('exit', () => {
  for (const pid of running) kill(pid);
});

function qemuArgs(opts: BootOptions): string[] {
  return [
    ...['netns', 'exec', opts.netns, 'qemu-system-x86_64', '-accel', 'tcg', '-m', '256', '-smp', '1'],
    ...[
      '-nodefaults',
      '-no-user-config',
      '-display',
      'none',
      '-serial',
      'stdio',
      '-monitor',
      'none',
      '-no-reboot',
    ],
    ...['-kernel', opts.image.kernel, '-initrd', opts.image.initrd],
    ...['-append', `console=ttyS0 quiet panic=-1 ${opts.append ?? ''}`.trim()],
    ...['-netdev', opts.tapPath ? 'tap,id=n0,fd=3' : `tap,id=n0,ifname=${opts.tap},script=no,downscript=no`],
    // romfile= skips the iPXE option ROM: we boot with -kernel, never from the network
    ...['-device', `virtio-net-pci,netdev=n0,mac=${opts.mac},romfile=`],
  ];
}

/** A guest that stays up (vnt.stay=1) once it printed VNT-DONE: its console so far, and how to end it. */
export interface RunningGuest extends BootResult {
  /** The console up to now. */
  output(): string;
  stop(): Promise<void>;
}

/** Boots a guest that stays running after its checks; resolves at VNT-DONE (rejects if it never gets there). */
export function startGuest(opts: BootOptions): Promise<RunningGuest> {
  const start = performance.now();
  const p = spawn('ip', qemuArgs({ ...opts, append: `${opts.append ?? ''} vnt.stay=1`.trim() }), {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = p.pid;
  if (pid) running.add(pid);
  let out = '';
  const exited = new Promise<void>((resolve) => p.once('close', () => resolve()));
  const stop = async () => {
    if (pid) kill(pid);
    await exited;
    if (pid) running.delete(pid);
  };
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => {
      void stop();
      reject(new Error(`guest did not reach VNT-DONE: ${out}`));
    }, opts.timeoutMs ?? 90_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      if (/^VNT-DONE\r?$/m.test(out)) {
        clearTimeout(deadline);
        p.stdout.off('data', onData);
        p.stdout.on('data', (more: Buffer) => {
          out += more.toString();
        });
        resolve({
          console: out,
          markers: parseMarkers(out),
          ms: Math.round(performance.now() - start),
          output: () => out,
          stop,
        });
      }
    };
    p.stdout.on('data', onData);
    p.stderr.on('data', (b: Buffer) => {
      out += b.toString();
    });
    p.once('close', () => {
      clearTimeout(deadline);
      reject(new Error(`QEMU ended before VNT-DONE: ${out}`));
    });
  });
}

export function bootGuest(opts: BootOptions): Promise<BootResult> {
  const args = qemuArgs(opts);
  const start = performance.now();
  // `ip netns exec` execs QEMU in place, so the child's PID is QEMU's
  // a macvtap is opened by the caller of QEMU, as libvirt does, and handed over as a file descriptor
  const fd = opts.tapPath ? openSync(opts.tapPath, 'r+') : undefined;
  const p = spawn('ip', args, { stdio: ['ignore', 'pipe', 'pipe', ...(fd !== undefined ? [fd] : [])] });
  if (fd !== undefined) closeSync(fd);
  const pid = p.pid;
  if (pid) running.add(pid);
  let out = '';
  let doneAt: number | undefined;
  const stop = () => pid && kill(pid);
  const deadline = setTimeout(stop, opts.timeoutMs ?? 90_000);
  let grace: NodeJS.Timeout | undefined;

  return new Promise((resolve, reject) => {
    const onData = (b: Buffer) => {
      out += b.toString();
      if (doneAt === undefined && /^VNT-DONE\r?$/m.test(out)) {
        doneAt = performance.now();
        // the guest powers itself off; only a hung shutdown needs the kill
        grace = setTimeout(stop, 5000);
      }
    };
    p.stdout?.on('data', onData);
    p.stderr?.on('data', onData);
    p.once('error', (e) => {
      clearTimeout(deadline);
      clearTimeout(grace);
      if (pid) running.delete(pid);
      reject(e);
    });
    // 'close' comes after the exit and the end of its output: the process is gone
    p.once('close', () => {
      clearTimeout(deadline);
      clearTimeout(grace);
      if (pid) running.delete(pid);
      resolve({
        console: out,
        markers: parseMarkers(out),
        ms: Math.round((doneAt ?? performance.now()) - start),
      });
    });
  });
}

export function parseMarkers(text: string): Record<string, string> {
  const markers: Record<string, string> = {};
  for (const m of text.matchAll(/^(VNT-[A-Z]+)(?: ([^\r\n]*))?\r?$/gm)) {
    const key = m[1] as string;
    markers[key] ??= m[2] ?? '';
  }
  return markers;
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
