package load

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeServer is an in-process RESP server with the few commands the workloads send, so the runner
// can be tested without a real server. Commands it does not know get an error reply.
type fakeServer struct {
	addr string
	// silent makes the server read commands and never answer.
	silent bool
	// info is the INFO text it answers.
	info string
	// fail names a command that always gets an error reply.
	fail string

	mu       sync.Mutex
	data     map[string]string
	commands map[string]int
}

func startFakeServer(t *testing.T, configure func(*fakeServer)) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeServer{addr: ln.Addr().String(), data: map[string]string{}, commands: map[string]int{}}
	if configure != nil {
		configure(s)
	}
	var wg sync.WaitGroup
	var conns sync.Map
	t.Cleanup(func() {
		ln.Close()
		conns.Range(func(k, _ any) bool { k.(net.Conn).Close(); return true })
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Store(nc, true)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer nc.Close()
				s.serve(nc)
			}()
		}
	}()
	return s
}

func (s *fakeServer) size() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.data)
}

func (s *fakeServer) count(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commands[name]
}

func (s *fakeServer) serve(nc net.Conn) {
	br := bufio.NewReader(nc)
	bw := bufio.NewWriter(nc)
	for {
		args, err := readCommand(br)
		if err != nil {
			return
		}
		if !s.silent {
			s.reply(bw, args)
		}
		if br.Buffered() == 0 {
			if bw.Flush() != nil {
				return
			}
		}
	}
}

func (s *fakeServer) reply(w *bufio.Writer, args []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := strings.ToUpper(args[0])
	s.commands[name]++
	bulk := func(v string, ok bool) {
		if !ok {
			w.WriteString("$-1\r\n")
			return
		}
		fmt.Fprintf(w, "$%d\r\n%s\r\n", len(v), v)
	}
	switch {
	case name == s.fail:
		w.WriteString("-ERR injected\r\n")
	case name == "PING":
		w.WriteString("+PONG\r\n")
	case name == "SET" && len(args) == 3:
		s.data[args[1]] = args[2]
		w.WriteString("+OK\r\n")
	case name == "GET" && len(args) == 2:
		v, ok := s.data[args[1]]
		bulk(v, ok)
	case name == "DEL" && len(args) >= 2:
		n := 0
		for _, k := range args[1:] {
			if _, ok := s.data[k]; ok {
				delete(s.data, k)
				n++
			}
		}
		fmt.Fprintf(w, ":%d\r\n", n)
	case name == "MSET" && len(args)%2 == 1:
		for i := 1; i < len(args); i += 2 {
			s.data[args[i]] = args[i+1]
		}
		w.WriteString("+OK\r\n")
	case name == "MGET" && len(args) >= 2:
		fmt.Fprintf(w, "*%d\r\n", len(args)-1)
		for _, k := range args[1:] {
			v, ok := s.data[k]
			bulk(v, ok)
		}
	case name == "INFO":
		bulk(s.info, true)
	case name == "CONFIG" && len(args) == 3 && args[2] == "appendonly":
		w.WriteString("*2\r\n$10\r\nappendonly\r\n$3\r\nyes\r\n")
	case name == "CONFIG":
		w.WriteString("*0\r\n")
	default:
		fmt.Fprintf(w, "-ERR unknown command '%s'\r\n", args[0])
	}
}

// readCommand reads one RESP array of bulk strings.
func readCommand(br *bufio.Reader) ([]string, error) {
	line, err := br.ReadString('\n')
	if err != nil {
		return nil, err
	}
	if len(line) < 4 || line[0] != '*' {
		return nil, errors.New("not an array: " + line)
	}
	n, err := strconv.Atoi(strings.TrimSpace(line[1:]))
	if err != nil || n < 1 {
		return nil, errors.New("bad array: " + line)
	}
	args := make([]string, n)
	for i := range args {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, err
		}
		size, err := strconv.Atoi(strings.TrimSpace(line[1:]))
		if err != nil || line[0] != '$' {
			return nil, errors.New("bad bulk: " + line)
		}
		buf := make([]byte, size+2)
		if _, err := io.ReadFull(br, buf); err != nil {
			return nil, err
		}
		args[i] = string(buf[:size])
	}
	return args, nil
}
