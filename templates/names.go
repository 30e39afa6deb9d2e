package templates

import (
	"fmt"
	"strings"
	"time"
	"unicode"
)

// FirstName guesses a first name from a display name: "Ana María López"
// gives "Ana", "López, Ana" gives "Ana", "JOHN SMITH" gives "John". Names
// that do not look like a person's (an address, a company, digits) give "".
func FirstName(display string) string {
	name := strings.TrimSpace(strings.Trim(display, `"' `))
	if name == "" || strings.ContainsAny(name, "@<>") {
		return ""
	}
	if last, first, ok := strings.Cut(name, ","); ok && strings.TrimSpace(first) != "" && !strings.Contains(strings.TrimSpace(last), " ") {
		name = strings.TrimSpace(first)
	}
	fields := strings.Fields(name)
	// Skip honorifics.
	for len(fields) > 1 {
		switch strings.ToLower(strings.TrimSuffix(fields[0], ".")) {
		case "mr", "mrs", "ms", "miss", "dr", "herr", "frau", "sr", "sra", "mme", "m", "prof":
			fields = fields[1:]
			continue
		}
		break
	}
	if len(fields) == 0 {
		return ""
	}
	first := fields[0]
	letters := 0
	for _, r := range first {
		switch {
		case unicode.IsLetter(r):
			letters++
		case r == '-' || r == '\'' || r == '.' || r == '’':
		default:
			return ""
		}
	}
	if letters == 0 {
		return ""
	}
	// Tame SHOUTED names; leave mixed case ("McKenzie", "DeShawn") alone.
	if strings.ToUpper(first) == first && letters > 1 {
		rs := []rune(strings.ToLower(first))
		rs[0] = unicode.ToUpper(rs[0])
		first = string(rs)
	}
	return first
}

// Age says how long a duration is the way a person would: "a few seconds",
// "1 minute", "5 hours", "3 days", "2 weeks", "4 months", "2 years". The
// sign is ignored. The daemon fills Case.Age with it, and the ago template
// function uses it.
func Age(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	const day = 24 * time.Hour
	unit := func(n int64, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %ss", n, one)
	}
	switch {
	case d < time.Minute:
		return "a few seconds"
	case d < time.Hour:
		return unit(int64(d/time.Minute), "minute")
	case d < 2*day:
		return unit(int64(d/time.Hour), "hour")
	case d < 14*day:
		return unit(int64(d/day), "day")
	case d < 60*day:
		return unit(int64(d/(7*day)), "week")
	case d < 730*day:
		return unit(int64(d/(30*day)), "month")
	}
	return unit(int64(d/(365*day)), "year")
}
