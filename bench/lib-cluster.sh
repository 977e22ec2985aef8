# Shell functions shared by bench/cluster-reads.sh and bench/cluster-vs-single.sh: flin-resp
# servers (single nodes and 3-node clusters) on loopback, redis-benchmark runs recorded as CSV, and
# medians. Sourced, not run. The script sets `prog` (its name, for messages), reads its options,
# then calls lib_init.
# shellcheck shell=bash

# lib_need TOOL...: exit unless every TOOL is installed.
lib_need() {
	local tool
	for tool in "$@"; do
		command -v "$tool" >/dev/null || { echo "$prog: $tool not found (apt-get install redis-tools)" >&2; exit 1; }
	done
}

pids=() # every server started, killed on exit

# stop_servers: kill every server started and wait for it to exit.
stop_servers() {
	local pid
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	pids=()
}

# lib_init SCRATCH-NAME: make the scratch directory $work (server data and logs, removed on exit,
# as is every server started) and build flin-resp into it unless $flin_bin is set.
lib_init() {
	repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	work=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
	trap 'stop_servers; rm -rf "$work"' EXIT
	trap 'exit 130' INT TERM
	if [[ -z $flin_bin ]]; then
		echo "building flin-resp ..." >&2
		(cd "$repo" && go build -o "$work/flin-resp" ./cmd/flin-resp)
		flin_bin=$work/flin-resp
	fi
}

declare -A ports_taken=()

# free_port VAR: set VAR to a loopback port that nothing listens on and that this run has not
# handed out before (the servers are started after all their ports are chosen). Below Linux's
# ephemeral range, so that no outgoing connection takes it meanwhile.
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 12000))
		[[ -z ${ports_taken[$p]:-} ]] || continue
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			ports_taken[$p]=1
			printf -v "$1" '%s' "$p"
			return
		fi
	done
}

declare -A cport=() rport=() peers=() size_of=() leader_port=() follower_port=()

# plan_servers NAME NODES: choose client and Raft ports for server group NAME, of NODES nodes
# (1: a single node, which bootstraps itself; 3: a cluster, --peers naming all three).
plan_servers() {
	local name=$1 i
	size_of[$name]=$2
	peers[$name]=""
	for ((i = 1; i <= $2; i++)); do
		free_port "cport[$name,$i]"
		free_port "rport[$name,$i]"
		peers[$name]+="${peers[$name]:+,}node$i=127.0.0.1:${rport[$name,$i]}"
	done
}

# start_servers NAME FLAGS...: start the nodes of group NAME (planned by plan_servers) with extra
# FLAGS, fresh data directories under $work/NAME, logs in $work/NAME-nodeI.log, and wait until its
# leader takes a write.
start_servers() {
	local name=$1 n=${size_of[$1]} i cluster=()
	shift
	((n == 1)) || cluster=(--peers "${peers[$name]}")
	for ((i = 1; i <= n; i++)); do
		"$flin_bin" --node-id "node$i" --bind 127.0.0.1 --port "${cport[$name,$i]}" \
			--raft-addr "127.0.0.1:${rport[$name,$i]}" "${cluster[@]}" --dir "$work/$name/node$i" \
			"$@" 2>>"$work/$name-node$i.log" &
		pids+=($!)
	done
	find_leader "$name"
	if [[ $(redis-cli -p "${leader_port[$name]}" SET lib-cluster:probe 1 2>/dev/null) != OK ]]; then
		echo "$prog: the leader of $name (port ${leader_port[$name]}) does not take writes" >&2
		exit 1
	fi
	redis-cli -p "${leader_port[$name]}" DEL lib-cluster:probe >/dev/null
}

