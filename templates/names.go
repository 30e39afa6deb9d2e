package templates

import (
	"strings"
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
