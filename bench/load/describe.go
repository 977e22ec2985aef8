package load

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/flin-resp/flin-resp/bench/resp"
)

// ServerInfo is what a target says about itself, so a report records what was measured.
type ServerInfo struct {
	// Software is "flin-resp" when INFO reports flin_resp_version, "redis" otherwise.
	Software string `json:"software"`
	Version  string `json:"version"`
	// Settings holds the persistence settings from CONFIG GET (appendonly, appendfsync, save) that
	// the server answered.
	Settings map[string]string `json:"settings,omitempty"`
}

// String gives the software, version and persistence settings on one line.
func (s ServerInfo) String() string {
	var b strings.Builder
	b.WriteString(s.Software)
	if s.Version != "" {
		b.WriteString(" " + s.Version)
	}
	for _, k := range persistenceSettings {
		if v, ok := s.Settings[k]; ok {
			if v == "" {
				v = `""`
			}
			fmt.Fprintf(&b, " %s=%s", k, v)
		}
	}
	return b.String()
}

var persistenceSettings = []string{"appendonly", "appendfsync", "save"}

// Describe checks that addr answers PING and asks it for its version and persistence settings.
// Only the PING must succeed; the rest is best effort.
func Describe(ctx context.Context, addr string) (ServerInfo, error) {
	conn, err := resp.Dial(ctx, addr, 5*time.Second)
	if err != nil {
		return ServerInfo{}, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	pong, err := conn.Do("PING")
	if err == nil {
		err = pong.Err()
	}
	if err != nil {
		return ServerInfo{}, fmt.Errorf("PING %s: %w", addr, err)
	}
	info := ServerInfo{Software: "unknown", Settings: map[string]string{}}
	if v, err := conn.Do("INFO", "server"); err == nil && v.Err() == nil {
		fields := parseInfo(v.Str)
		switch {
		case fields["flin_resp_version"] != "":
			info.Software, info.Version = "flin-resp", fields["flin_resp_version"]
		case fields["redis_version"] != "":
			info.Software, info.Version = "redis", fields["redis_version"]
		}
	}
	for _, k := range persistenceSettings {
		v, err := conn.Do("CONFIG", "GET", k)
		if err != nil || v.Err() != nil {
			continue
		}
		// RESP2 answers [name, value]; a RESP3 map has the same elements.
		if len(v.Elems) == 2 && v.Elems[0].Str == k {
			info.Settings[k] = v.Elems[1].Str
		}
	}
	return info, nil
}

// parseInfo splits INFO text into its fields.
func parseInfo(text string) map[string]string {
	fields := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if ok && !strings.HasPrefix(k, "#") {
			fields[k] = v
		}
	}
	return fields
}
