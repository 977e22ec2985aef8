package resp

import (
	"strings"
	"testing"
)

// Expectations follow redis-server 7.0.15 (checked against it by compat_test).

func TestIsOptReadsKeywordsAsCStrings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		arg  string
		want bool
	}{
		{"nx", true}, {"NX", true}, {"nX", true}, {"nx\x00zz", true}, {"nxx", false}, {"n", false}, {"", false},
		{"\u212aeepttl", false}, // the Kelvin sign folds to k in Unicode, not in strcasecmp
	}
	for _, tc := range tests {
		kw := "nx"
		if strings.Contains(tc.arg, "eepttl") {
			kw = "keepttl"
		}
		if got := isOpt([]byte(tc.arg), kw); got != tc.want {
			t.Errorf("isOpt(%q, %q) = %v, want %v", tc.arg, kw, got, tc.want)
		}
	}
}

func TestStringOptionsParseAsRedisDoes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     string
		getEx    bool
		flags    int
		expire   string
		wantFail bool
	}{
		{name: "no option", opts: ""},
		{name: "NX and GET combine", opts: "NX GET", flags: optNX | optGet},
		{name: "NX and XX conflict", opts: "NX XX", wantFail: true},
		{name: "a repeated expire option counts the last", opts: "EX 1 EX 2", flags: optEX, expire: "2"},
		{name: "two expire options conflict", opts: "EX 1 PX 2", wantFail: true},
		{name: "KEEPTTL after an expire conflicts", opts: "PX 1 KEEPTTL", wantFail: true},
		{name: "an expire after KEEPTTL conflicts", opts: "KEEPTTL EXAT 1", wantFail: true},
		{name: "an expire option needs its argument", opts: "GET EX", wantFail: true},
		{name: "PERSIST is GETEX's", opts: "PERSIST", wantFail: true},
		{name: "GETEX PERSIST", opts: "PERSIST PERSIST", getEx: true, flags: optPersist},
		{name: "GETEX refuses PERSIST with an expire", opts: "EX 1 PERSIST", getEx: true, wantFail: true},
		{name: "GETEX refuses SET's options", opts: "NX", getEx: true, wantFail: true},
		{name: "GETEX takes an expire", opts: "pxat 5", getEx: true, flags: optPXAT, expire: "5"},
		{name: "an unknown option", opts: "FOO", wantFail: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var args [][]byte
			for _, f := range strings.Fields(tc.opts) {
				args = append(args, []byte(f))
			}
			flags, exp, e := parseStringOptions(args, tc.getEx)
			switch {
			case tc.wantFail && e != errSyntax:
				t.Errorf("= %b %q %q, want a syntax error", flags, exp, e)
			case !tc.wantFail && (e != "" || flags != tc.flags || string(exp) != tc.expire):
				t.Errorf("= %b %q %q, want %b %q", flags, exp, e, tc.flags, tc.expire)
			}
		})
	}
}

func TestBitFieldTypes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		arg    string
		signed bool
		bits   uint8
		ok     bool
	}{
		{"i8", true, 8, true}, {"u8", false, 8, true}, {"i64", true, 64, true}, {"u63", false, 63, true},
		{"u64", false, 0, false}, {"i65", false, 0, false}, {"i0", false, 0, false}, {"I8", false, 0, false},
		{"i08", false, 0, false}, {"i+8", false, 0, false}, {"i", false, 0, false}, {"", false, 0, false},
		{"i8\x00junk", true, 8, true}, // the number is read as a C string
	}
	for _, tc := range tests {
		signed, bits, ok := bitFieldType([]byte(tc.arg))
		if signed != tc.signed || bits != tc.bits || ok != tc.ok {
			t.Errorf("bitFieldType(%q) = %v %d %v, want %v %d %v", tc.arg, signed, bits, ok, tc.signed, tc.bits, tc.ok)
		}
	}
}
