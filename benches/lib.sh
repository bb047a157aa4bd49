# Shell helpers shared by benches/compare.sh and benches/compare_builds.sh
# (sourced, not run): ports, start-up, CPU accounting, one benchmark run.
# The caller sets CLIENTS.

# The lock library's compare-and-delete script, the EVALSHA row's load.
SCRIPT='if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end'

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_up() { for _ in $(seq 100); do redis-cli -p "$1" ping >/dev/null 2>&1 && return 0; sleep 0.05; done; echo "server on $1 did not start"; exit 1; }
machine() { echo "machine: $(nproc) cores, $(awk -F: '/model name/{print $2; exit}' /proc/cpuinfo | sed 's/^ *//')"; }

TICK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# rps <pid> <port> <pipeline> <n> <args…>: "requests-per-second cpu-µs-per-request"
# of one redis-benchmark run against the server <pid> listening on <port>.
rps() {
    local pid=$1 port=$2 pipe=$3 n=$4 before after r; shift 4
    before=$(cpu_ticks "$pid")
    r=$(redis-benchmark -p "$port" -c "$CLIENTS" -n "$n" -P "$pipe" -r 100000 -q "$@" 2>/dev/null \
        | tr '\r' '\n' | grep 'requests per second' | tail -1 | awk -F': ' '{print $2}' | awk '{print $1}')
    after=$(cpu_ticks "$pid")
    echo "$r $(python3 -c "print(f'{($after - $before) / $TICK * 1e6 / $n:.2f}')")"
}
