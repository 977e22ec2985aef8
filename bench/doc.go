// Package bench holds flin-resp's head-to-head benchmarks against Redis: the flinbench command
// (cmd/flinbench) with its RESP client (resp), load generator (load) and reports (report), and
// redis-benchmark.sh, which runs the stock redis-benchmark against both servers, and the cluster
// scripts cluster-reads.sh and cluster-vs-single.sh (sharing lib-cluster.sh). See README.md. The
// package itself only tests the scripts.
package bench