# find_leader NAME: wait (up to 30 s) until one node of group NAME says it is the leader (INFO
# replication role:master) and set leader_port[NAME] to its client port, follower_port[NAME] to
# the next node's (the leader's own in a single node).
find_leader() {
	local name=$1 n=${size_of[$1]} i try role
	for ((try = 0; try < 300; try++)); do
		for ((i = 1; i <= n; i++)); do
			role=$(redis-cli -p "${cport[$name,$i]}" INFO replication 2>/dev/null | tr -d '\r' | sed -n 's/^role://p' || true)
			if [[ $role == master ]]; then
				leader_port[$name]=${cport[$name,$i]}
				follower_port[$name]=${cport[$name,$((i % n + 1))]}
				return 0
			fi
		done
		sleep 0.1
	done
	echo "$prog: $name elected no leader" >&2
	tail -n 20 "$work/$name"-node*.log >&2
	exit 1
}

# bench_run KEY PORT TEST DEPTH ROUND ARGS...: run redis-benchmark -t TEST -P DEPTH ARGS -q --csv
# against PORT and print "KEY,DEPTH,ROUND,TEST,rps,avg_ms,min_ms,p50_ms,p95_ms,p99_ms,max_ms".
# redis-benchmark stops at the first error reply ("Error from server: ...", "... replied with
# error"), and no test it runs has "error" in its name: either fails the script, except that an
# error matching the extended regular expression $retry_on (if set) returns 75 instead, for the
# caller to run it again.
bench_run() {
	local key=$1 port=$2 test=$3 depth=$4 round=$5 out
	shift 5
	out=$work/run-$key-$test-$depth-$round.txt
	if ! redis-benchmark -p "$port" -t "$test" -P "$depth" "$@" -q --csv >"$out" 2>&1 || grep -qi error "$out"; then
		echo "$prog: redis-benchmark -t $test -P $depth against $key (port $port) failed or got an error reply:" >&2
		cat "$out" >&2
		if [[ -n ${retry_on:-} ]] && grep -Eq "$retry_on" "$out"; then return 75; fi
		exit 1
	fi
	tr -d '"\r' <"$out" | awk -F, -v k="$key" -v p="$depth" -v r="$round" \
		'$1 != "test" && NF >= 8 { print k "," p "," r "," $1 "," $2 "," $3 "," $4 "," $5 "," $6 "," $7 "," $8 }'
}

# fill KEY PORT ARGS...: SET the key space through PORT (redis-benchmark -t set -P 16 ARGS). A fill
# cut short by an election on a loaded machine (CLUSTERDOWN, write outcome unknown) runs again, up
# to 3 times: it only has to leave every key written.
fill() {
	local key=$1 port=$2 attempt rc
	shift 2
	for ((attempt = 1; ; attempt++)); do
		rc=0
		retry_on='CLUSTERDOWN|write outcome unknown' bench_run "fill-$key" "$port" set 16 0 "$@" >/dev/null || rc=$?
		((rc == 0)) && return
		((attempt < 3)) || { echo "$prog: filling $key kept failing" >&2; exit 1; }
		echo "$prog: filling $key was cut short by an election; filling again" >&2
		sleep 1
	done
}

# machine_line: the machine the run is on, one line.
machine_line() {
	echo "machine: $(uname -sm), $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n1)"
}

# commit_line: the commit of the source tree the script runs from, whether it had uncommitted
# changes, and whether the binary came from --flin-bin (then it may be built from another tree).
commit_line() {
	local c
	c=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null) || c=unknown
	if [[ -n $(git -C "$repo" status --porcelain --untracked-files=no 2>/dev/null) ]]; then c+=" plus uncommitted changes"; fi
	[[ $flin_bin == "$work/flin-resp" ]] || c+=" (binary given by --flin-bin: $flin_bin)"
	echo "commit: $c"
}

# awk_median: an awk function, median(list), of a space-separated list of numbers (0 when empty).
# shellcheck disable=SC2034 # used by the scripts that source this file
awk_median='
function median(list,   a, n, i, j, tmp) {
	n = split(list, a, " ")
	if (n == 0) return 0
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] + 0 > a[j] + 0; j--) { tmp = a[j]; a[j] = a[j-1]; a[j-1] = tmp }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}'
