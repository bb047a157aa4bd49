#!/usr/bin/env bash
# Side-by-side throughput and memory: redsim-server (release build) and
# redis-server on loopback, measured by the same redis-benchmark in one run.
#
#   benches/compare.sh                 # everything (a few minutes)
#   ROUNDS=1 N1=100000 benches/compare.sh   # quicker, noisier
#   SIM_ARGS="--threads 2" benches/compare.sh   # extra redsim-server options
#
# For each command and pipeline depth it alternates the two servers ROUNDS
# times and keeps each one's best run, then prints requests per second and
# the ratio redsim / redis, and the geometric mean of the ratios per depth.
# It also prints each server's CPU time per request (user + system, from
# /proc, the lowest over the rounds): on a shared or small machine, where
# the benchmark client and other work compete for the cores, throughput is
# noisy but CPU per request still says which server does less work.
# Last, it loads 1 M small keys into each (SET key:N with a 3-byte value,
# through redis-cli --pipe) and compares resident memory (VmRSS).
#
# Needs: redis-server, redis-benchmark, redis-cli (Debian/Ubuntu:
# apt-get install -y redis-server), python3, a Rust toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-2}
CLIENTS=${CLIENTS:-50}
N1=${N1:-200000}        # requests per run at -P 1
N16=${N16:-2000000}     # requests per run at -P 16
KEYS=${KEYS:-1000000}   # keys loaded for the memory comparison
SIM_ARGS=${SIM_ARGS:-}  # extra redsim-server options, e.g. --threads 2
TESTS=${TESTS:-set,get,incr,lpush,rpop,sadd,hset,zadd,mset}

for tool in redis-server redis-benchmark redis-cli python3; do
    command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install -y redis-server python3)"; exit 1; }
done

# shellcheck source=benches/lib.sh
. benches/lib.sh

cargo build --release --quiet -p redsim --features cli --bin redsim-server
REDSIM=target/release/redsim-server


SIM_PORT=$(free_port); REAL_PORT=$(free_port)
TMP=$(mktemp -d)
cleanup() { kill "$SIM_PID" "$REAL_PID" 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT

# shellcheck disable=SC2086 # SIM_ARGS is a list of options
RUST_LOG=warn "$REDSIM" --port "$SIM_PORT" $SIM_ARGS >"$TMP/redsim.log" 2>&1 & SIM_PID=$!
redis-server --port "$REAL_PORT" --save '' --appendonly no --dir "$TMP" >"$TMP/redis.log" 2>&1 & REAL_PID=$!
wait_up "$SIM_PORT"; wait_up "$REAL_PORT"

REAL_VERSION=$(redis-cli -p "$REAL_PORT" info server | tr -d '\r' | awk -F: '/^redis_version/{print $2}')
machine
echo "redis-server $REAL_VERSION vs redsim-server (release${SIM_ARGS:+, $SIM_ARGS}), $CLIENTS clients, best of $ROUNDS alternating runs"
echo

SIM_SHA=$(redis-cli -p "$SIM_PORT" script load "$SCRIPT")
REAL_SHA=$(redis-cli -p "$REAL_PORT" script load "$SCRIPT")

best() { printf '%s\n' "$@" | sort -g | tail -1; }
least() { printf '%s\n' "$@" | sort -g | head -1; }

printf '%-8s %4s %14s %14s %7s %12s %12s\n' command -P redsim redis ratio 'redsim µs' 'redis µs'

for pipe in 1 16; do
    n=$N1; [ "$pipe" = 16 ] && n=$N16
    logsum=0; cpusum=0; count=0
    for t in ${TESTS//,/ } evalsha; do
        sims=(); reals=(); sim_cpu=(); real_cpu=()
        for _ in $(seq "$ROUNDS"); do
            if [ "$t" = evalsha ]; then
                read -r a b < <(rps "$SIM_PID" "$SIM_PORT" "$pipe" "$n" EVALSHA "$SIM_SHA" 1 lock:__rand_int__ token)
                read -r c d < <(rps "$REAL_PID" "$REAL_PORT" "$pipe" "$n" EVALSHA "$REAL_SHA" 1 lock:__rand_int__ token)
            else
                read -r a b < <(rps "$SIM_PID" "$SIM_PORT" "$pipe" "$n" -t "$t")
                read -r c d < <(rps "$REAL_PID" "$REAL_PORT" "$pipe" "$n" -t "$t")
            fi
            sims+=("$a"); sim_cpu+=("$b"); reals+=("$c"); real_cpu+=("$d")
        done
        s=$(best "${sims[@]}"); r=$(best "${reals[@]}")
        ratio=$(python3 -c "print(f'{$s/$r:.2f}')")
        printf '%-8s %4s %14s %14s %7s %12s %12s\n' "$t" "$pipe" "$s" "$r" "$ratio" \
            "$(least "${sim_cpu[@]}")" "$(least "${real_cpu[@]}")"
        logsum=$(python3 -c "import math; print($logsum + math.log($s/$r))"); count=$((count + 1))
        cpusum=$(python3 -c "import math; print($cpusum + math.log(max($(least "${sim_cpu[@]}"), 0.01) / max($(least "${real_cpu[@]}"), 0.01)))")
    done
    printf '%-8s %4s %14s %14s %7s %25s\n' geomean "$pipe" "" "" \
        "$(python3 -c "import math; print(f'{math.exp($logsum/$count):.2f}')")" \
        "cpu ratio $(python3 -c "import math; print(f'{math.exp($cpusum/$count):.2f}')")"
done

echo
# Memory: the same 1 M SETs into each, through redis-cli --pipe.
python3 - "$KEYS" >"$TMP/load.resp" <<'EOF'
import sys
out = sys.stdout
for i in range(int(sys.argv[1])):
    k = f"key:{i}"
    out.write(f"*3\r\n$3\r\nSET\r\n${len(k)}\r\n{k}\r\n$3\r\nval\r\n")
EOF
# Fresh processes: what the benchmarks left in each allocator is not data.
kill "$SIM_PID" "$REAL_PID"; wait "$SIM_PID" "$REAL_PID" 2>/dev/null || true
# shellcheck disable=SC2086
RUST_LOG=warn "$REDSIM" --port "$SIM_PORT" $SIM_ARGS >>"$TMP/redsim.log" 2>&1 & SIM_PID=$!
redis-server --port "$REAL_PORT" --save '' --appendonly no --dir "$TMP" >>"$TMP/redis.log" 2>&1 & REAL_PID=$!
wait_up "$SIM_PORT"; wait_up "$REAL_PORT"
rss_kb() { awk '/VmRSS/{print $2}' "/proc/$1/status"; }
sim_before=$(rss_kb "$SIM_PID"); real_before=$(rss_kb "$REAL_PID")
redis-cli -p "$SIM_PORT" --pipe <"$TMP/load.resp" >/dev/null
redis-cli -p "$REAL_PORT" --pipe <"$TMP/load.resp" >/dev/null
sim_keys=$(redis-cli -p "$SIM_PORT" dbsize); real_keys=$(redis-cli -p "$REAL_PORT" dbsize)
sim_rss=$(rss_kb "$SIM_PID"); real_rss=$(rss_kb "$REAL_PID")
printf 'RSS with %s keys: redsim %s MB (%s before), redis %s MB (%s before), ratio %s\n' \
    "$sim_keys/$real_keys" "$((sim_rss / 1024))" "$((sim_before / 1024))" \
    "$((real_rss / 1024))" "$((real_before / 1024))" \
    "$(python3 -c "print(f'{$sim_rss/$real_rss:.2f}')")"
