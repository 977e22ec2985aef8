#!/usr/bin/env bash
# Runs the stock redis-benchmark against flin-resp and redis-server, alternately, and prints their
# results side by side with the ratio flin-resp / redis. See bench/README.md.
set -euo pipefail

usage() {
	cat <<'EOF'
Usage: bench/redis-benchmark.sh [options]

Starts flin-resp (fresh data directory) and redis-server on free loopback ports, unless given
their addresses, then runs for each pipeline depth and round, alternating the two servers:

  redis-benchmark -h HOST -p PORT -t set,get -c 50 -d 1024 -r 100000 -n N -P DEPTH -q --csv

and prints requests/s (median over rounds), p50 and p99 for both, and flin/redis.

Options:
  --flin HOST:PORT   benchmark a running flin-resp instead of starting one
  --redis HOST:PORT  benchmark a running redis-server instead of starting one
  --flin-bin PATH    flin-resp binary to start (default: go build ./cmd/flin-resp)
  --no-persistence   start redis-server with --appendonly no (default: --appendonly yes
                     --appendfsync always, the durability flin-resp always has)
  -n N               requests per redis-benchmark run (default 100000)
  -P "LIST"          pipeline depths (default "1 16")
  -c N               clients (default 50)
  -d BYTES           value size (default 1024)
  -r N               key space (default 100000)
  -t TESTS           redis-benchmark tests (default set,get)
  --rounds N         rounds per pipeline depth; the server order alternates (default 1)
  --csv FILE         also write every run's raw numbers as CSV
  -h, --help         this help
EOF
}

flin_addr="" redis_addr="" flin_bin="" persist=1 requests=100000 pipelines="1 16" clients=50
size=1024 keyspace=100000 tests="set,get" rounds=1 csv_out=""
while (($#)); do
	case "$1" in
	--flin) flin_addr=$2; shift ;;
	--redis) redis_addr=$2; shift ;;
	--flin-bin) flin_bin=$2; shift ;;
	--no-persistence) persist=0 ;;
	-n) requests=$2; shift ;;
	-P) pipelines=$2; shift ;;
	-c) clients=$2; shift ;;
	-d) size=$2; shift ;;
	-r) keyspace=$2; shift ;;
	-t) tests=$2; shift ;;
	--rounds) rounds=$2; shift ;;
	--csv) csv_out=$2; shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "redis-benchmark.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
	esac
	shift
done

for tool in redis-benchmark redis-cli; do
	command -v "$tool" >/dev/null || { echo "redis-benchmark.sh: $tool not found (apt-get install redis-tools)" >&2; exit 1; }
done

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/flin-redis-benchmark.XXXXXX")
pids=()
cleanup() {
	local pid
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

host_of() { echo "${1%:*}"; }
port_of() { echo "${1##*:}"; }

# wait_writable ADDR: poll until a SET succeeds (flin-resp elects itself leader first).
wait_writable() {
	local h p i
	h=$(host_of "$1") p=$(port_of "$1")
	for ((i = 0; i < 300; i++)); do
		if [[ $(redis-cli -h "$h" -p "$p" SET redis-benchmark.sh:probe 1 2>/dev/null) == OK ]]; then
			redis-cli -h "$h" -p "$p" DEL redis-benchmark.sh:probe >/dev/null
			return 0
		fi
		sleep 0.1
	done
	echo "redis-benchmark.sh: $1 is not accepting writes" >&2
	return 1
}

# free_port: a loopback port nothing listens on right now.
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 30000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
}

if [[ -z $flin_addr ]]; then
	if [[ -z $flin_bin ]]; then
		echo "building flin-resp ..." >&2
		(cd "$repo" && go build -o "$work/flin-resp" ./cmd/flin-resp)
		flin_bin=$work/flin-resp
	fi
	: >"$work/flin.log" # exists before the background job opens it
	"$flin_bin" --port 0 --bind 127.0.0.1 --dir "$work/flin-data" 2>"$work/flin.log" &
	pids+=($!)
	for ((i = 0; i < 300; i++)); do
		flin_addr=$(sed -n 's/.*msg="ready to accept connections" addr=\([^ ]*\).*/\1/p' "$work/flin.log" | head -n1)
		[[ -n $flin_addr ]] && break
		kill -0 "${pids[-1]}" 2>/dev/null || { cat "$work/flin.log" >&2; exit 1; }
		sleep 0.1
	done
	[[ -n $flin_addr ]] || { echo "redis-benchmark.sh: flin-resp did not start" >&2; cat "$work/flin.log" >&2; exit 1; }
fi

