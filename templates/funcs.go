package templates

import (
	"strings"
	"time"
	"unicode"

	"github.com/followupd/followupd/internal/core"
)

// funcsIn are the functions every template can call, writing in
// language l. They take the value they work on last, so they also work
// in pipelines: {{.Message.Text | excerpt 200}}.
func funcsIn(l core.Lang) map[string]any {
	return map[string]any{
		"reply": func(s string) string { return replyIn(l, s) },
		// ago says how long ago t was, "3 days", counted from now when it
		// is given ({{ago .Case.Opened $.Now}}, what the defaults do) or
		// else from the clock.
		"ago": func(t time.Time, now ...time.Time) string {
			n := time.Now()
			if len(now) > 0 {
				n = now[0]
			}
			return AgeIn(l, n.Sub(t))
		},
		// date formats a day, "Mon 2 Mar" or "Montag, 2. März", in the
		// time's own zone; a zero time gives "".
		"date": func(t time.Time) string { return DateIn(l, t) },
		// category names a category, "complaint", "Beschwerde".
		"category": func(c core.Category) string { return categoryIn(l, c) },
		"stars":    stars,
		"first":    FirstName,
		"excerpt":  excerpt,
		"quote":    quote,
	}
}

// funcs are the English functions, for parsing (every language has the
// same names).
var funcs = funcsIn(core.English)

// stars shows a 1-5 rating as "★★★★☆"; 0 (no rating) gives "".
func stars(n int) string {
	if n <= 0 {
		return ""
	}
	n = min(n, 5)
	return strings.Repeat("★", n) + strings.Repeat("☆", 5-n)
}

// excerpt shortens s to at most n characters, cutting at a word boundary
// and ending with "…". Runs of blank lines become one.
func excerpt(n int, s string) string {
	s = strings.TrimSpace(blankRuns.ReplaceAllString(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n"))
	rs := []rune(s)
	if n <= 0 || len(rs) <= n {
		return s
	}
	cut := n - 1 // room for the ellipsis
	for i := cut; i >= n/2; i-- {
		if unicode.IsSpace(rs[i]) {
			cut = i
			break
		}
	}
	return strings.TrimRightFunc(string(rs[:cut]), func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsPunct(r)
	}) + "…"
}

// quote marks every line of s as quoted, email style: "> ".
func quote(s string) string {
	lines := strings.Split(strings.TrimRight(strings.ReplaceAll(s, "\r\n", "\n"), "\n"), "\n")
	for i, l := range lines {
		if l == "" {
			lines[i] = ">"
		} else {
			lines[i] = "> " + l
		}
	}
	return strings.Join(lines, "\n")
}
