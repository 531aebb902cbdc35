#!/usr/bin/env bash
# Makes sure a Docker engine answers and the local base image exists; says exactly what is missing
# when it cannot. Used by `npm test` and CI. Idempotent and quick when everything is there already.
set -euo pipefail

IMAGE="${PRODLIKE_BASE_IMAGE:-debian:bookworm}"
SOCK="${DOCKER_HOST:-unix:///var/run/docker.sock}"

docker_ok() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if ! command -v docker >/dev/null 2>&1; then
  echo "prodlike: the docker client is not installed. On Debian: apt-get install -y docker.io" >&2
  exit 1
fi

if ! docker_ok; then
  if [[ "$SOCK" == unix://* ]] && command -v dockerd >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "prodlike: starting the Docker engine (dockerd) in the background; its log is /tmp/dockerd.log" >&2
    nohup dockerd >/tmp/dockerd.log 2>&1 &
    for _ in $(seq 1 60); do docker_ok && break; sleep 0.5; done
  fi
fi
if ! docker_ok; then
  echo "prodlike: no Docker engine answers at $SOCK." >&2
  echo "  Start it (systemctl start docker, or run dockerd as root), or install it: apt-get install -y docker.io" >&2
  exit 1
fi

if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
  if ! command -v mmdebstrap >/dev/null 2>&1; then
    echo "prodlike: the base image $IMAGE is missing and cannot be built: mmdebstrap is not installed." >&2
    echo "  apt-get install -y mmdebstrap, then run npm test again (or docker pull $IMAGE where a registry is reachable)" >&2
    exit 1
  fi
  echo "prodlike: building the base image $IMAGE with mmdebstrap (about 20-60 s, once)" >&2
  mmdebstrap --quiet --variant=apt \
    --include=openssh-server,python3,procps,ca-certificates,sudo \
    bookworm - | docker import - "$IMAGE" >/dev/null
fi