if [[ -z $redis_addr ]]; then
	persistence=(--appendonly yes --appendfsync always)
	((persist)) || persistence=(--appendonly no)
	mkdir -p "$work/redis-data"
	for ((attempt = 0; attempt < 5; attempt++)); do
		port=$(free_port)
		redis-server --port "$port" --bind 127.0.0.1 --dir "$work/redis-data" --save '' \
			"${persistence[@]}" --daemonize no --loglevel warning >"$work/redis.log" 2>&1 &
		pids+=($!)
		if wait_writable "127.0.0.1:$port" 2>/dev/null; then
			redis_addr=127.0.0.1:$port
			break
		fi
		kill "${pids[-1]}" 2>/dev/null || true # most likely the port was taken meanwhile: try another
	done
	[[ -n $redis_addr ]] || { echo "redis-benchmark.sh: redis-server did not start" >&2; cat "$work/redis.log" >&2; exit 1; }
fi
wait_writable "$flin_addr"
wait_writable "$redis_addr"

# describe ADDR: software, version and persistence of a server, on one line.
describe() {
	local h p info v ao af
	h=$(host_of "$1") p=$(port_of "$1")
	info=$(redis-cli -h "$h" -p "$p" INFO server | tr -d '\r')
	v=$(sed -n 's/^flin_resp_version://p' <<<"$info")
	if [[ -n $v ]]; then v="flin-resp $v"; else v="redis $(sed -n 's/^redis_version://p' <<<"$info")"; fi
	ao=$(redis-cli -h "$h" -p "$p" CONFIG GET appendonly | sed -n 2p)
	af=$(redis-cli -h "$h" -p "$p" CONFIG GET appendfsync | sed -n 2p)
	echo "$v appendonly=$ao appendfsync=$af"
}

names=(flin redis)
declare -A addr=([flin]=$flin_addr [redis]=$redis_addr)
declare -A server
for t in "${names[@]}"; do
	server[$t]=$(describe "${addr[$t]}")
done

raw=$work/raw.csv
echo "target,pipeline,round,test,rps,avg_ms,min_ms,p50_ms,p95_ms,p99_ms,max_ms" >"$raw"
for depth in $pipelines; do
	for ((round = 1; round <= rounds; round++)); do
		order=("${names[@]}")
		((round % 2)) || order=("${names[1]}" "${names[0]}")
		for t in "${order[@]}"; do
			echo "P=$depth round $round/$rounds: $t (${addr[$t]}) ..." >&2
			redis-benchmark -h "$(host_of "${addr[$t]}")" -p "$(port_of "${addr[$t]}")" -t "$tests" -c "$clients" \
				-d "$size" -r "$keyspace" -n "$requests" -P "$depth" -q --csv |
				tr -d '"\r' | awk -F, -v t="$t" -v p="$depth" -v r="$round" \
				'NR > 1 && NF >= 8 { print t "," p "," r "," $1 "," $2 "," $3 "," $4 "," $5 "," $6 "," $7 "," $8 }' >>"$raw"
		done
	done
done
[[ -z $csv_out ]] || cp "$raw" "$csv_out"

echo
echo "redis-benchmark -t $tests -c $clients -d $size -r $keyspace -n $requests -P {${pipelines// /,}} -q --csv"
echo "rounds: $rounds per depth, servers alternating; requests/s is the median over rounds"
echo "machine: $(uname -sm), $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n1)"
echo "flin:  ${addr[flin]}  ${server[flin]}"
echo "redis: ${addr[redis]}  ${server[redis]}"
echo
# Median per (test, depth, target) of rps, p50 and p99; then one line per (test, depth).
awk -F, '
function median(list,   a, n, i, j, tmp) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] + 0 > a[j] + 0; j--) { tmp = a[j]; a[j] = a[j-1]; a[j-1] = tmp }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
NR > 1 {
	k = $4 SUBSEP $2
	if (!(k in seen)) { seen[k] = 1; order[++nk] = k }
	rps[k, $1] = rps[k, $1] " " $5; p50[k, $1] = p50[k, $1] " " $8; p99[k, $1] = p99[k, $1] " " $10
}
END {
	printf "%-6s %4s  %12s  %12s  %10s  %9s  %9s  %9s  %9s\n", "test", "P", "flin rps", "redis rps", "flin/redis", "flin p50", "redis p50", "flin p99", "redis p99"
	for (i = 1; i <= nk; i++) {
		split(order[i], kp, SUBSEP)
		f = median(rps[order[i], "flin"]); r = median(rps[order[i], "redis"])
		printf "%-6s %4s  %12.0f  %12.0f  %10.2f  %9.3f  %9.3f  %9.3f  %9.3f\n", kp[1], kp[2], f, r, (r > 0 ? f / r : 0),
			median(p50[order[i], "flin"]), median(p50[order[i], "redis"]), median(p99[order[i], "flin"]), median(p99[order[i], "redis"])
	}
	print "(latencies in ms, as redis-benchmark reports them)"
}' "$raw"
