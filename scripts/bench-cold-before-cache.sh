#!/bin/bash
# Issue 12's "cold no slower than today", measured directly: a fresh `up` of the shop (4 machines, no
# published ports) by the engine before the cache existed, interleaved with today's engine cold while
# saving to the cache (with apt's lists kept from an earlier run, as within the hour after one; and
# with none kept, as on the first run of the hour: the run fetches them once) and cold with --no-cache.
# In-process runs (no agent), `destroy --volumes` between.
#
#   scripts/bench-cold-before-cache.sh [reps] [rev]     (default: 3 reps, rev 778c9b6^, the commit before the cache)
#   VARIANTS="0 2" scripts/bench-cold-before-cache.sh 12   (only the engine before the cache and the first run of the hour)
#
# Builds <rev> in a worktree at /tmp/pl-before-cache (node_modules linked from this checkout). Each engine
# gets its own data folder and profile name; every run of today's engine gets a new env value, so that
# nothing of it is cached yet. Each round starts one variant further on (a fixed order made the run
# after the engine before the cache slower, docs/cache.md). Prints one line per run (ms), then the medians.
set -euo pipefail
reps=${1:-3}
rev=${2:-778c9b6^}
root=$(cd "$(dirname "$0")/.." && pwd)
old=/tmp/pl-before-cache
work=$(mktemp -d /tmp/pl-cold-XXXX)
[ -d "$old" ] || git -C "$root" worktree add -f --detach "$old" "$rev" >/dev/null
[ -e "$old/node_modules" ] || ln -s "$root/node_modules" "$old/node_modules"
[ -f "$old/dist/cli/main.mjs" ] || (cd "$old" && node scripts/build.mjs --quiet)
(cd "$root" && node scripts/build.mjs --quiet)
export PRODLIKE_NO_AGENT=1
profile() { # name, shop folder
  mkdir -p "$work/$1/profiles/s" && cp "$2/profiles/shop/base.yaml" "$work/$1/profiles/s/" && cp -r "$2/profiles/shop/files" "$work/$1/profiles/s/"
  cat > "$work/$1/profiles/s/x.yaml" <<EOP
name: pl-cold-$1
extends: ./base.yaml
role: dev
vars: { shop_env: dev }
machines:
  web: { docker: { image: debian:bookworm, hostname: web, env: { T: "0" } } }
  app: { docker: { image: debian:bookworm, hostname: app, env: { T: "0" } } }
  db: { docker: { image: debian:bookworm, hostname: db, env: { T: "0" }, volumes: ["db-data:/var/lib/postgresql"] } }
  cache: { docker: { image: debian:bookworm, hostname: cache, env: { T: "0" } } }
EOP
}
profile before "$old"; profile now "$root"
run() { # label, data dir, checkout, name, args...
  local label=$1 data=$2 co=$3 name=$4; shift 4
  cd "$work/$name"
  PRODLIKE_DATA_DIR=$data node "$co/bin/prodlike.mjs" destroy profiles/s/x.yaml --volumes >/dev/null 2>&1 || true
  local s; s=$(date +%s%N)
  PRODLIKE_DATA_DIR=$data node "$co/bin/prodlike.mjs" up profiles/s/x.yaml "$@" >/dev/null 2>&1
  echo "$label $(( ($(date +%s%N) - s) / 1000000 ))"
  PRODLIKE_DATA_DIR=$data node "$co/bin/prodlike.mjs" destroy profiles/s/x.yaml --volumes >/dev/null 2>&1
}
new_key() { sed -i "s/T: \"[0-9]*\"/T: \"$RANDOM$RANDOM\"/" "$work/now/profiles/s/x.yaml"; }
# Not counted: keeps apt's lists for today's engine (as any earlier run within the hour would).
new_key && run warm-up "$work/data-now" "$root" now >/dev/null
variant() {
  case $1 in
    0) run before-cache "$work/data-before" "$old" before ;;
    1) new_key && run now-saving "$work/data-now" "$root" now ;;
    2) new_key && rm -rf "$work/data-now/cache/apt-lists" && run now-saving-lists-fetched "$work/data-now" "$root" now ;;
    3) run now-no-cache "$work/data-now" "$root" now --no-cache ;;
  esac
}
# Each round starts one variant further on, so no variant always follows the same one (what the run
# before leaves to the disk and the engine weighs on the next).
# VARIANTS="0 2" times only those (here: the engine before the cache and the first run of the hour,
# paired round by round).
read -r -a vs <<< "${VARIANTS:-0 1 2 3}"
for i in $(seq "$reps"); do
  for j in "${!vs[@]}"; do variant "${vs[$(( (i + j) % ${#vs[@]} ))]}"; done
done | tee "$work/results"
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ms_of() { awk -v l="$1" '$1 == l { print $2 }' "$work/results"; }
echo "medians (ms), $reps each, load $(cut -d' ' -f1-3 /proc/loadavg):"
for l in before-cache now-saving now-saving-lists-fetched now-no-cache; do
  grep -q "^$l " "$work/results" && echo "$l $(ms_of $l | median)"
done
# Paired with the engine before the cache, round by round: how often each is faster, and the median difference.
for l in now-saving now-saving-lists-fetched now-no-cache; do
  grep -q "^before-cache " "$work/results" && grep -q "^$l " "$work/results" || continue
  paste <(ms_of before-cache) <(ms_of $l) | awk '{ print $2 - $1 }' > "$work/diff"
  echo "$l against before-cache: faster in $(awk '$1 < 0' "$work/diff" | wc -l) of $(wc -l < "$work/diff") rounds, paired median $(median < "$work/diff") ms"
done
docker images -q --filter label=prodlike.cache-profile=pl-cold-now | sort -u | xargs -r docker rmi -f >/dev/null 2>&1 || true
rm -rf "$work"
