#!/usr/bin/env bash
# Installs whatever is missing on a fresh Debian 12 machine (apt packages, npm packages) and builds.
# Idempotent: cheap when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v ip >/dev/null || need_apt+=(iproute2)
command -v nft >/dev/null || need_apt+=(nftables)
command -v dnsmasq >/dev/null || need_apt+=(dnsmasq-base)
[ -x /bin/busybox ] || need_apt+=(busybox-static)
command -v iperf3 >/dev/null || need_apt+=(iperf3)
command -v ethtool >/dev/null || need_apt+=(ethtool)
# overlay networks (VXLAN + BGP-EVPN): virtnetd runs its own zebra and bgpd; policy-rc.d keeps the frr service off
[ -x /usr/lib/frr/bgpd ] && command -v vtysh >/dev/null || need_apt+=(frr)
command -v pgrep >/dev/null || need_apt+=(procps)
# the traffic-filter lab (test/fixtures/conformance/libvirt-9.0/nwfilter-behaviour/lab.sh, libvirt's): captures, ping, OpenBSD nc, raw frames
command -v tcpdump >/dev/null || need_apt+=(tcpdump)
command -v ping >/dev/null || need_apt+=(iputils-ping)
dpkg -s netcat-openbsd >/dev/null 2>&1 || need_apt+=(netcat-openbsd)
[ -x /usr/bin/python3 ] || need_apt+=(python3)
# the e2e VM harness (test/e2e/vm): QEMU in software emulation, and the tools that build its initramfs
command -v qemu-system-x86_64 >/dev/null || need_apt+=(qemu-system-x86)
command -v cpio >/dev/null || need_apt+=(cpio)
command -v xz >/dev/null || need_apt+=(xz-utils)
command -v zstd >/dev/null || need_apt+=(zstd)
# the web UI's browser tests (playwright-core drives Debian's Chromium; browser downloads do not work here)
command -v chromium >/dev/null || need_apt+=(chromium)
[ -d /usr/share/fonts/truetype/dejavu ] || need_apt+=(fonts-dejavu-core)
# libvirt 9.0 for the takeover test and the side-by-side benchmarks (libvirtd only ever runs in namespaces of
# ours): the daemon and virsh only, not libvirt-daemon-system, whose services and default network would start here
command -v libvirtd >/dev/null || need_apt+=(libvirt-daemon)
command -v virsh >/dev/null || need_apt+=(libvirt-clients)
command -v iptables >/dev/null || need_apt+=(iptables)
# the CLI start-up benchmark times with hyperfine
command -v hyperfine >/dev/null || need_apt+=(hyperfine)
# the metrics test: promtool (Debian's prometheus package) validates and lints /metrics; its service is not
# started here (policy-rc.d), and nothing of it runs outside the test
command -v promtool >/dev/null || need_apt+=(prometheus)
# the package test: dpkg-deb builds, dpkg --root installs, systemd-analyze verifies the unit
command -v systemd-analyze >/dev/null || need_apt+=(systemd)
for extra in ${VIRTNET_EXTRA_APT:-}; do
  dpkg -s "$extra" >/dev/null 2>&1 || need_apt+=("$extra")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "virtnet setup: missing packages ${need_apt[*]}; run as root or install them" >&2
    exit 1
  fi
  echo "virtnet setup: apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # no package's service may start on this host (frr, prometheus, libvirt): without a policy-rc.d of the
  # machine's own, one that refuses is in place for the install and removed after it
  own_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    own_policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' >"$own_policy"
    chmod 755 "$own_policy"
    trap 'rm -f "$own_policy"' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  if [ -n "$own_policy" ]; then rm -f "$own_policy"; trap - EXIT; fi
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # `npm install` (not `npm ci`): the lock file holds only the linux builds of biome's per-platform optional
  # packages (the package registry we get serves no others), which `npm ci` rejects as out of sync.
  # `npm install` still installs exactly the locked versions and leaves the lock file untouched.
  echo "virtnet setup: npm install (locked versions)"
  npm install --no-audit --no-fund --loglevel=error
fi

echo "virtnet setup: build"
npm run --silent build
