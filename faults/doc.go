// Package faults is flin-resp's fault suite: it runs a real cluster in Docker (the repository's
// Dockerfile and docker-compose.yml, one compose project per run), puts it under a client load on
// every node, injects faults with the docker CLI, and checks what a replicated store promises:
//
//   - no acknowledged write is lost (every acknowledged SET of a unique key is read back, and every
//     INCR counter is within what its acknowledged and unknown INCRs allow);
//   - a leader cut off from the majority, or paused, acknowledges no write that did not commit;
//   - writes resume on the majority (the unavailability window is measured and reported);
//   - every replica ends with identical data (DEBUG DIGEST at the same applied index);
//   - the history of concurrent GET/SET/INCR/DEL on shared keys is linearizable (porcupine).
//
// The faults, in turn: the leader killed (SIGKILL) and restarted; the leader disconnected from
// the Raft network, then reconnected; the leader paused for 10 s; a follower's volume wiped, so
// that it rejoins empty and catches up by snapshot installation.
//
// Run it with `make faults` or `go test -count=1 -v ./faults/`. It needs the docker CLI, a Docker
// engine and Docker Compose (v2 `docker compose` or v1 `docker-compose`) and is skipped without
// them, or with -short; FLIN_FAULTS_REQUIRE=1 turns the skip into a failure. FLIN_FAULTS_SEED=n
// replays the checkers' choices of a failed run; FLIN_FAULTS_IMAGE=image runs an existing image
// instead of building one. On a failure, porcupine's visualization, the
// seed and the containers' logs are written to the test's output directory (under -outputdir with
// -artifacts, else a kept temporary directory; the test log names it).
//
// The package's non-test files are the suite's tools: Cluster (compose and docker control),
// Client (a minimal RESP client), Workload (load and checks) and KVModel (porcupine's model).
package faults
