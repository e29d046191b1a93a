// Builds a tiny Linux guest for the e2e VM tests from Debian packages: the cloud kernel, and an initramfs with
// the host's static busybox, the virtio-net modules and an /init that reports what the guest sees on the network.
// Cached per kernel package version; a build happens in a temp dir that is renamed into place when complete.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(import.meta.dirname, '../../../..');
const run = promisify(execFile);
const APT_LISTS = '/var/lib/apt/lists';
/** Drivers for the guest's virtio-net NIC; their dependencies are added at build time. */
const MODULES = ['virtio_pci', 'virtio_net'];

export interface GuestImage {
  kernel: string;
  initrd: string;
}

/** Configures eth0 from the lease (busybox udhcpc passes it in environment variables). */
const UDHCPC_SCRIPT = `#!/bin/sh
case "$1" in
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/\${mask:-24}" dev "$interface"
    if [ -n "$router" ]; then ip route replace default via "\${router%% *}" dev "$interface"; fi
    : > /etc/resolv.conf
    for d in $dns; do echo "nameserver $d" >> /etc/resolv.conf; done
    echo "$ip" > /tmp/lease
    ;;
  deconfig)
    ip addr flush dev "$interface"
    ;;
esac
`;

function initScript(modules: string[]): string {
  return `#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox mount -t devtmpfs dev /dev
# the initramfs has no /dev/console, so the kernel could not give us one
exec </dev/console >/dev/console 2>&1
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
for m in ${modules.join(' ')}; do insmod /lib/modules/$m.ko || echo "VNT-ERROR insmod $m"; done
ip link set lo up
# eth0 shows up once virtio_net has probed the device
for i in $(seq 50); do [ -e /sys/class/net/eth0 ] && break; sleep 0.1; done
ip link set eth0 up
udhcpc -i eth0 -n -q -t 10 -T 1 -s /udhcpc.sh >/dev/null 2>&1
lease=$(cat /tmp/lease 2>/dev/null)
echo "VNT-LEASE \${lease:-none}"
param() { for w in $(cat /proc/cmdline); do case "$w" in "$1"=*) echo "\${w#*=}";; esac; done; }
name=$(param vnt.dns)
if [ -n "$name" ]; then
  a=$(nslookup -type=a "$name" 2>/dev/null | awk '/^Name:/ { f = 1 } f && /^Address/ && $NF ~ /^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$/ { print $NF; exit }')
  echo "VNT-DNS \${a:-none}"
fi
tcp=$(param vnt.tcp)
if [ -n "$tcp" ]; then
  l=$(timeout 5 nc "\${tcp%:*}" "\${tcp##*:}" </dev/null 2>/dev/null | head -n 1)
  echo "VNT-TCP \${l:-none}"
fi
echo VNT-DONE
# vnt.stay=1: the guest stays up (its kernel answers pings) until the test stops QEMU
if [ "$(param vnt.stay)" = 1 ]; then while :; do sleep 3600; done; fi
poweroff -f
`;
}

let pending: Promise<GuestImage> | undefined;

/** Kernel and initramfs paths; built on first use, then served from the cache. */
export function buildGuestImage(): Promise<GuestImage> {
  pending ??= build().catch((e) => {
    pending = undefined;
    throw e;
  });
  return pending;
}

