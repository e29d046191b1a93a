#!/bin/bash
# record-bandwidth.sh — what libvirt 9.0 runs for a network's <bandwidth> on this machine's kernel, as fixtures:
# the command each start fails at (its error names it: sfq for inbound, act_police for outbound).
#
#   record-bandwidth.sh [OUT]     (default OUT: test/fixtures/libvirt-9.0/bandwidth)
#
# libvirtd runs in a namespace of its own through libvirt-ns.sh. Needs root and libvirt's daemon and virsh.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-$HERE/../../test/fixtures/libvirt-9.0/bandwidth}
export LIBVIRT_NS=vnlv-rec-bw LIBVIRT_NS_DIR=/tmp/vnlv-rec-bw
NS="$HERE/libvirt-ns.sh"
trap 'bash "$NS" stop > /dev/null 2>&1 || true' EXIT
bash "$NS" start > /dev/null
rm -rf "$OUT"
mkdir -p "$OUT"
record() { # record NAME BANDWIDTH-XML
    local xml=$LIBVIRT_NS_DIR/$1.xml
    echo "<network><name>bw</name><forward mode='nat'/><bridge name='vbw0'/><bandwidth>$2</bandwidth><ip address='10.99.0.1' prefix='24'/></network>" > "$xml"
    echo "$2" > "$OUT/$1.bandwidth"
    bash "$NS" virsh net-create "$xml" 2> "$OUT/$1.err" > /dev/null && exit 1
    sed -i "s#$xml#$1.xml#" "$OUT/$1.err"
}
record inbound "<inbound average='1000' peak='2000'/>"
record outbound "<outbound average='500'/>"
echo "recorded into $OUT: $(ls "$OUT" | tr '\n' ' ')"
