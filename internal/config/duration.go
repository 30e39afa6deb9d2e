package config

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

const (
	day  = 24 * time.Hour
	week = 7 * day
)

// Duration is a time.Duration that reads and writes the config's duration
// syntax: Go's ("90s", "2h", "1h30m") plus days and weeks ("3d", "2w",
// "1d12h"). A day is always 24 hours.
type Duration struct{ time.Duration }

// UnmarshalText parses text with [ParseDuration].
func (d *Duration) UnmarshalText(text []byte) error {
	v, err := ParseDuration(string(text))
	if err != nil {
		return err
	}
	d.Duration = v
	return nil
}

// MarshalText returns the compact form of [Duration.String].
func (d Duration) MarshalText() ([]byte, error) {
	return []byte(d.String()), nil
}

// String returns the compact form, largest units first, with zero units
// left out: "3d", "2h30m", "1w1d", "0s". ParseDuration reads it back to
// the same value.
func (d Duration) String() string {
	return FormatDuration(d.Duration)
}

// FormatDuration returns d in the compact form described at
// [Duration.String].
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	var b strings.Builder
	u := uint64(d)
	if d < 0 {
		b.WriteByte('-')
		u = uint64(-d) // math.MinInt64 wraps to itself, which is its magnitude as uint64
	}
	for _, unit := range []struct {
		size uint64
		name string
	}{{uint64(week), "w"}, {uint64(day), "d"}, {uint64(time.Hour), "h"}, {uint64(time.Minute), "m"}} {
		if n := u / unit.size; n > 0 {
			b.WriteString(strconv.FormatUint(n, 10))
			b.WriteString(unit.name)
			u -= n * unit.size
		}
	}
	if u > 0 {
		b.WriteString(time.Duration(u).String()) // "5s", "1.5s", "250ms"
	}
	return b.String()
}

// ParseDuration parses a duration in Go syntax extended with "d" (24h) and
// "w" (7d): "90s", "2h", "1h30m", "3d", "2w", "1d12h", "1.5d". A bare "0"
// is zero. A negative sign is accepted; callers check the range. The error
// for a near miss suggests the fix: `"3 days" is not a duration (try "3d")`.
func ParseDuration(s string) (time.Duration, error) {
	d, ok := parseDuration(s)
	if ok {
		return d, nil
	}
	if hint := durationHint(s); hint != "" {
		return 0, fmt.Errorf("%q is not a duration (try %q)", s, hint)
	}
	return 0, fmt.Errorf("%q is not a duration (use e.g. \"90s\", \"2h\", \"3d\" or \"2w\")", s)
}

var errOverflow = errors.New("overflow")

func parseDuration(s string) (time.Duration, bool) {
	rest, neg := s, false
	if rest != "" && (rest[0] == '-' || rest[0] == '+') {
		neg = rest[0] == '-'
		rest = rest[1:]
	}
	if rest == "0" {
		return 0, true
	}
	if rest == "" {
		return 0, false
	}
	var total time.Duration
	for rest != "" {
		i := 0
		for i < len(rest) && (rest[i] == '.' || rest[i] >= '0' && rest[i] <= '9') {
			i++
		}
		j := i
		for j < len(rest) && (rest[j] < '0' || rest[j] > '9') && rest[j] != '.' {
			j++
		}
		num, unit := rest[:i], rest[i:j]
		rest = rest[j:]
		if num == "" || num == "." || unit == "" {
			return 0, false
		}
		var part time.Duration
		var err error
		switch unit {
		case "d", "w":
			part, err = time.ParseDuration(num + "h")
			mult := time.Duration(24)
			if unit == "w" {
				mult = 24 * 7
			}
			if err == nil && part > math.MaxInt64/mult {
				err = errOverflow
			}
			part *= mult
		default:
			part, err = time.ParseDuration(num + unit)
		}
		if err != nil || total > math.MaxInt64-part {
			return 0, false
		}
		total += part
	}
	if neg {
		total = -total
	}
	return total, true
}

// durationWords maps spelled-out units to the suffixes ParseDuration knows.
var durationWords = []struct{ word, unit string }{
	{"weeks", "w"}, {"week", "w"}, {"wks", "w"}, {"wk", "w"},
	{"days", "d"}, {"day", "d"},
	{"hours", "h"}, {"hour", "h"}, {"hrs", "h"}, {"hr", "h"},
	{"minutes", "m"}, {"minute", "m"}, {"mins", "m"}, {"min", "m"},
	{"seconds", "s"}, {"second", "s"}, {"secs", "s"}, {"sec", "s"},
	{"and", ""},
}

// durationHint rewrites a human spelling such as "3 days" or
// "1 hour, 30 minutes" into the syntax, or returns "" if it cannot.
func durationHint(s string) string {
	h := strings.ToLower(s)
	for _, r := range []string{" ", ",", "\t"} {
		h = strings.ReplaceAll(h, r, "")
	}
	for _, w := range durationWords {
		h = strings.ReplaceAll(h, w.word, w.unit)
	}
	if h == s || h == "" {
		return ""
	}
	if _, ok := parseDuration(h); !ok {
		return ""
	}
	return h
}
