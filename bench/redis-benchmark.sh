#!/usr/bin/env bash
# Runs the stock redis-benchmark against flin-resp and redis-server, alternately, and prints their
# results side by side with the ratio flin-resp / redis. See bench/README.md.
set -euo pipefail

usage() {
	cat <<'EOF'
Usage: bench/redis-benchmark.sh [options]

Starts flin-resp (fresh data directory) and redis-server on free loopback ports, unless given
their addresses, then runs for each pipeline depth and round, alternating the servers:

  redis-benchmark -h HOST -p PORT -t set,get -c 50 -d 1024 -r 100000 -n N -P DEPTH -q --csv

(with --default-suite: redis-benchmark -h HOST -p PORT -c 50 -n N -q --csv, its whole default
test list with its default value size and keys), and prints requests/s (median over rounds), p50
and p99 for each, and flin/redis. Any error reply from a server fails the run. For the servers it
started it also prints the CPU time each used per request (µs, from /proc/PID/stat, all threads and
background work included; not with --default-suite): on a shared machine that is steadier than
requests/s.

Options:
  --flin HOST:PORT   benchmark a running flin-resp instead of starting one
  --redis HOST:PORT  benchmark a running redis-server instead of starting one
  --flin-bin PATH    flin-resp binary to start (default: go build ./cmd/flin-resp)
  --flin-args "ARGS" extra flags for the flin-resp it starts, e.g. "--durability everysec"
  --no-persistence   start redis-server with --appendonly no (default: --appendonly yes
                     --appendfsync always, the durability flin-resp has by default)
  --appendfsync MODE the --appendfsync of the redis-server it starts: always (default) or everysec
  --also-no-persistence
                     also start a second redis-server without persistence ("redis-nopersist"),
                     benchmarked in the same rounds, with its own ratio column
  --default-suite    run redis-benchmark's default test list (no -t, -d, -r, -P)
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

flin_addr="" redis_addr="" flin_bin="" flin_args="" appendfsync=always persist=1 also_nopersist=0 default_suite=0 requests=100000 pipelines="1 16" clients=50
size=1024 keyspace=100000 tests="set,get" rounds=1 csv_out=""
while (($#)); do
	case "$1" in
	--flin) flin_addr=$2; shift ;;
	--redis) redis_addr=$2; shift ;;
	--flin-bin) flin_bin=$2; shift ;;
	--flin-args) flin_args=$2; shift ;;
	--appendfsync) appendfsync=$2; shift ;;
	--no-persistence) persist=0 ;;
	--also-no-persistence) also_nopersist=1 ;;
	--default-suite) default_suite=1 ;;
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

declare -A pid=() # servers started here: name -> process id (for their CPU time)
if [[ -z $flin_addr ]]; then
	if [[ -z $flin_bin ]]; then
		echo "building flin-resp ..." >&2
		(cd "$repo" && go build -o "$work/flin-resp" ./cmd/flin-resp)
		flin_bin=$work/flin-resp
	fi
	: >"$work/flin.log" # exists before the background job opens it
	# shellcheck disable=SC2086 # --flin-args is split into words on purpose
	"$flin_bin" --port 0 --bind 127.0.0.1 --dir "$work/flin-data" $flin_args 2>"$work/flin.log" &
	pids+=($!)
	pid[flin]=$!
	for ((i = 0; i < 300; i++)); do
		flin_addr=$(sed -n 's/.*msg="ready to accept connections" addr=\([^ ]*\).*/\1/p' "$work/flin.log" | head -n1)
		[[ -n $flin_addr ]] && break
		kill -0 "${pids[-1]}" 2>/dev/null || { cat "$work/flin.log" >&2; exit 1; }
		sleep 0.1
	done
	[[ -n $flin_addr ]] || { echo "redis-benchmark.sh: flin-resp did not start" >&2; cat "$work/flin.log" >&2; exit 1; }
fi

