#!/usr/bin/env bash
# SET and GET throughput and latency of a 3-node flin-resp cluster on loopback beside a single node,
# in the same run, alternating: what replication costs.
set -euo pipefail

usage() {
	cat <<'EOF'
Usage: bench/cluster-vs-single.sh [options]

Starts a single flin-resp node and a 3-node flin-resp cluster (node1..node3, --peers), side by
side on loopback, fresh data directories, both with --durability fsync --read-consistency leader
(the defaults), fills each with SETs of the whole key space, then for each round, pipeline depth
and test (SET, GET) runs

  redis-benchmark -t TEST -c 50 -d 1024 -r 100000 -n N -P DEPTH -q --csv

against the single node and the cluster's leader, the order alternating each round, and for SET
also against a follower of the cluster (which forwards each write to the leader). Prints, per
test and depth, requests/s, p50 and p99 (medians over rounds) of the single node and of the
cluster, and the ratio 3-node / single. The leader is looked up again after every run against
the cluster: a run during which it changed (an election on a loaded machine: CLUSTERDOWN or "write
outcome unknown" replies, or simply another leader afterwards) is run again against the new one,
and the output counts such runs. Any other error reply fails the run.

Options:
  --flin-bin PATH   flin-resp binary (default: go build ./cmd/flin-resp)
  -n N              requests per redis-benchmark run (default 100000)
  -P "LIST"         pipeline depths (default "1 16")
  -c N              clients (default 50)
  -d BYTES          value size (default 1024)
  -r N              key space (default 100000)
  --rounds N        rounds (default 3)
  --csv FILE        also write every run's raw numbers as CSV
  -h, --help        this help
EOF
}

prog=cluster-vs-single.sh
# shellcheck source=bench/lib-cluster.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib-cluster.sh"

flin_bin="" requests=100000 pipelines="1 16" clients=50 size=1024 keyspace=100000 rounds=3 csv_out=""
while (($#)); do
	case "$1" in
	--flin-bin) flin_bin=$2; shift ;;
	-n) requests=$2; shift ;;
	-P) pipelines=$2; shift ;;
	-c) clients=$2; shift ;;
	-d) size=$2; shift ;;
	-r) keyspace=$2; shift ;;
	--rounds) rounds=$2; shift ;;
	--csv) csv_out=$2; shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "$prog: unknown option $1" >&2; usage >&2; exit 2 ;;
	esac
	shift
done
lib_need redis-benchmark redis-cli
lib_init flin-cluster-vs-single

plan_servers single 1
plan_servers cluster 3
for group in single cluster; do
	start_servers "$group" --durability fsync --read-consistency leader
	echo "filling $group with $keyspace keys of $size bytes ..." >&2
	fill "$group" "${leader_port[$group]}" -c "$clients" -d "$size" -r "$keyspace" -n "$keyspace"
done
first_leader=${leader_port[cluster]} leader_moves=0 redone=0

# check_leader WHEN: look the cluster's leader up again; count and report a move.
check_leader() {
	local before=${leader_port[cluster]}
	find_leader cluster
	if [[ ${leader_port[cluster]} != "$before" ]]; then
		leader_moves=$((leader_moves + 1))
		echo "$1: the cluster's leader moved from port $before to ${leader_port[cluster]}" >&2
	fi
}

# The replies a client gets when the cluster's leader changes under it (resp/errors.go,
# raftfsm.ErrUnknownOutcome): an election on a loaded machine, not a fault of the run.
retry_on='CLUSTERDOWN|write outcome unknown'

