#!/bin/bash
# record-direct-hooks.sh — what libvirt 9.0 does with a direct (macvtap) pool and with network hooks, recorded as
# fixtures: the argv and stdin of every hook call, the live XML with its connection counts, the ports' plugs
# (device selection), and the refusals of a passthrough pool that is full and of a <pf> without VFs.
#
#   record-direct-hooks.sh [OUT]     (default OUT: test/fixtures/libvirt-9.0/direct-hooks)
#
# Runs libvirtd in a namespace of its own through libvirt-ns.sh (nothing of the machine's networking is touched);
# the pool devices are veth pairs inside that namespace. Needs root and libvirt-daemon-system.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-$HERE/../../test/fixtures/libvirt-9.0/direct-hooks}
export LIBVIRT_NS=vnlv-rec-hooks LIBVIRT_NS_DIR=/tmp/vnlv-rec-hooks
NS="$HERE/libvirt-ns.sh"
LOG=$LIBVIRT_NS_DIR-log
trap 'bash "$NS" stop > /dev/null 2>&1 || true; rm -rf "$LOG"' EXIT

bash "$NS" start > /dev/null
# the hook writes each call's arguments and stdin, numbered in call order
mkdir -p "$LIBVIRT_NS_DIR/etc/hooks" "$LOG"
cat > "$LIBVIRT_NS_DIR/etc/hooks/network" << EOF
#!/bin/sh
n=\$(ls $LOG | grep -c '\.args\$' || true)
n=\$(printf %02d "\$n")
echo "\$*" > $LOG/\$n.args
cat > $LOG/\$n.stdin
[ "\$1" = failnet ] && [ "\$2" = start ] && { echo "refused by the hook" >&2; exit 3; }
exit 0
EOF
chmod +x "$LIBVIRT_NS_DIR/etc/hooks/network"
bash "$NS" restart > /dev/null # libvirtd looks for hook scripts when it starts
bash "$NS" exec sh -ec 'for p in 0 2; do ip link add up$p type veth peer name up$((p + 1)); ip link set up$p up; done'

T=$(mktemp -d)
virsh() { bash "$NS" virsh "$@"; }
port() { # port N: a port XML with fixed UUIDs and MAC
    cat > "$T/p$1.xml" << EOF
<networkport><uuid>1111111$1-2222-4333-8444-555555555555</uuid><owner><name>vm$1</name><uuid>aaaaaaa$1-2222-4333-8444-555555555555</uuid></owner><mac address='52:54:00:00:00:0$1'/></networkport>
EOF
    echo "$T/p$1.xml"
}
net() { echo "<network><name>$1</name><uuid>$2</uuid><forward mode='$3'>$4</forward></network>" > "$T/$1.xml"; echo "$T/$1.xml"; }

rm -rf "$OUT"
mkdir -p "$OUT"
virsh -q net-define "$(net dnet ce25f885-c4ad-4ad0-a56e-22d78601af66 bridge "<interface dev='up0'/><interface dev='up2'/>")" > /dev/null
virsh -q net-start dnet > /dev/null
for i in 1 2 3; do virsh -q net-port-create dnet "$(port $i)" > /dev/null; done
virsh net-dumpxml dnet > "$OUT/bridge-pool-3-ports.xml"
for i in 1 2 3; do virsh net-port-dumpxml dnet "1111111$i-2222-4333-8444-555555555555" > "$OUT/bridge-pool-port-$i.xml"; done
virsh -q net-port-delete dnet 11111112-2222-4333-8444-555555555555 > /dev/null
virsh -q net-update dnet add portgroup "<portgroup name='pg1'/>" --live > /dev/null
virsh -q net-destroy dnet > /dev/null

virsh -q net-define "$(net ptnet fed674b5-f766-49b4-8b7f-57c9b21f41f3 passthrough "<interface dev='up0'/><interface dev='up2'/>")" > /dev/null
virsh -q net-start ptnet > /dev/null
for i in 1 2; do virsh -q net-port-create ptnet "$(port $i)" > /dev/null; done
virsh -q net-port-create ptnet "$(port 3)" 2> "$OUT/passthrough-full.err" > /dev/null && exit 1
virsh net-dumpxml ptnet > "$OUT/passthrough-pool-2-ports.xml"
virsh net-port-dumpxml ptnet 11111111-2222-4333-8444-555555555555 > "$OUT/passthrough-port-1.xml"
virsh -q net-destroy ptnet > /dev/null

virsh -q net-define "$(net pfnet 0c4fdc3b-6b7e-4d5c-9a1f-0e2d3c4b5a69 passthrough "<pf dev='up0'/>")" > /dev/null
virsh -q net-start pfnet 2> "$OUT/pf-without-vfs.err" > /dev/null && exit 1
virsh -q net-define "$(net failnet 9d38316b-6630-4f4e-ba61-ea0e4a6df012 private "<interface dev='up0'/>")" > /dev/null
virsh -q net-start failnet 2> "$OUT/start-hook-fails.err" > /dev/null && exit 1

# the hook calls, one file pair per call; the hook's own path is libvirt's /etc/libvirt/hooks/network
mkdir -p "$OUT/hooks"
for f in "$LOG"/*.args; do
    n=$(basename "$f" .args)
    cp "$f" "$OUT/hooks/$n.args"
    cp "$LOG/$n.stdin" "$OUT/hooks/$n.stdin"
done
# machine-specific parts of the messages: the temp directory and the daemon's PATH
sed -i -e "s#$T/##g" -e 's#PATH=[^ ]* #PATH=$PATH #' "$OUT"/*.err
rm -rf "$T"
echo "recorded into $OUT:"
ls "$OUT" "$OUT/hooks" | tr '\n' ' '
echo
