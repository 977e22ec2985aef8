#!/usr/bin/env bash
# GET throughput of 3-node flin-resp clusters on loopback, reads at --read-consistency linearizable
# against leader (leader-local), in the same run, alternating. The default read consistency is chosen
# from this (DESIGN.md: linearizable unless it costs more than 20% of leader-local GET throughput).
set -euo pipefail

usage() {
	cat <<'EOF'
Usage: bench/cluster-reads.sh [options]

Starts one 3-node flin-resp cluster per consistency level (node1..node3, --peers, fresh data
directories, --read-consistency LEVEL) on loopback, all at once, fills each with SETs, then for each
round and pipeline depth runs, against each cluster's leader in turn (the order alternating),

  redis-benchmark -t get -c 50 -d 1024 -r 100000 -n N -P DEPTH -q --csv

and prints requests/s (median over rounds), p50 and p99 for each level and linearizable / leader.
The clusters run side by side so that other load on the machine hits both alike; the one not
being measured is idle (heartbeats only).

Options:
  --flin-bin PATH   flin-resp binary (default: go build ./cmd/flin-resp)
  --levels "LIST"   consistency levels (default "linearizable leader")
  --on follower     run redis-benchmark against a follower instead of the leader
  -n N              requests per redis-benchmark run (default 100000)
  -P "LIST"         pipeline depths (default "1 16")
  -c N              clients (default 50)
  -d BYTES          value size (default 1024)
  -r N              key space (default 100000)
  --rounds N        rounds (default 5)
  --csv FILE        also write every run's raw numbers as CSV
  -h, --help        this help
EOF
}

prog=cluster-reads.sh
# shellcheck source=bench/lib-cluster.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib-cluster.sh"

flin_bin="" levels="linearizable leader" on=leader requests=100000 pipelines="1 16" clients=50 size=1024
keyspace=100000 rounds=5 csv_out=""
while (($#)); do
	case "$1" in
	--flin-bin) flin_bin=$2; shift ;;
	--levels) levels=$2; shift ;;
	--on) on=$2; shift ;;
	-n) requests=$2; shift ;;
	-P) pipelines=$2; shift ;;
	-c) clients=$2; shift ;;
	-d) size=$2; shift ;;
	-r) keyspace=$2; shift ;;
	--rounds) rounds=$2; shift ;;
	--csv) csv_out=$2; shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "cluster-reads.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
	esac
	shift
done
lib_need redis-benchmark redis-cli
lib_init flin-cluster-reads

read -ra names <<<"$levels"
for level in "${names[@]}"; do
	plan_servers "$level" 3
done
declare -A target # port benchmarked per level: its leader's, or a follower's with --on follower
for level in "${names[@]}"; do
	start_servers "$level" --read-consistency "$level"
	if [[ $on == leader ]]; then target[$level]=${leader_port[$level]}; else target[$level]=${follower_port[$level]}; fi
	echo "filling the $level cluster with $keyspace keys of $size bytes ..." >&2
	fill "$level" "${target[$level]}" -c "$clients" -d "$size" -r "$keyspace" -n "$keyspace"
done

raw=$work/raw.csv
echo "level,pipeline,round,test,rps,avg_ms,min_ms,p50_ms,p95_ms,p99_ms,max_ms" >"$raw"
for depth in $pipelines; do
	for ((round = 1; round <= rounds; round++)); do
		order=("${names[@]}")
		((round % 2)) || order=($(printf '%s\n' "${names[@]}" | tac))
		for level in "${order[@]}"; do
			echo "P=$depth round $round/$rounds: $level (port ${target[$level]}) ..." >&2
			# A run cut short by an election on a loaded machine runs again (at most 3 attempts).
			for ((attempt = 1; ; attempt++)); do
				rc=0
				out=$(retry_on='CLUSTERDOWN|write outcome unknown' bench_run "$level" "${target[$level]}" get "$depth" "$round" \
					-c "$clients" -d "$size" -r "$keyspace" -n "$requests") || rc=$?
				((rc == 0)) && break
				((rc == 75 && attempt < 3)) || exit 1
				echo "P=$depth round $round: $level was cut short by an election; running it again" >&2
				sleep 1
			done
			echo "$out" >>"$raw"
		done
	done
done
[[ -z $csv_out ]] || cp "$raw" "$csv_out"

echo
echo "redis-benchmark -t get -c $clients -d $size -r $keyspace -n $requests -P {${pipelines// /,}} -q --csv"
echo "against the $on of a 3-node cluster per level, side by side on loopback; rounds: $rounds, levels alternating; requests/s is the median over rounds"
machine_line
echo
awk -F, -v names="$levels" "$awk_median"'
NR > 1 {
	if (!($2 in seen)) { seen[$2] = 1; depths[++nd] = $2 }
	rps[$2, $1] = rps[$2, $1] " " $5; p50[$2, $1] = p50[$2, $1] " " $8; p99[$2, $1] = p99[$2, $1] " " $10
}
END {
	nl = split(names, lv, " ")
	printf "%-4s", "P"
	for (i = 1; i <= nl; i++) printf "  %14s %8s %8s", lv[i] " rps", "p50 ms", "p99 ms"
	if (nl == 2) printf "  %7s", "ratio"
	printf "\n"
	for (d = 1; d <= nd; d++) {
		printf "%-4s", depths[d]
		for (i = 1; i <= nl; i++) {
			k = depths[d] SUBSEP lv[i]
			m[i] = median(rps[k])
			printf "  %14.0f %8.3f %8.3f", m[i], median(p50[k]), median(p99[k])
		}
		if (nl == 2) printf "  %7.2f", m[1] / m[2]
		printf "\n"
	}
}' "$raw"
