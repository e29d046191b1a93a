#!/usr/bin/env bash
# `npm run package`: the Debian package dist/virtnet_VERSION_all.deb (or in the directory given), built from this
# tree with dpkg-deb. It holds the bundles (no node_modules: nothing comes from a package registry at install time),
# the web UI's static files, the systemd unit, bash completion; it depends on Debian packages only.
# VIRTNET_PACKAGE_NO_BUILD=1 packages the current build instead of running `npm run build` first.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-dist}")
[ "${VIRTNET_PACKAGE_NO_BUILD:-}" = 1 ] || npm run --silent build
for f in dist/virtnet.cjs dist/virtnetd.cjs web/dist/index.html; do
  [ -f "$f" ] || { echo "package: $f is missing; run npm run build" >&2; exit 1; }
done
version=$(node -p 'require("./package.json").version')
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/root
lib=$root/usr/lib/virtnet

install -d "$lib/bin" "$lib/dist" "$lib/scripts" "$lib/share" "$lib/web" "$root/usr/bin" "$root/usr/sbin"
install -m 755 bin/virtnet bin/virtnetd bin/virtnet-qemu-ifup bin/virtnet-qemu-ifdown "$lib/bin/"
install -m 644 bin/package.json "$lib/bin/"
# Debian runs scripts with the interpreter's absolute path
sed -i '1s|^#!/usr/bin/env node$|#!/usr/bin/node|' "$lib/bin/virtnet" "$lib/bin/virtnetd"
install -m 644 dist/virtnet.cjs dist/virtnetd.cjs "$lib/dist/"
# the CLI's code cache is made by postinst for the node installed (relative: right inside dpkg --root too)
ln -s ../../../../var/cache/virtnet/virtnet.cache "$lib/dist/virtnet.cache"
install -m 644 scripts/code-cache.cjs "$lib/scripts/"
cp -r share/virsh-help share/virtnet-help share/nwfilter "$lib/share/"
cp -r web/dist "$lib/web/dist"
ln -s ../lib/virtnet/bin/virtnet "$root/usr/bin/virtnet"
ln -s ../lib/virtnet/bin/virtnetd "$root/usr/sbin/virtnetd"
install -D -m 644 completions/virtnet.bash "$root/usr/share/bash-completion/completions/virtnet"
install -D -m 644 packaging/systemd/virtnetd.service "$root/lib/systemd/system/virtnetd.service"
install -D -m 644 packaging/default-virtnetd "$root/etc/default/virtnetd"
install -D -m 644 README.md "$root/usr/share/doc/virtnet/README.md"
install -D -m 644 packaging/debian/copyright "$root/usr/share/doc/virtnet/copyright"
find "$root" -type d -exec chmod 755 {} +
find "$lib/share" "$lib/web" -type f -exec chmod 644 {} +

install -d "$root/DEBIAN"
install -m 755 packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm "$root/DEBIAN/"
install -m 644 packaging/debian/conffiles packaging/debian/triggers "$root/DEBIAN/"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@INSTALLED_SIZE@/$size/" packaging/debian/control >"$root/DEBIAN/control"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"

mkdir -p "$out"
deb="$out/virtnet_${version}_all.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb ($(du -k "$deb" | cut -f1) KiB, installed $size KiB)"
