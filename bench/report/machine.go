package report

import (
	"fmt"
	"os"
	"runtime"
	"strings"
)

// Machine describes where the benchmark ran. Client and servers share it unless the targets are
// remote.
type Machine struct {
	OS         string `json:"os"`
	Arch       string `json:"arch"`
	Cores      int    `json:"cores"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	CPUModel   string `json:"cpu_model,omitempty"`
	Kernel     string `json:"kernel,omitempty"`
	GoVersion  string `json:"go_version"`
}

// DetectMachine describes this machine; the CPU model and kernel come from /proc when present.
func DetectMachine() Machine {
	m := Machine{
		OS: runtime.GOOS, Arch: runtime.GOARCH,
		Cores: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0),
		GoVersion: runtime.Version(),
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		m.CPUModel = CPUModel(string(b))
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}

// CPUModel finds the processor's name in the text of /proc/cpuinfo: "model name" on x86, "Model"
// or "Hardware" on ARM boards, "cpu" on POWER.
func CPUModel(cpuinfo string) string {
	found := map[string]string{}
	for _, line := range strings.Split(cpuinfo, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if _, seen := found[k]; !seen && v != "" {
			found[k] = v
		}
	}
	for _, k := range []string{"model name", "Model", "Hardware", "cpu"} {
		if v := found[k]; v != "" {
			return v
		}
	}
	return ""
}

// String gives the machine on one line.
func (m Machine) String() string {
	s := fmt.Sprintf("%s/%s, %d cores, GOMAXPROCS %d", m.OS, m.Arch, m.Cores, m.GOMAXPROCS)
	if m.CPUModel != "" {
		s += ", " + m.CPUModel
	}
	if m.Kernel != "" {
		s += ", kernel " + m.Kernel
	}
	return s + ", " + m.GoVersion
}