# start_redis NAME PERSIST: starts redis-server on a free port (PERSIST 1: AOF, fsync as
# --appendfsync says; 0: no persistence) and prints its address.
start_redis() {
	local name=$1 persistence=(--appendonly yes --appendfsync "$appendfsync") attempt port
	(($2)) || persistence=(--appendonly no)
	mkdir -p "$work/$name-data"
	for ((attempt = 0; attempt < 5; attempt++)); do
		port=$(free_port)
		redis-server --port "$port" --bind 127.0.0.1 --dir "$work/$name-data" --save '' \
			"${persistence[@]}" --daemonize no --loglevel warning >"$work/$name.log" 2>&1 &
		pids+=($!)
		if wait_writable "127.0.0.1:$port" 2>/dev/null; then
			echo "127.0.0.1:$port"
			return 0
		fi
		kill "${pids[-1]}" 2>/dev/null || true # most likely the port was taken meanwhile: try another
	done
	echo "redis-benchmark.sh: redis-server did not start" >&2
	cat "$work/$name.log" >&2
	return 1
}

# start_redis runs in this shell (not a subshell) so that pids records the server; its address
# comes back through a file.
if [[ -z $redis_addr ]]; then
	start_redis redis "$persist" >"$work/addr" || exit 1
	redis_addr=$(cat "$work/addr")
	pid[redis]=${pids[-1]}
fi
nopersist_addr=""
if ((also_nopersist)); then
	start_redis redis-nopersist 0 >"$work/addr" || exit 1
	nopersist_addr=$(cat "$work/addr")
	pid[redis-nopersist]=${pids[-1]}
fi
wait_writable "$flin_addr"
wait_writable "$redis_addr"
[[ -z $nopersist_addr ]] || wait_writable "$nopersist_addr"

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
if [[ -n $nopersist_addr ]]; then
	names+=(redis-nopersist)
	addr[redis-nopersist]=$nopersist_addr
fi
declare -A server
for t in "${names[@]}"; do
	server[$t]=$(describe "${addr[$t]}")
done

if ((default_suite)); then
	pipelines=1
	bench_args=(-c "$clients" -n "$requests")
	shown="redis-benchmark -c $clients -n $requests -q --csv"
else
	bench_args=(-t "$tests" -c "$clients" -d "$size" -r "$keyspace" -n "$requests")
	shown="redis-benchmark -t $tests -c $clients -d $size -r $keyspace -n $requests -P {${pipelines// /,}} -q --csv"
fi

