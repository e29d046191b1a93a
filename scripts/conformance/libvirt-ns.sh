#!/bin/bash
# libvirt-ns.sh — libvirt 9.0's libvirtd in a network namespace and a mount namespace of its own, for comparisons.
#
#   libvirt-ns.sh start          start libvirtd (namespace, private state, empty network store)
#   libvirt-ns.sh virsh ARGS...  run virsh against that libvirtd
#   libvirt-ns.sh exec CMD...    run a command inside the namespace (e.g. ip link)
#   libvirt-ns.sh restart        stop libvirtd and start it again on the same state (it reloads networks and ports)
#   libvirt-ns.sh stop           destroy its active networks, stop libvirtd and its dnsmasq by PID, delete the namespace
#   libvirt-ns.sh status         say whether it runs
#
# libvirtd never sees the machine's own libvirt state: /run/libvirt, /var/lib/libvirt, /var/cache/libvirt and
# /etc/libvirt are bind mounts of directories under the state directory, visible only in libvirtd's mount
# namespace (ip netns exec + unshare -m). /etc/libvirt is a copy of the machine's, without any defined network
# (so the `default` network neither autostarts nor takes virbr0): the store starts empty. The bridges, dnsmasq
# and firewall rules of the networks it starts live in the namespace only. virsh reaches it through the socket
# in the state directory. Needs root and the Debian packages libvirt-daemon-system and libvirt-clients.
#
# Environment: LIBVIRT_NS (namespace name, default vnlv-conf), LIBVIRT_NS_DIR (state directory, default
# /tmp/virtnet-libvirt-$LIBVIRT_NS). Several instances may run side by side with different names.
# LIBVIRT_NS_FAKE_VFS="0000:03:10.1 ..." makes libvirtd see those PCI addresses as SR-IOV virtual functions
# (and no other PCI device): a tmpfs over /sys/bus/pci/devices in its mount namespace only, holding a directory
# with a `physfn` link per address, which is all libvirt 9.0 looks at when it defines a hostdev network. This is
# how hostdev pools are recorded on a machine without SR-IOV hardware; never use it to start such networks.
set -u
NS=${LIBVIRT_NS:-vnlv-conf}
DIR=${LIBVIRT_NS_DIR:-/tmp/virtnet-libvirt-$NS}
PIDFILE=$DIR/libvirtd.pid
URI="qemu:///system?socket=$DIR/run/libvirt-sock"

die() { echo "libvirt-ns: $*" >&2; exit 1; }

running() {
    local pid
    pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

lv_virsh() { virsh -c "$URI" "$@"; }

start() {
    command -v libvirtd > /dev/null || die "libvirtd is not installed: apt-get install libvirt-daemon-system libvirt-clients"
    running && die "already running (pid $(cat "$PIDFILE"), state $DIR)"
    ip netns list | grep -qx "$NS\( .*\)\?" && die "namespace $NS exists; run '$0 stop' first"
    rm -rf "$DIR"
    mkdir -p "$DIR"/{run,lib,cache,etc} || die "cannot create $DIR"
    chmod 755 "$DIR" "$DIR/run"
    cp -a /etc/libvirt/. "$DIR/etc/"
    rm -f "$DIR"/etc/qemu/networks/autostart/*.xml "$DIR"/etc/qemu/networks/*.xml
    printf 'log_outputs="3:file:%s"\n' "$DIR/libvirtd.log" > "$DIR/libvirtd.conf"
    echo "${LIBVIRT_NS_FAKE_VFS:-}" > "$DIR/fake-vfs"
    # the mount points must exist in the shared file system; they stay empty there
    mkdir -p /run/libvirt /var/lib/libvirt /var/cache/libvirt /etc/libvirt
    ip netns add "$NS" || die "cannot create namespace $NS"
    ip -n "$NS" link set lo up
    launch || { stop; die "libvirtd did not start (see $DIR/libvirtd.log)"; }
}

# libvirtd in its own mount namespace inside $NS, on the state in $DIR; returns once it answers.
launch() {
    ip netns exec "$NS" unshare -m --propagation private sh -ec '
        d=$1
        mount --bind "$d/run" /run/libvirt
        mount --bind "$d/lib" /var/lib/libvirt
        mount --bind "$d/cache" /var/cache/libvirt
        mount --bind "$d/etc" /etc/libvirt
        if [ -n "$2" ]; then
            mount -t tmpfs -o size=1m,mode=755 virtnet-fake-pci /sys/bus/pci/devices
            mkdir /sys/bus/pci/devices/0000:00:00.0
            for a in $2; do mkdir -p "/sys/bus/pci/devices/$a" && ln -sfn ../0000:00:00.0 "/sys/bus/pci/devices/$a/physfn"; done
        fi
        exec libvirtd -d -f "$d/libvirtd.conf" --pid-file "$d/libvirtd.pid"
    ' sh "$DIR" "$(cat "$DIR/fake-vfs")" || return 1
    for _ in $(seq 100); do
        # (net-list, not "version": that makes libvirtd probe QEMU)
        lv_virsh -q net-list --all > /dev/null 2>&1 && { echo "libvirtd pid $(cat "$PIDFILE") in namespace $NS, state $DIR"; return 0; }
        sleep 0.2
    done
    return 1
}

# Stops libvirtd only (its networks, their dnsmasq and the state stay), then starts it again on that state:
# libvirt reloads its networks and their ports from the status files, as after a host daemon upgrade.
restart() {
    running || die "not running"
    kill_daemon
    launch || die "libvirtd did not start again (see $DIR/libvirtd.log)"
}

kill_daemon() {
    local pid
    pid=$(cat "$PIDFILE")
    kill "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    rm -f "$PIDFILE"
}

stop() {
    if running; then
        for n in $(lv_virsh -q net-list --name 2>/dev/null); do lv_virsh net-destroy "$n" > /dev/null 2>&1; done
        kill_daemon
    fi
    # dnsmasq instances this libvirtd started (their pid files are in its private run directory)
    for f in "$DIR"/run/network/*.pid; do
        [ -f "$f" ] || continue
        local p
        p=$(cat "$f" 2>/dev/null)
        if [ -n "$p" ] && grep -qs "$DIR\|libvirt" "/proc/$p/cmdline"; then kill "$p" 2>/dev/null; fi
    done
    ip netns list | grep -q "^$NS\b" && ip netns del "$NS"
    rm -rf "$DIR"
    return 0
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
start) start ;;
restart) restart ;;
stop) stop ;;
status) if running; then echo "running: pid $(cat "$PIDFILE"), namespace $NS, state $DIR"; else echo "not running"; exit 1; fi ;;
virsh) lv_virsh "$@" ;;
exec) ip netns exec "$NS" "$@" ;;
*) die "usage: $0 start|restart|stop|status|virsh ARGS...|exec CMD..." ;;
esac