# measure TARGET TEST DEPTH ROUND: one redis-benchmark run against TARGET (single, leader or
# follower), appended to $raw. Against the cluster, a run during which the leader changed (it got
# one of the $retry_on errors, or another node is leader afterwards) measured something else: it
# is counted, its errors kept in $work/redone.txt, and it runs again against the new leader (at
# most 3 attempts).
measure() {
	local target=$1 test=$2 depth=$3 round=$4 attempt port before out rc
	for ((attempt = 1; ; attempt++)); do
		case $target in
		single) port=${leader_port[single]} ;;
		leader) port=${leader_port[cluster]} ;;
		follower) port=${follower_port[cluster]} ;;
		esac
		before=${leader_port[cluster]}
		echo "round $round/$rounds P=$depth ${test^^}: $target (port $port) ..." >&2
		rc=0
		if [[ $target == single ]]; then
			out=$(retry_on='' bench_run "$target" "$port" "$test" "$depth" "$round" "${args[@]}" 2>"$work/err.txt") || rc=$?
		else
			out=$(bench_run "$target" "$port" "$test" "$depth" "$round" "${args[@]}" 2>"$work/err.txt") || rc=$?
		fi
		((rc == 0 || rc == 75)) || { cat "$work/err.txt" >&2; exit 1; }
		if [[ $target != single ]]; then
			check_leader "round $round P=$depth ${test^^} on $target"
			if ((rc != 0)) || [[ ${leader_port[cluster]} != "$before" ]]; then
				redone=$((redone + 1))
				grep -ih error "$work/err.txt" | grep -v "^$prog:" >>"$work/redone.txt" || echo "(no error reply; the leader moved)" >>"$work/redone.txt"
				((attempt < 3)) || { echo "$prog: the leader kept changing; gave up after 3 attempts" >&2; cat "$work/err.txt" >&2; exit 1; }
				echo "round $round P=$depth ${test^^} on $target: the leader changed during the run; running it again" >&2
				continue
			fi
		fi
		echo "$out" >>"$raw"
		return
	done
}

args=(-c "$clients" -d "$size" -r "$keyspace" -n "$requests")
raw=$work/raw.csv
load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
echo "target,pipeline,round,test,rps,avg_ms,min_ms,p50_ms,p95_ms,p99_ms,max_ms" >"$raw"
for ((round = 1; round <= rounds; round++)); do
	check_leader "before round $round"
	for depth in $pipelines; do
		for test in set get; do
			order=(single leader)
			[[ $test == get ]] || order+=(follower)
			((round % 2)) || order=($(printf '%s\n' "${order[@]}" | tac))
			for target in "${order[@]}"; do
				measure "$target" "$test" "$depth" "$round"
			done
		done
	done
done
check_leader "after the last round"
load_after=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
[[ -z $csv_out ]] || cp "$raw" "$csv_out"

echo
echo "redis-benchmark -t {set,get} -c $clients -d $size -r $keyspace -n $requests -P {${pipelines// /,}} -q --csv"
echo "against a single flin-resp node and a 3-node cluster (its leader; for SET also a follower, which forwards"
echo "writes), side by side on loopback, all with --durability fsync --read-consistency leader; rounds: $rounds,"
echo "order alternating; every number is the median over rounds; no error replies in the runs counted"
machine_line
echo "load average (1, 5, 15 min): $load_before before the rounds, $load_after after"
commit_line
echo "single:  127.0.0.1:${cport[single,1]}"
echo "cluster: 127.0.0.1:${cport[cluster,1]} 127.0.0.1:${cport[cluster,2]} 127.0.0.1:${cport[cluster,3]}"
if ((leader_moves)); then
	echo "leader moves during the run: $leader_moves (first 127.0.0.1:$first_leader, last 127.0.0.1:${leader_port[cluster]})"
else
	echo "the cluster's leader stayed on 127.0.0.1:$first_leader throughout"
fi
if ((redone)); then
	echo "runs done again because the leader changed during them: $redone; what they got:"
	sort "$work/redone.txt" | uniq -c | sed 's/^/  /'
fi
echo
awk -F, -v depths="$pipelines" "$awk_median"'
NR > 1 { rps[$4, $2, $1] = rps[$4, $2, $1] " " $5; p50[$4, $2, $1] = p50[$4, $2, $1] " " $8; p99[$4, $2, $1] = p99[$4, $2, $1] " " $10 }
END {
	printf "%-4s %4s  %10s %8s %8s  %-8s  %10s %8s %8s  %13s\n", "test", "P", "single rps", "p50 ms", "p99 ms",
		"3-node", "rps", "p50 ms", "p99 ms", "3-node/single"
	nd = split(depths, d, " ")
	nr = split("SET leader,GET leader,SET follower", rows, ",")
	for (j = 1; j <= nr; j++) for (i = 1; i <= nd; i++) {
		split(rows[j], w, " ")
		s = median(rps[w[1], d[i], "single"]); c = median(rps[w[1], d[i], w[2]])
		printf "%-4s %4s  %10.0f %8.3f %8.3f  %-8s  %10.0f %8.3f %8.3f  %13.2f\n", w[1], d[i],
			s, median(p50[w[1], d[i], "single"]), median(p99[w[1], d[i], "single"]),
			w[2], c, median(p50[w[1], d[i], w[2]]), median(p99[w[1], d[i], w[2]]), (s > 0 ? c / s : 0)
	}
}' "$raw"
