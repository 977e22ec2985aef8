package main

import (
	"io"
	"strings"
	"testing"

	"github.com/flin-resp/flin-resp/raftfsm"
)

func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func TestEnvironmentVariablesSetFlagsTheCommandLineDoesNot(t *testing.T) {
	t.Parallel()
	cfg, err := parseFlags([]string{"--port", "7000"}, env(map[string]string{
		"FLIN_PORT":             "9999", // the flag wins
		"FLIN_NODE_ID":          "node2",
		"FLIN_PEERS":            "node1=h1:16379,node2=h2:16379",
		"FLIN_READ_CONSISTENCY": "stale",
		"FLIN_ADVERTISE":        "h2:7000",
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.port != 7000 || cfg.nodeID != "node2" || cfg.readLevel != raftfsm.ReadStale || cfg.advertise != "h2:7000" {
		t.Fatalf("config %+v", cfg)
	}
	if len(cfg.peers) != 2 || cfg.raftAdvertise != "h2:16379" || cfg.raftAddr != "127.0.0.1:17000" {
		t.Fatalf("peers %v, raft advertise %q (want this node's address in --peers), raft addr %q", cfg.peers, cfg.raftAdvertise, cfg.raftAddr)
	}
	if _, ok := cfg.initialVoter(); !ok || cfg.single() {
		t.Fatal("node2 is an initial voter")
	}
}

func TestEnvironmentVariableNames(t *testing.T) {
	t.Parallel()
	for flag, want := range map[string]string{"node-id": "FLIN_NODE_ID", "raft-advertise": "FLIN_RAFT_ADVERTISE", "read-consistency": "FLIN_READ_CONSISTENCY", "port": "FLIN_PORT"} {
		if got := envName(flag); got != want {
			t.Errorf("envName(%q) = %q, want %q", flag, got, want)
		}
	}
}

func TestClusterModes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args            []string
		single, initial bool
	}{
		{nil, true, false},
		{[]string{"--node-id", "a", "--peers", "a=h:1,b=h:2"}, false, true},
		{[]string{"--node-id", "c", "--peers", "a=h:1,b=h:2"}, false, false},
		{[]string{"--node-id", "c", "--join", "h:6379"}, false, false},
	} {
		cfg, err := parseFlags(tc.args, env(nil), io.Discard)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		_, initial := cfg.initialVoter()
		if cfg.single() != tc.single || initial != tc.initial {
			t.Errorf("%v: single %v initial %v, want %v %v", tc.args, cfg.single(), initial, tc.single, tc.initial)
		}
	}
}

func TestBadClusterFlagsAreRefused(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"--peers", "a=h:1,a=h:2"},
		{"--peers", "a"},
		{"--peers", "a=nohostport"},
		{"--read-consistency", "eventual"},
	} {
		if _, err := parseFlags(args, env(nil), io.Discard); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	if _, err := parseFlags(nil, env(map[string]string{"FLIN_PORT": "x"}), io.Discard); err == nil || !strings.Contains(err.Error(), "FLIN_PORT") {
		t.Errorf("a bad FLIN_PORT: %v", err)
	}
}

func TestClientAdvertiseDefaults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cfg  config
		want string
	}{
		{config{bind: "127.0.0.1"}, "127.0.0.1:6379"},
		{config{bind: "0.0.0.0", raftAdvertise: "node1:16379"}, "node1:6379"},
		{config{bind: "0.0.0.0"}, "127.0.0.1:6379"},
		{config{bind: "0.0.0.0", advertise: "db.example:7000"}, "db.example:7000"},
	} {
		if got := clientAdvertise(tc.cfg, 6379); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.cfg, got, tc.want)
		}
	}
}
