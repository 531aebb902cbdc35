#!/usr/bin/env bash
# Makes sure a Docker engine answers and the base images exist, for `npm test` and CI: it is
# `prodlike doctor --fix --yes` (one implementation of "start the engine, install docker.io, pull or
# build the base image"; see electron/engine/doctor/), plus the docker CLI that the tests themselves
# use to check Prodlike's work. PRODLIKE_BASE_IMAGE (the tests' base image) is checked too.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -f dist/cli/main.mjs ] || node scripts/build.mjs --quiet
node bin/prodlike.mjs doctor --fix --yes

if ! command -v docker >/dev/null 2>&1; then
  echo "prodlike: the tests check results with the docker CLI, which is not installed. On Debian: apt-get install -y docker.io" >&2
  exit 1
fi
