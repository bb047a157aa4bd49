#!/usr/bin/env bash
# Two builds of redsim-server and redis-server side by side in one run: for
# measuring what a change did, on a machine whose absolute numbers drift.
#
#   benches/compare_builds.sh OLD_BINARY NEW_BINARY
#   ROUNDS=3 TESTS=set,evalsha benches/compare_builds.sh old new
#
# Build the old side from another checkout, for example:
#   git worktree add /tmp/old <commit>
#   (cd /tmp/old && CARGO_TARGET_DIR=/tmp/old-target cargo build --release -p redsim --features cli --bin redsim-server)
# (commits before the `cli` feature build the binary without `--features cli`).
#   benches/compare_builds.sh /tmp/old-target/release/redsim-server target/release/redsim-server
#
# The three servers start together; each command runs against the three in
# turn, ROUNDS times, and the best requests per second and the lowest CPU
# time per request (user + system from /proc, in µs) are kept per server.
# The EVALSHA row runs redsim-lock's compare-and-delete script on random
# keys. Needs redis-server, redis-benchmark, redis-cli and python3.
set -euo pipefail

OLD=${1:?usage: $0 OLD_BINARY NEW_BINARY}
NEW=${2:?usage: $0 OLD_BINARY NEW_BINARY}
ROUNDS=${ROUNDS:-2}
CLIENTS=${CLIENTS:-50}
N1=${N1:-150000}        # requests per run at -P 1
N16=${N16:-1000000}     # requests per run at -P 16
TESTS=${TESTS:-set,get,incr,lpush,sadd,hset,zadd,evalsha}

for tool in redis-server redis-benchmark redis-cli python3; do
    command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install -y redis-server python3)"; exit 1; }
done

# shellcheck source=benches/lib.sh
. "$(dirname "$0")/lib.sh"

OLD_PORT=$(free_port); NEW_PORT=$(free_port); REAL_PORT=$(free_port)
TMP=$(mktemp -d)
cleanup() { kill "$OLD_PID" "$NEW_PID" "$REAL_PID" 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
RUST_LOG=warn "$OLD" --port "$OLD_PORT" >"$TMP/old.log" 2>&1 & OLD_PID=$!
RUST_LOG=warn "$NEW" --port "$NEW_PORT" >"$TMP/new.log" 2>&1 & NEW_PID=$!
redis-server --port "$REAL_PORT" --save '' --appendonly no --dir "$TMP" >"$TMP/redis.log" 2>&1 & REAL_PID=$!
wait_up "$OLD_PORT"; wait_up "$NEW_PORT"; wait_up "$REAL_PORT"

declare -A SHA
for port in "$OLD_PORT" "$NEW_PORT" "$REAL_PORT"; do
    SHA[$port]=$(redis-cli -p "$port" script load "$SCRIPT")
done

better() { python3 -c "import sys; sys.exit(0 if $1 $2 $3 else 1)"; }

machine
echo "old: $OLD"; echo "new: $NEW"; echo "best of $ROUNDS rounds, $CLIENTS clients; rps and CPU µs per request"
printf '%-8s %3s %24s %24s %24s\n' command -P old new redis
for pipe in 16 1; do
    n=$N1; [ "$pipe" = 16 ] && n=$N16
    for t in ${TESTS//,/ }; do
        declare -A rps=() cpu=()
        for _ in $(seq "$ROUNDS"); do
            for side in "old:$OLD_PID:$OLD_PORT" "new:$NEW_PID:$NEW_PORT" "redis:$REAL_PID:$REAL_PORT"; do
                IFS=: read -r name pid port <<<"$side"
                if [ "$t" = evalsha ]; then
                    read -r r c < <(rps "$pid" "$port" "$pipe" $((n / 2)) EVALSHA "${SHA[$port]}" 1 lock:__rand_int__ token)
                else
                    read -r r c < <(rps "$pid" "$port" "$pipe" "$n" -t "$t")
                fi
                if [ -z "${rps[$name]:-}" ] || better "$r" '>' "${rps[$name]}"; then rps[$name]=$r; fi
                if [ -z "${cpu[$name]:-}" ] || better "$c" '<' "${cpu[$name]}"; then cpu[$name]=$c; fi
            done
        done
        printf '%-8s %3s %24s %24s %24s\n' "$t" "$pipe" \
            "${rps[old]} ${cpu[old]}µs" "${rps[new]} ${cpu[new]}µs" "${rps[redis]} ${cpu[redis]}µs"
    done
done
