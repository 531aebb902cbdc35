#!/usr/bin/env bash
# Runs the README's quick-start line from a fresh clone on a fresh Debian bookworm "machine": a
# container of the local debian:bookworm image with its own /var/lib/docker, no docker.io, and only
# this machine's Node (binary and npm) added. Needs root and a Docker engine; takes several minutes.
#   bash test/fresh-machine.sh            # clones HEAD of this checkout
# --privileged is refused where CAP_SYS_RESOURCE is missing (this project's sandbox): the container gets
# every other capability, unconfined seccomp/AppArmor and the cgroup tree, which a nested engine needs.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ID=$RANDOM
W=$(mktemp -d /tmp/pl-fresh-XXXX)
NAME=pl-fresh-$ID
cleanup() { docker rm -f "$NAME" >/dev/null 2>&1; docker network rm "$NAME" >/dev/null 2>&1; rm -rf "$W" 2>/dev/null || { sleep 3; rm -rf "$W"; }; }
trap cleanup EXIT

git clone -q "$ROOT" "$W/prodlike" && git -C "$W/prodlike" checkout -q "$(git -C "$ROOT" rev-parse HEAD)"
NODE=$(command -v node)
NPM_DIR=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
ca=()
# Where the npm registry is reached through a proxy with its own CA, the machine would have that CA.
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ]; then
  ca=(-v "$NODE_EXTRA_CA_CERTS:/etc/ssl/host-ca.crt:ro" -e NODE_EXTRA_CA_CERTS=/etc/ssl/host-ca.crt -e npm_config_cafile=/etc/ssl/host-ca.crt)
fi
mkdir -p "$W/varlib"
docker network create "$NAME" >/dev/null
docker run -d --name "$NAME" --network "$NAME" --cap-add ALL --cap-drop SYS_RESOURCE \
  --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
  -v /sys/fs/cgroup:/sys/fs/cgroup:rw --tmpfs /run \
  -v "$W/varlib:/var/lib/docker" -v "$NODE:/usr/local/bin/node:ro" -v "$NPM_DIR:/usr/local/lib/node_modules/npm:ro" \
  -v "$W/prodlike:/root/prodlike" "${ca[@]}" \
  debian:bookworm sleep infinity >/dev/null || exit 1
docker exec "$NAME" sh -c 'ln -s /usr/local/lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm; ln -s /usr/local/lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx'
echo "== before: dockerd: $(docker exec "$NAME" sh -c 'command -v dockerd || echo not installed'); node $(docker exec "$NAME" node -v)"
LINE=$(sed -n '/^## Quick start/,/^### /p' "$W/prodlike/README.md" | grep -m1 '^npm install && npx prodlike doctor')
echo "== the README's line: $LINE"
start=$(date +%s)
docker exec -w /root/prodlike "$NAME" bash -c "$LINE"
rc=$?
echo "== exit $rc after $(( $(date +%s) - start )) s"
docker exec "$NAME" sh -c 'command -v dockerd; docker ps --format "{{.Names}} {{.Status}}"; docker images'
exit $rc
