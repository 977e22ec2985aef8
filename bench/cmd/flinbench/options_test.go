package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/flin-resp/flin-resp/bench/load"
	"github.com/flin-resp/flin-resp/bench/report"
)

func TestOptionsDefaults(t *testing.T) {
	o, err := parseOptions([]string{"-target", "flin=127.0.0.1:6380", "-target", "redis=127.0.0.1:6379"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if o.baseline != "flin" {
		t.Errorf("baseline %q, want the first target", o.baseline)
	}
	if want := (targetList{{"flin", "127.0.0.1:6380"}, {"redis", "127.0.0.1:6379"}}); !reflect.DeepEqual(o.targets, want) {
		t.Errorf("targets %v", o.targets)
	}
	var names []string
	for _, w := range o.workloads {
		names = append(names, w.Name)
	}
	if strings.Join(names, ",") != "set,get,mixed" || !reflect.DeepEqual(o.clients, []int{50}) ||
		!reflect.DeepEqual(o.pipelines, []int{1}) || o.valueSize != 1024 || o.keys != 100000 ||
		o.rounds != 3 || o.duration != 5*time.Second || !o.prefill {
		t.Errorf("defaults %+v", o)
	}
}

func TestOptionsParseSweeps(t *testing.T) {
	o, err := parseOptions([]string{"-target", "127.0.0.1:1", "-clients", "1, 4,16,50,256", "-pipeline", "1,16",
		"-workloads", "session,cache,event,mset,mget,del", "-batch", "20"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(o.clients, []int{1, 4, 16, 50, 256}) || !reflect.DeepEqual(o.pipelines, []int{1, 16}) ||
		len(o.workloads) != 6 || o.batch != 20 {
		t.Errorf("parsed %+v", o)
	}
	if o.targets[0].name != "127.0.0.1:1" {
		t.Errorf("a target without a name is named %q, want its address", o.targets[0].name)
	}
}

func TestOptionsRejectMistakes(t *testing.T) {
	for name, args := range map[string][]string{
		"no target":            {},
		"duplicate name":       {"-target", "a=x:1", "-target", "a=y:2"},
		"unknown baseline":     {"-target", "a=x:1", "-baseline", "b"},
		"unknown workload":     {"-target", "a=x:1", "-workloads", "set,scan"},
		"zero clients":         {"-target", "a=x:1", "-clients", "0"},
		"bad pipeline":         {"-target", "a=x:1", "-pipeline", "1,x"},
		"no rounds":            {"-target", "a=x:1", "-rounds", "0"},
		"no duration":          {"-target", "a=x:1", "-duration", "0s"},
		"stray argument":       {"-target", "a=x:1", "extra"},
		"unknown flag":         {"-target", "a=x:1", "-nope"},
		"-from with a target":  {"-from", "r.json", "-target", "a=x:1"},
		"empty name":           {"-target", "=x:1"},
		"negative value size":  {"-target", "a=x:1", "-value", "-1"},
		"negative request cnt": {"-target", "a=x:1", "-requests", "-5"},
	} {
		var out bytes.Buffer
		if err := run(context.Background(), args, &out, &out, false); !errors.Is(err, errUsage) {
			t.Errorf("%s: err = %v, want a usage error", name, err)
		} else if out.Len() == 0 {
			t.Errorf("%s: nothing printed", name)
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-h"}, &out, &out, false); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: err = %v", err)
	}
	for _, w := range load.Workloads() {
		if !strings.Contains(out.String(), w.Name+" ") {
			t.Errorf("help does not list workload %s", w.Name)
		}
	}
}

func TestShellQuote(t *testing.T) {
	got := shellQuote([]string{"flinbench", "-target", "flin=127.0.0.1:6380", "-clients", "1,4", "-json", "a b.json", "it's", ""})
	want := `flinbench -target flin=127.0.0.1:6380 -clients 1,4 -json 'a b.json' 'it'\''s' ''`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestFromRendersASavedReport(t *testing.T) {
	dir := t.TempDir()
	saved := &report.Report{
		Tool: "flinbench", Baseline: "b",
		Config:  report.Config{Rounds: 1, Duration: "1s", ValueSize: 8, Keys: 10},
		Targets: []report.Target{{Name: "a", Addr: "x:1"}, {Name: "b", Addr: "x:2"}},
		Rows: []report.Row{
			{Key: report.Key{Workload: "set", Clients: 1, Pipeline: 1}, Target: "a", OpsPerSec: 10, Ratio: 0.5, RoundOpsPerSec: []float64{10}},
			{Key: report.Key{Workload: "set", Clients: 1, Pipeline: 1}, Target: "b", OpsPerSec: 20, Ratio: 1, RoundOpsPerSec: []float64{20}},
		},
	}
	in := filepath.Join(dir, "in.json")
	f, err := os.Create(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := report.WriteJSON(f, saved); err != nil {
		t.Fatal(err)
	}
	f.Close()
	svg := filepath.Join(dir, "out.svg")
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"-from", in, "-svg", svg}, &stdout, &stderr, false); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), report.FormatRows(saved.Rows, "b")) {
		t.Fatalf("table:\n%s", stdout.String())
	}
	if b, err := os.ReadFile(svg); err != nil || !bytes.Contains(b, []byte("0.50×")) {
		t.Fatalf("SVG: %v\n%s", err, b)
	}
}
