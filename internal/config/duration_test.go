package config

import (
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

func TestParseDurationAcceptsGoSyntaxDaysAndWeeks(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"90s", 90 * time.Second},
		{"2h", 2 * time.Hour},
		{"1h30m", 90 * time.Minute},
		{"3d", 3 * day},
		{"2w", 2 * week},
		{"1d12h", 36 * time.Hour},
		{"1w2d3h4m5s", week + 2*day + 3*time.Hour + 4*time.Minute + 5*time.Second},
		{"1.5d", 36 * time.Hour},
		{"0", 0},
		{"0s", 0},
		{"250ms", 250 * time.Millisecond},
		{"-1d", -day},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseDurationRejectsWithAHint(t *testing.T) {
	tests := []struct{ in, wantErr string }{
		{"3 days", `"3 days" is not a duration (try "3d")`},
		{"2 weeks", `"2 weeks" is not a duration (try "2w")`},
		{"1 hour 30 minutes", `"1 hour 30 minutes" is not a duration (try "1h30m")`},
		{"1 day and 12 hours", `"1 day and 12 hours" is not a duration (try "1d12h")`},
		{"3D", `"3D" is not a duration (try "3d")`},
		{"", `"" is not a duration (use e.g. "90s", "2h", "3d" or "2w")`},
		{"3", `"3" is not a duration (use e.g. "90s", "2h", "3d" or "2w")`},
		{"d", `"d" is not a duration (use e.g. "90s", "2h", "3d" or "2w")`},
		{"3x", `"3x" is not a duration (use e.g. "90s", "2h", "3d" or "2w")`},
		{"3d-1h", `"3d-1h" is not a duration (use e.g. "90s", "2h", "3d" or "2w")`},
		{"soon", `"soon" is not a duration (use e.g. "90s", "2h", "3d" or "2w")`},
		{"999999999w", `"999999999w" is not a duration (use e.g. "90s", "2h", "3d" or "2w")`},
	}
	for _, tt := range tests {
		_, err := ParseDuration(tt.in)
		if err == nil || err.Error() != tt.wantErr {
			t.Errorf("ParseDuration(%q) error = %v; want %s", tt.in, err, tt.wantErr)
		}
	}
}

func TestDurationStringIsCompactAndParsesBack(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{90 * time.Second, "1m30s"},
		{3 * day, "3d"},
		{2 * week, "2w"},
		{9 * day, "1w2d"},
		{150 * time.Minute, "2h30m"},
		{36 * time.Hour, "1d12h"},
		{time.Hour + 1500*time.Millisecond, "1h1.5s"},
		{-3 * day, "-3d"},
	}
	for _, tt := range tests {
		got := Duration{tt.d}.String()
		if got != tt.want {
			t.Errorf("Duration{%v}.String() = %q; want %q", tt.d, got, tt.want)
		}
		back, err := ParseDuration(got)
		if err != nil || back != tt.d {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", got, back, err, tt.d)
		}
	}
}

func TestDurationRoundTripsThroughTOML(t *testing.T) {
	var v struct {
		D Duration `toml:"d"`
	}
	if _, err := toml.Decode(`d = "1d12h"`, &v); err != nil || v.D.Duration != 36*time.Hour {
		t.Fatalf("decode = %v, %v", v.D, err)
	}
	text, err := v.D.MarshalText()
	if err != nil || string(text) != "1d12h" {
		t.Fatalf("MarshalText = %q, %v", text, err)
	}
	if err := v.D.UnmarshalText([]byte("3 days")); err == nil {
		t.Fatal("UnmarshalText(\"3 days\") succeeded")
	}
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"90s", "3d", "1d12h", "2w", "1.5d", "3 days", "-0", "9223372036854775807ns", "1e3s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			return
		}
		back, err := ParseDuration(FormatDuration(d))
		if err != nil || back != d {
			t.Fatalf("%q -> %v -> %q -> %v, %v", s, d, FormatDuration(d), back, err)
		}
	})
}