async function build(updated = false): Promise<GuestImage> {
  const cache = process.env.VIRTNET_VM_CACHE ?? join(ROOT, '.cache', 'vm');
  mkdirSync(cache, { recursive: true });
  // apt-cache takes seconds: while the package lists are unchanged, reuse the last resolution
  // "LISTS_MTIME DIR" in plain text: biome would check a .json file under the repository
  const memo = join(cache, 'resolved');
  const lists = String(existsSync(APT_LISTS) ? statSync(APT_LISTS).mtimeMs : 0);
  const [lastLists, lastDir] = existsSync(memo) ? readFileSync(memo, 'utf8').trim().split(' ') : [];
  // the initramfs recipe is part of the key: editing /init must not boot a stale image
  const recipe = createHash('sha256')
    .update(initScript(MODULES) + UDHCPC_SCRIPT)
    .digest('hex')
    .slice(0, 8);
  if (lastLists === lists && lastDir?.endsWith(recipe) && existsSync(join(cache, lastDir, 'initrd.gz'))) {
    return imageIn(join(cache, lastDir));
  }

  let pkg: { name: string; version: string };
  try {
    pkg = await kernelPackage();
  } catch (e) {
    // package lists missing (fresh machine): fetch them once and retry
    if (updated) throw e;
    await run('apt-get', ['update', '-qq']);
    return build(true);
  }
  const dir = `${pkg.name}_${pkg.version}_${recipe}`;
  const final = join(cache, dir);
  const image = imageIn(final);
  // write-then-rename: a parallel reader never sees half a file
  const remember = () => {
    writeFileSync(`${memo}.${process.pid}`, `${lists} ${dir}\n`);
    renameSync(`${memo}.${process.pid}`, memo);
  };
  if (existsSync(image.initrd)) {
    remember();
    return image;
  }

  const tmp = mkdtempSync(join(cache, '.build-'));
  try {
    let deb: string;
    try {
      deb = await download(pkg.name, tmp);
    } catch (e) {
      // stale lists name a version the mirror no longer has
      if (updated) throw e;
      await run('apt-get', ['update', '-qq']);
      return build(true);
    }
    const kroot = join(tmp, 'kernel');
    await run('dpkg-deb', ['-x', deb, kroot]);
    const out = join(tmp, 'out');
    mkdirSync(out);
    const vmlinuz = readdirSync(join(kroot, 'boot')).find((f) => f.startsWith('vmlinuz-'));
    if (!vmlinuz) throw new Error(`no vmlinuz in ${pkg.name}`);
    copyFileSync(join(kroot, 'boot', vmlinuz), join(out, 'vmlinuz'));

    const staging = join(tmp, 'initrd');
    for (const d of 'bin sbin usr/bin usr/sbin dev proc sys etc tmp lib/modules'.split(' ')) {
      mkdirSync(join(staging, d), { recursive: true });
    }
    copyFileSync('/bin/busybox', join(staging, 'bin/busybox'));
    const modules = await copyModules(kroot, join(staging, 'lib/modules'), MODULES);
    writeFileSync(join(staging, 'init'), initScript(modules), { mode: 0o755 });
    writeFileSync(join(staging, 'udhcpc.sh'), UDHCPC_SCRIPT, { mode: 0o755 });
    await run('sh', [
      '-c',
      'cd "$1" && find . | cpio -o -H newc -R 0:0 --quiet | gzip -9 > "$2"',
      'sh',
      staging,
      join(out, 'initrd.gz'),
    ]);
    try {
      renameSync(out, final);
    } catch (e) {
      // another test file finished the same build first: use theirs
      if (!existsSync(image.initrd)) throw e;
    }
    remember();
    return image;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function imageIn(dir: string): GuestImage {
  return { kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd.gz') };
}

/** The versioned kernel package behind the linux-image-cloud-amd64 metapackage. */
async function kernelPackage(): Promise<{ name: string; version: string }> {
  const show = (await run('apt-cache', ['show', '--no-all-versions', 'linux-image-cloud-amd64'])).stdout;
  const m = /^Depends:.*?(linux-image-[0-9]\S*-cloud-amd64) \(= (\S+)\)/m.exec(show);
  if (!m) throw new Error(`cannot resolve linux-image-cloud-amd64: ${show}`);
  return { name: m[1] as string, version: m[2] as string };
}

async function download(name: string, dir: string): Promise<string> {
  await run('apt-get', ['download', '-qq', name], { cwd: dir });
  const deb = readdirSync(dir).find((f) => f.endsWith('.deb'));
  if (!deb) throw new Error(`apt-get download ${name} produced no .deb`);
  return join(dir, deb);
}

const DECOMPRESSORS: Record<string, string> = { xz: 'xz', zst: 'zstd', gz: 'gzip' };

/**
 * Copies the wanted modules and everything they depend on into `dest`, decompressed (busybox insmod loads
 * plain .ko only); returns their names in load order. Built-in drivers are skipped. The .deb ships no
 * modules.dep (depmod runs at install time), so dependencies come from each module's own `depends=` field.
 */
async function copyModules(kroot: string, dest: string, wanted: string[]): Promise<string[]> {
  const base = join(kroot, 'lib/modules');
  const version = readdirSync(base)[0] as string;
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (/\.ko(\.(xz|zst|gz))?$/.test(e.name))
        files.set(e.name.replace(/\.ko.*$/, '').replace(/-/g, '_'), path);
    }
  };
  walk(join(base, version, 'kernel'));
  const config = readFileSync(join(kroot, 'boot', `config-${version}`), 'utf8');

  const order: string[] = [];
  const visit = async (name: string) => {
    if (order.includes(name)) return;
    const src = files.get(name);
    if (!src) {
      if (wanted.includes(name) && new RegExp(`^CONFIG_${name.toUpperCase()}=y$`, 'm').test(config)) return;
      throw new Error(`module ${name} not found in ${version}`);
    }
    const target = join(dest, `${name}.ko`);
    const decompress = DECOMPRESSORS[src.slice(src.lastIndexOf('.') + 1)];
    if (decompress) await run('sh', ['-c', `${decompress} -dc "$1" > "$2"`, 'sh', src, target]);
    else copyFileSync(src, target);
    const deps = /depends=([^\0]*)\0/.exec(readFileSync(target, 'latin1'))?.[1] ?? '';
    for (const d of deps.split(',').filter(Boolean)) await visit(d.replace(/-/g, '_'));
    order.push(name);
  };
  for (const name of wanted) await visit(name);
  return order;
}