clk_tck=$(getconf CLK_TCK)
# cpu_ticks PID: user + system time of a process, all threads, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# With -t, each test runs on its own, so that the CPU time a server used can be put on it.
runs=("")
((default_suite)) || runs=(${tests//,/ })

raw=$work/raw.csv
echo "target,pipeline,round,test,rps,avg_ms,min_ms,p50_ms,p95_ms,p99_ms,max_ms,cpu_us" >"$raw"
for depth in $pipelines; do
	depth_args=()
	((default_suite)) || depth_args=(-P "$depth")
	for ((round = 1; round <= rounds; round++)); do
		# The order rotates each round: flin redis ..., then redis ... flin, ...
		order=()
		for ((i = 0; i < ${#names[@]}; i++)); do
			order+=("${names[(i + round - 1) % ${#names[@]}]}")
		done
		for t in "${order[@]}"; do
			echo "P=$depth round $round/$rounds: $t (${addr[$t]}) ..." >&2
			for test in "${runs[@]}"; do
				out=$work/run-$t-$depth-$round-$test.txt
				test_args=()
				[[ -z $test ]] || test_args=(-t "$test")
				before=""
				[[ -z $test || -z ${pid[$t]:-} ]] || before=$(cpu_ticks "${pid[$t]}")
				# redis-benchmark stops at the first error reply ("Error from server: ...", "... replied
				# with error"); its output names no test with "error" in it.
				if ! redis-benchmark -h "$(host_of "${addr[$t]}")" -p "$(port_of "${addr[$t]}")" "${bench_args[@]}" \
					"${test_args[@]}" "${depth_args[@]}" -q --csv >"$out" 2>&1 || grep -qi 'error' "$out"; then
					echo "redis-benchmark.sh: redis-benchmark against $t failed or got an error reply:" >&2
					cat "$out" >&2
					exit 1
				fi
				cpu=""
				[[ -z $before ]] || cpu=$(awk -v a="$before" -v b="$(cpu_ticks "${pid[$t]}")" -v hz="$clk_tck" -v n="$requests" \
					'BEGIN { printf "%.2f", (b - a) * 1e6 / hz / n }')
				tr -d '"\r' <"$out" | awk -F, -v t="$t" -v p="$depth" -v r="$round" -v cpu="$cpu" \
					'$1 != "test" && NF >= 8 { print t "," p "," r "," $1 "," $2 "," $3 "," $4 "," $5 "," $6 "," $7 "," $8 "," cpu }' >>"$raw"
			done
		done
	done
done
[[ -z $csv_out ]] || cp "$raw" "$csv_out"

echo
echo "$shown"
echo "rounds: $rounds per depth, servers alternating; requests/s is the median over rounds; no error replies"
echo "machine: $(uname -sm), $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n1)"
for t in "${names[@]}"; do
	printf '%-6s %s  %s\n' "$t:" "${addr[$t]}" "${server[$t]}"
done
echo
# Median per (test, depth, target) of rps, p50 and p99; then one line per (test, depth).
awk -F, -v names="${names[*]}" -v wide="$default_suite" '
function median(list,   a, n, i, j, tmp) {
	n = split(list, a, " ")
	if (n == 0) return 0
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] + 0 > a[j] + 0; j--) { tmp = a[j]; a[j] = a[j-1]; a[j-1] = tmp }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
NR > 1 {
	k = $4 SUBSEP $2
	if (!(k in seen)) { seen[k] = 1; order[++nk] = k }
	rps[k, $1] = rps[k, $1] " " $5; p50[k, $1] = p50[k, $1] " " $8; p99[k, $1] = p99[k, $1] " " $10
	if ($12 != "") { cpu[k, $1] = cpu[k, $1] " " $12; anycpu = 1 }
}
END {
	nt = split(names, tn, " ")
	short["flin"] = "flin"; short["redis"] = "redis"; short["redis-nopersist"] = "nopers"
	tw = wide ? 34 : 6
	printf "%-" tw "s %4s  %12s  %12s  %10s", "test", "P", "flin rps", "redis rps", "flin/redis"
	if (nt > 2) printf "  %12s  %11s", "nopers rps", "flin/nopers"
	for (i = 1; i <= nt; i++) printf "  %10s", short[tn[i]] " p50"
	for (i = 1; i <= nt; i++) printf "  %10s", short[tn[i]] " p99"
	if (anycpu) for (i = 1; i <= nt; i++) printf "  %10s", short[tn[i]] " cpu"
	printf "\n"
	for (i = 1; i <= nk; i++) {
		split(order[i], kp, SUBSEP)
		f = median(rps[order[i], "flin"]); r = median(rps[order[i], "redis"])
		printf "%-" tw "s %4s  %12.0f  %12.0f  %10.2f", kp[1], kp[2], f, r, (r > 0 ? f / r : 0)
		if (nt > 2) { np = median(rps[order[i], "redis-nopersist"]); printf "  %12.0f  %11.2f", np, (np > 0 ? f / np : 0) }
		for (j = 1; j <= nt; j++) printf "  %10.3f", median(p50[order[i], tn[j]])
		for (j = 1; j <= nt; j++) printf "  %10.3f", median(p99[order[i], tn[j]])
		if (anycpu) for (j = 1; j <= nt; j++) {
			if ((order[i], tn[j]) in cpu) printf "  %10.2f", median(cpu[order[i], tn[j]])
			else printf "  %10s", "-"
		}
		printf "\n"
	}
	print "(latencies in ms, as redis-benchmark reports them" (anycpu ? "; cpu: server CPU time per request in µs, all threads)" : ")")
}' "$raw"
