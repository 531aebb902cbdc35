#!/usr/bin/env bash
# For the bench and the import tests: Docker Compose v2 (Debian trixie's `docker-compose`, 2.26+) unpacked into
# $DEST without installing it. trixie's sources are added with a low pin (nothing is upgraded from
# them), the package is downloaded and unpacked with dpkg-deb -x, and the sources are removed again.
set -euo pipefail
DEST=${1:-/opt/prodlike-bench/compose-v2}
BIN="$DEST/usr/libexec/docker/cli-plugins/docker-compose"
if [ -x "$BIN" ]; then echo "$BIN"; exit 0; fi
LIST=/etc/apt/sources.list.d/prodlike-bench-trixie.sources
PIN=/etc/apt/preferences.d/prodlike-bench-trixie
cleanup() { rm -f "$LIST" "$PIN"; apt-get update -qq >/dev/null 2>&1 || true; }
trap cleanup EXIT
cat >"$LIST" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
printf 'Package: *\nPin: release n=trixie\nPin-Priority: 1\n' >"$PIN"
apt-get update -qq >/dev/null
work=$(mktemp -d)
(cd "$work" && apt-get download -qq docker-compose/trixie >/dev/null)
mkdir -p "$DEST"
dpkg-deb -x "$work"/docker-compose_*.deb "$DEST"
rm -rf "$work"
[ -x "$BIN" ] || BIN=$(find "$DEST" -name docker-compose -type f -perm -u+x | head -1)
"$BIN" version >&2
echo "$BIN"
