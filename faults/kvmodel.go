package faults

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"
)

// The linearizability check: clients record every GET, SET, INCR and DEL they send with its call
// and return times, and porcupine searches for an order of the operations, consistent with real
// time, in which a single Redis string key would have given the same replies. Keys are independent,
// so the history is checked key by key (the model's partition).
//
// What the history records, following porcupine's conventions (PITFALLS.md):
//   - a write whose outcome is unknown (an error reply, a timeout, a lost connection) never
//     returns: it may have taken effect at any time after its call, or not at all;
//   - a read that failed is left out: it observed nothing.

// KVOp is the kind of a recorded operation.
type KVOp byte

// The operations of the model, each Redis's command of the same name on a string key.
const (
	OpGet KVOp = iota
	OpSet
	OpIncr
	OpDel
)

func (o KVOp) String() string {
	return [...]string{"GET", "SET", "INCR", "DEL"}[o]
}

// KVInput is an operation's command.
type KVInput struct {
	Op    KVOp
	Key   string
	Value string // SET's value
}

// KVOutput is an operation's reply.
type KVOutput struct {
	Unknown bool   // a write with unknown outcome: accepted in any state
	Exists  bool   // GET: the key existed
	Value   string // GET: the value
	Int     int64  // INCR: the new value; DEL: keys removed (0 or 1)
	Err     string // INCR: an error reply (not an integer, overflow), which changes nothing
}

// kvState is one key's state in the model: a string value or no key.
type kvState struct {
	exists bool
	value  string
}

// incr is INCR applied to s: the new state and reply, or the error Redis gives.
func (s kvState) incr() (kvState, int64, string) {
	if !s.exists {
		return kvState{true, "1"}, 1, ""
	}
	n, err := strconv.ParseInt(s.value, 10, 64)
	if err != nil || strconv.FormatInt(n, 10) != s.value {
		return s, 0, "ERR value is not an integer or out of range"
	}
	if n == math.MaxInt64 {
		return s, 0, "ERR increment or decrement would overflow"
	}
	return kvState{true, strconv.FormatInt(n+1, 10)}, n + 1, ""
}

// kvStep is the sequential specification of one key.
func kvStep(state, input, output any) (bool, any) {
	s, in, out := state.(kvState), input.(KVInput), output.(KVOutput)
	switch in.Op {
	case OpGet:
		return out.Exists == s.exists && (!s.exists || out.Value == s.value), s
	case OpSet:
		return true, kvState{true, in.Value}
	case OpIncr:
		next, n, errText := s.incr()
		if out.Unknown {
			return true, next
		}
		if errText != "" {
			return out.Err != "" && strings.HasPrefix(errText, out.Err), s
		}
		return out.Err == "" && out.Int == n, next
	case OpDel:
		if out.Unknown {
			return true, kvState{}
		}
		want := int64(0)
		if s.exists {
			want = 1
		}
		return out.Int == want, kvState{}
	}
	return false, s
}

// KVModel is the porcupine model of a Redis keyspace of strings, partitioned by key.
func KVModel() porcupine.Model {
	return porcupine.Model{
		Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
			byKey := map[string][]porcupine.Operation{}
			var keys []string
			for _, op := range history {
				k := op.Input.(KVInput).Key
				if _, ok := byKey[k]; !ok {
					keys = append(keys, k)
				}
				byKey[k] = append(byKey[k], op)
			}
			sort.Strings(keys)
			out := make([][]porcupine.Operation, 0, len(keys))
			for _, k := range keys {
				out = append(out, byKey[k])
			}
			return out
		},
		Init: func() any { return kvState{} },
		Step: kvStep,
		DescribeOperation: func(input, output any) string {
			in, out := input.(KVInput), output.(KVOutput)
			var reply string
			switch {
			case out.Unknown:
				reply = "unknown"
			case out.Err != "":
				reply = out.Err
			case in.Op == OpGet && !out.Exists:
				reply = "nil"
			case in.Op == OpGet:
				reply = strconv.Quote(out.Value)
			case in.Op == OpSet:
				reply = "OK"
			default:
				reply = strconv.FormatInt(out.Int, 10)
			}
			if in.Op == OpSet {
				return fmt.Sprintf("SET %s %s -> %s", in.Key, in.Value, reply)
			}
			return fmt.Sprintf("%s %s -> %s", in.Op, in.Key, reply)
		},
		DescribeState: func(state any) string {
			s := state.(kvState)
			if !s.exists {
				return "(no key)"
			}
			return strconv.Quote(s.value)
		},
	}
}

// neverReturned is the return time of an operation whose outcome is unknown: after everything.
const neverReturned = math.MaxInt64

// History collects operations from concurrent clients, with times relative to its start.
type History struct {
	start time.Time

	mu  sync.Mutex
	ops []porcupine.Operation
}

// NewHistory starts an empty history now.
func NewHistory() *History { return &History{start: time.Now()} }

// Now is the time to record as an operation's call or return.
func (h *History) Now() int64 { return int64(time.Since(h.start)) }

// Add records an operation by client that was called at call and returned out at ret.
func (h *History) Add(client int, in KVInput, call int64, out KVOutput, ret int64) {
	if out.Unknown {
		ret = neverReturned
	}
	h.mu.Lock()
	h.ops = append(h.ops, porcupine.Operation{ClientId: client, Input: in, Call: call, Output: out, Return: ret})
	h.mu.Unlock()
}

// Operations returns a copy of the recorded operations.
func (h *History) Operations() []porcupine.Operation {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]porcupine.Operation(nil), h.ops...)
}

// Len is the number of operations recorded.
func (h *History) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.ops)
}
